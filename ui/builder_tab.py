"""The Model builder: edit a Sequential's layer list, shape-checked on every edit, with its PyTorch code."""
import json

import gradio as gr

from nets.builder.code import module_code, sequential_code
from nets.builder.layers import LAYER_TYPES, SpecError, layer_names, parse_args
from nets.builder.shapes import LIMITS_TEXT, MAX_LAYERS
from nets.builder.spec import check_spec, default_layer, normalize_spec
from nets.models import tutorial_spec
from ui.i18n import t
from ui.validate import as_choice, as_int, bad

HEADERS = ["#", "name", "layer", "arguments", "output shape", "parameters", "check"]
EDITABLE = (1, 2, 3)
MAX_JSON = 20_000      # characters of layer-list JSON accepted from the API


def _spec(spec) -> list[dict]:
    """A layer list checked for types, arguments and limits, or a gr.Error naming the layer."""
    if isinstance(spec, dict):   # the table holds a cell that cannot be read (see show_unread)
        raise bad(f"{spec['error']} Fix that cell first: the buttons wait, so nothing you typed is lost.")
    try:
        return normalize_spec(spec)
    except SpecError as e:
        raise bad(str(e)) from None


def table_to_spec(rows) -> list[dict]:
    """The edited table as a layer list (SpecError: a cell it cannot read); automatic names are not stored."""
    rows = _rows(rows)
    if len(rows) > MAX_LAYERS:
        raise bad(f"The network has {len(rows)} layers; the limit is {MAX_LAYERS}.")
    spec = []
    for i, row in enumerate(rows):
        kind, args, name = str(row[2]).strip(), str(row[3] or ""), str(row[1] or "").strip()
        spec.append((parse_args(kind, args, i), name))
    auto = layer_names([d for d, _ in spec])
    return normalize_spec([d | ({"name": n} if n and n != a else {}) for (d, n), a in zip(spec, auto)])


def _rows(rows) -> list[list]:
    """Table rows from Gradio (a dict with "data", a DataFrame or a list) as a list of lists."""
    if hasattr(rows, "values") and hasattr(rows, "columns"):
        rows = rows.values.tolist()
    elif isinstance(rows, dict):
        rows = rows.get("data", [])
    if not isinstance(rows, list) or not all(isinstance(r, (list, tuple)) and len(r) >= 4 for r in rows):
        raise bad("The layer table must be rows of: #, name, layer, arguments.")
    return [list(r) for r in rows if any(str(c).strip() for c in r[1:4])]


def spec_rows(spec: list[dict]) -> tuple[list[list], object]:
    """Table rows with each layer's checked output shape and parameters, and the check itself."""
    result = check_spec(spec)
    rows = []
    for c in result.layers:   # every layer, also those after a failing one, so none is lost from the table
        mark = "✗ " + (result.torch_error or "see below") if c.index == result.error_index else \
            "✓" if c.reached else "not checked: an earlier layer fails"
        shape = str(c.out_shape) if c.out_shape else "—"
        rows.append([c.index + 1, c.name, c.type, c.args, shape, f"{c.params:,}", mark])
    return rows, result


def status_text(result) -> str:
    """What the check found, in one short block of Markdown."""
    if result.ok:
        head = (f"**✓ The network runs:** (1, 3, 32, 32) → {result.layers[-1].out_shape}, "
                f"{result.params:,} parameters, {result.macs:,} multiply-adds per image. "
                f"The Network view and the Training tab use this network.")
    else:
        where = f"layer {result.error_index + 1}: " if result.error_index is not None else ""
        head = f"**✗ {where}{result.error}**"
        if result.torch_error:
            head += f"\n\nPyTorch says: `{result.torch_error}`"
        if result.fix:
            head += f"\n\nSuggested fix: **{result.fix.label}** (button below)."
        head += "\n\nThe Network view and the Training tab keep using the last network that ran."
    return "\n\n".join([head, *[f"⚠ {w}" for w in result.warnings]])


def show_spec(spec, arch):
    """Every builder output for a layer list: table, status, fix button, both code forms, and arch_state."""
    spec = _spec(spec)
    rows, result = spec_rows(spec)
    fix = result.fix
    fix_button = gr.update(value=f"Fix: {fix.label}", visible=True) if fix else gr.update(visible=False)
    codes = (sequential_code(spec), module_code(spec))
    return (rows, spec, status_text(result), fix_button, fix.spec if fix else None, *codes,
            spec if result.ok else arch)


def show_unread(rows: list[list], error: SpecError, arch):
    """A table with a cell that cannot be read: every row kept as typed, that one marked, the last network kept."""
    marks = [f"✗ {error}" if i == error.index else "not checked: a cell cannot be read" for i in range(len(rows))]
    shown = [[i + 1, r[1] or "", r[2], r[3], "—", "—", mark] for i, (r, mark) in enumerate(zip(rows, marks))]
    status = (f"**✗ {error}**\n\nFix that cell; until then the buttons wait, and the Network view and the "
              f"Training tab keep using the last network that ran.")
    return shown, {"unread": shown, "error": str(error)}, status, gr.update(visible=False), None, \
        gr.skip(), gr.skip(), arch


def edit_table(rows, arch):
    """The learner edited a cell: read the whole table and check it again; nothing typed is dropped."""
    rows = _rows(rows)
    try:
        spec = table_to_spec(rows)
    except SpecError as e:
        return show_unread(rows, e, arch)
    return show_spec(spec, arch)


def set_layers(layers_json, arch):
    """API: replace the layer list with a JSON list of layer dicts (refused, state kept, if it cannot run)."""
    if not isinstance(layers_json, str) or len(layers_json) > MAX_JSON:
        raise bad(f"Send the layers as a JSON list of at most {MAX_JSON:,} characters.")
    try:
        spec = json.loads(layers_json)
    except ValueError as e:
        raise bad(f"The layers are not valid JSON: {e}.") from None
    result = check_spec(spec)
    if not result.ok:
        fix = f" Suggested fix: {result.fix.label}." if result.fix else ""
        torch_says = f" (PyTorch: {result.torch_error})" if result.torch_error else ""
        raise bad(f"{result.error}{torch_says}{fix}")
    return show_spec(result.spec, arch)


def add_layer(spec, kind, selected, arch):
    """Insert a layer of this kind after the selected one (at the end if none), sized to fit its input; select it."""
    spec = _spec(spec)
    kind = as_choice(kind, "Layer type", tuple(LAYER_TYPES))
    if len(spec) >= MAX_LAYERS:
        raise bad(f"The network already has {MAX_LAYERS} layers, the limit.")
    at = _index(selected, len(spec), default=len(spec) - 1)
    checked = check_spec(spec).layers
    shape = checked[at].out_shape if at < len(checked) else None
    return show_spec(spec[:at + 1] + [default_layer(kind, shape)] + spec[at + 1:], arch) + (at + 1,)


def remove_layer(spec, selected, arch):
    """Remove the selected layer."""
    spec = _spec(spec)
    at = _index(selected, len(spec))
    return show_spec(spec[:at] + spec[at + 1:], arch)


def move_layer(spec, selected, step, arch):
    """Move the selected layer up (step -1) or down (+1)."""
    spec = _spec(spec)
    at = _index(selected, len(spec))
    to = min(max(at + int(step), 0), len(spec) - 1)
    spec[at], spec[to] = spec[to], spec[at]
    return show_spec(spec, arch) + (to,)


def move_up(spec, selected, arch):
    """Move the selected layer one place earlier."""
    return move_layer(spec, selected, -1, arch)


def move_down(spec, selected, arch):
    """Move the selected layer one place later."""
    return move_layer(spec, selected, 1, arch)


def _index(selected, n: int, default=None) -> int:
    if selected is None:
        if default is None:
            raise bad("Select a layer first: click its row in the table.")
        return default
    return as_int(selected, "Selected layer", 0, n - 1)


def apply_fix(fixed, arch):
    """The one-click fix: use the repaired layer list."""
    if fixed is None:
        raise bad("There is nothing to fix.")
    return show_spec(fixed, arch)


def reset(arch):
    """Start again from the tutorial's network."""
    return show_spec(tutorial_spec(), arch)


def follow_arch(arch, spec):
    """Another tab (an uploaded model) changed the network: show it here too; otherwise change nothing."""
    if arch is None or arch == spec:
        return tuple(gr.skip() for _ in range(8))
    return show_spec(arch, arch)


def pick_row(evt: gr.SelectData):
    """Remember which row the learner clicked."""
    return evt.index[0] if isinstance(evt.index, (list, tuple)) else evt.index


def build(arch_state):
    """The Builder tab's components and events."""
    start_rows, start = spec_rows(tutorial_spec())
    with gr.Tab(t("builder.tab"), id="builder"):
        gr.Markdown(t("builder.intro"))
        with gr.Row():
            gr.Markdown(t("builder.limits"))
            gr.Markdown(f"{LIMITS_TEXT}.")
        table = gr.Dataframe(start_rows, headers=HEADERS, datatype=["number"] + ["str"] * 6, interactive=True,
                             static_columns=[i for i in range(len(HEADERS)) if i not in EDITABLE],
                             column_widths=["4%", "10%", "12%", "30%", "14%", "10%", "20%"], wrap=True,
                             label=t("builder.table"))
        with gr.Row():
            kind = gr.Dropdown(list(LAYER_TYPES), value="ReLU", label=t("builder.layer_type"), scale=2)
            add_button = gr.Button(t("builder.add"), scale=1)
            remove_button = gr.Button(t("builder.remove"), scale=1)
            up_button = gr.Button(t("builder.up"), scale=1)
            down_button = gr.Button(t("builder.down"), scale=1)
            reset_button = gr.Button(t("builder.reset"), scale=1)
        status = gr.Markdown(status_text(start))
        fix_button = gr.Button(visible=False, variant="primary")
        with gr.Row(equal_height=False):
            # Wrapped: two boxes side by side are narrower than the comments, and no line may be cut off.
            seq_code = gr.Code(sequential_code(tutorial_spec()), language="python", label=t("builder.code_seq"),
                               wrap_lines=True)
            mod_code = gr.Code(module_code(tutorial_spec()), language="python", label=t("builder.code_module"),
                               wrap_lines=True)
        with gr.Accordion(t("builder.api"), open=False):
            layers_json = gr.Code(json.dumps(tutorial_spec()), language="json", label="JSON", interactive=True)
            json_button = gr.Button(t("builder.apply_json"))
        spec_state = gr.State(tutorial_spec())
        fix_state = gr.State(None)
        selected = gr.State(None)

    outputs = [table, spec_state, status, fix_button, fix_state, seq_code, mod_code, arch_state]
    table.input(edit_table, [table, arch_state], outputs, api_name="builder_edit_table")
    table.select(pick_row, None, selected, queue=False, api_visibility="private")
    json_button.click(set_layers, [layers_json, arch_state], outputs, api_name="builder_set_layers")
    add_button.click(add_layer, [spec_state, kind, selected, arch_state], outputs + [selected],
                     api_name="builder_add_layer")
    remove_button.click(remove_layer, [spec_state, selected, arch_state], outputs, api_name="builder_remove_layer")
    up_button.click(move_up, [spec_state, selected, arch_state], outputs + [selected], api_name="builder_move_up")
    down_button.click(move_down, [spec_state, selected, arch_state], outputs + [selected],
                      api_name="builder_move_down")
    fix_button.click(apply_fix, [fix_state, arch_state], outputs, api_name="builder_apply_fix")
    reset_button.click(reset, arch_state, outputs, api_name="builder_reset")
    arch_state.change(follow_arch, [arch_state, spec_state], outputs, api_visibility="private")
    return outputs
