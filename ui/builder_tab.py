"""The Model builder: edit a Sequential's layer list, shape-checked on every edit, with its PyTorch code."""
import json
from typing import NamedTuple

import gradio as gr

from nets.builder.code import module_code, sequential_code
from nets.builder.layers import LAYER_TYPES, SpecError, layer_names
from nets.builder.parse import parse_args
from nets.builder.shapes import LIMITS_PHRASE, MAX_LAYERS, walk
from nets.builder.spec import INPUT_SHAPE, check_spec, default_layer, normalize_spec
from nets import own
from nets.own import builder_start
from nets.text import Phrase
from ui.common.gradio_hooks import HIDDEN_PROGRESS
from ui.common.i18n import current_locale, say, t
from ui.common.validate import as_choice, as_int, as_json, refuse, refused
from ui.common.views import view_of

COLUMNS = ("number", "name", "layer", "args", "shape", "params", "check")   # builder.col_* keys: the headers
EDITABLE = (1, 2, 3)
MAX_JSON = 20_000      # characters of layer-list JSON accepted from the API
# After an edit the check found wrong, the refusal and its one-click fix scrolled just into view (no move when they
# are in view), once drawn: the table grows under the learner's click, and they were 1,180 px down a 900 px window.
# Only after the learner's own edit (the focus is in the Builder), not after a language switch or the page's start;
# and only for a refusal (every one starts with ✗): a network that runs leaves the learner at the row they edit.
SHOW_CHECK = """() => requestAnimationFrame(() => requestAnimationFrame(() => {
  const check = document.getElementById('builder-check');
  if (check?.closest('.tabitem')?.contains(document.activeElement) && check.innerText.includes('✗'))
    check.scrollIntoView({block: 'nearest'}); }))"""


class BuilderView(NamedTuple):
    """What a Builder event updates, by role (build() wires every event to these, in this order).
    Build it with BuilderView.of(...): a part left out stays as the page shows it."""
    table: object        # the layer table, rows and headers
    spec_state: object   # the layer list the table shows (a dict while a cell cannot be read)
    status: object       # what the check found
    fix_button: object   # the one-click fix, shown when the check has one
    fix_state: object    # the layer list that fix makes
    seq_code: object     # the network as nn.Sequential
    mod_code: object     # the network as an nn.Module class
    arch_state: object   # the network the other tabs use: the last one that runs
    selected: object     # the row the buttons act on
    of = classmethod(view_of)


def _spec(spec) -> list[dict]:
    """A layer list checked for types, arguments and limits, or a gr.Error naming the layer."""
    if isinstance(spec, dict):   # the table holds a cell that cannot be read (see show_unread)
        raise refuse("builder.err.fix_cell_first", error=spec["error"])
    try:
        return normalize_spec(spec)
    except SpecError as e:
        raise refused(e) from None


def table_to_spec(rows) -> list[dict]:
    """The edited table as a layer list (SpecError: a cell it cannot read); automatic names are not stored."""
    rows = _rows(rows)
    if len(rows) > MAX_LAYERS:
        raise refuse("builder.err.too_many_layers", count=len(rows), limit=MAX_LAYERS)
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
        raise refuse("builder.err.table_rows")
    return [list(r) for r in rows if any(str(c).strip() for c in r[1:4])]


def spec_rows(spec: list[dict]) -> tuple[list[list], object]:
    """Table rows with each layer's checked output shape and parameters, and the check itself."""
    result = check_spec(spec)
    rows = []
    for c in result.layers:   # every layer, also those after a failing one, so none is lost from the table
        mark = say("builder.mark_failed", reason=result.torch_error or Phrase("builder.see_below")) \
            if c.index == result.error_index else "✓" if c.reached else say("builder.not_checked")
        shape = str(c.out_shape) if c.out_shape else "—"
        rows.append([c.index + 1, c.name, c.type, c.args, shape, f"{c.params:,}", mark])
    return rows, result


def layer_table(rows: list[list]) -> dict:
    """The layer table with its headers in the visitor's language."""
    return {"headers": [say(f"builder.col_{c}") for c in COLUMNS], "data": rows}


def status_text(result) -> str:
    """What the check found, in one short block of Markdown, in the visitor's language."""
    if result.ok:
        head = say("builder.status_ok", shape=str(result.layers[-1].out_shape), params=result.params,
                   macs=result.macs)
    else:
        at = result.error_index
        parts = [say("builder.status_error", error=result.error) if at is None else
                 say("builder.status_error_at", n=at + 1, error=result.error)]
        if result.torch_error:
            parts.append(say("builder.status_torch", error=result.torch_error))
        if result.fix:
            parts.append(say("builder.status_fix", fix=result.fix.label))
        head = "\n\n".join([*parts, say("builder.status_kept")])
    return "\n\n".join([head, *[f"⚠ {w.words(current_locale())}" for w in result.warnings]])


def show_spec(spec, arch) -> BuilderView:
    """Every builder output for a layer list: table, status, fix button, both code forms, and arch_state."""
    spec = _spec(spec)
    rows, result = spec_rows(spec)
    fix = result.fix
    fix_button = gr.update(value=say("builder.fix_button", fix=fix.label), visible=True) if fix else \
        gr.update(visible=False)
    return BuilderView.of(table=layer_table(rows), spec_state=spec, status=status_text(result), fix_button=fix_button,
                          fix_state=fix.spec if fix else None, seq_code=sequential_code(spec, current_locale()),
                          mod_code=module_code(spec, locale=current_locale()), arch_state=spec if result.ok else arch)


def show_unread(rows: list[list], error: Phrase, at: int | None, arch) -> BuilderView:
    """A table with a cell that cannot be read: every row kept as typed, that one marked, the last network kept
    (the code boxes too)."""
    failed = say("builder.mark_failed", reason=error)
    marks = [failed if i == at else say("builder.not_checked_cell") for i in range(len(rows))]
    shown = [[i + 1, r[1] or "", r[2], r[3], "—", "—", mark] for i, (r, mark) in enumerate(zip(rows, marks))]
    for row, c in zip(shown, rows_before(rows, at)):   # the rows above the unread cell keep their shapes
        row[4:] = [str(c.out_shape) if c.out_shape else "—", f"{c.params:,}",
                   "✓" if c.reached and c.error is None else say("builder.not_checked")]
    return BuilderView.of(table=layer_table(shown), spec_state={"unread": shown, "error": error, "at": at},
                          status=say("builder.status_unread", error=error), fix_button=gr.update(visible=False),
                          fix_state=None, arch_state=arch)


def rows_before(rows: list[list], at: int | None) -> list:
    """The rows above an unread cell, walked from the input image (none if they cannot be read either)."""
    try:
        return walk(table_to_spec(rows[:at]), INPUT_SHAPE) if at else []
    except (SpecError, gr.Error):
        return []


def redraw_builder(spec, arch) -> tuple:
    """After a language switch: the limits, then the table, status, fix button and code (a BuilderView) drawn
    again in the new language."""
    # A cell that cannot be read: the code boxes still show the last network that ran.
    shown = show_unread(spec["unread"], spec["error"], spec["at"], arch) if isinstance(spec, dict) else \
        show_spec(spec, arch)
    return limits_text(), *BuilderView.of(table=shown.table, status=shown.status, fix_button=shown.fix_button,
                                          seq_code=shown.seq_code, mod_code=shown.mod_code)


def limits_text() -> str:
    """The Builder's limits, in the visitor's language."""
    return say("builder.limits_list", limits=LIMITS_PHRASE)


def edit_table(rows, arch):
    """The learner edited a cell: read the whole table and check it again; nothing typed is dropped."""
    rows = _rows(rows)
    try:
        spec = table_to_spec(rows)
    except SpecError as e:
        return show_unread(rows, e.phrase, e.index, arch)
    return show_spec(spec, arch)


def set_layers(layers_json, arch):
    """API: replace the layer list with a JSON list of layer dicts (refused, state kept, if it cannot run)."""
    spec = as_json(layers_json, say("builder.name_json"), MAX_JSON)
    result = check_spec(spec)
    if not result.ok:
        torch_says = Phrase("builder.err.refused_torch", error=result.torch_error) if result.torch_error else ""
        fix = Phrase("builder.err.refused_fix", fix=result.fix.label) if result.fix else ""
        raise refuse("builder.err.refused", error=result.error, torch=torch_says, fix=fix)
    return show_spec(result.spec, arch)


def add_layer(spec, kind, selected, arch):
    """Insert a layer of this kind after the selected one (at the end if none), sized to fit its input; select it."""
    spec = _spec(spec)
    kind = as_choice(kind, say("builder.layer_type"), tuple(LAYER_TYPES))
    if len(spec) >= MAX_LAYERS:
        raise refuse("builder.err.full", limit=MAX_LAYERS)
    at = _index(selected, len(spec), default=len(spec) - 1)
    checked = check_spec(spec).layers
    shape = checked[at].out_shape if at < len(checked) else None
    return show_spec(spec[:at + 1] + [default_layer(kind, shape)] + spec[at + 1:], arch)._replace(selected=at + 1)


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
    return show_spec(spec, arch)._replace(selected=to)


def move_up(spec, selected, arch):
    """Move the selected layer one place earlier."""
    return move_layer(spec, selected, -1, arch)


def move_down(spec, selected, arch):
    """Move the selected layer one place later."""
    return move_layer(spec, selected, 1, arch)


def _index(selected, n: int, default=None) -> int:
    if selected is None:
        if default is None:
            raise refuse("builder.err.select")
        return default
    return as_int(selected, say("builder.name_selected"), 0, n - 1)


def apply_fix(fixed, arch):
    """The one-click fix: use the repaired layer list."""
    if fixed is None:
        raise refuse("builder.err.nothing_to_fix")
    return show_spec(fixed, arch)


def reset(arch):
    """Start again from the tutorial's network."""
    return show_spec(builder_start(), arch)


def follow_arch(arch, spec):
    """Another tab (an uploaded model) changed the network: show it here too; otherwise change nothing."""
    if arch is None or arch == spec:
        return BuilderView.of()
    return show_spec(arch, arch)


def own_structure() -> None:
    """With --model: the Sequential of the learner's network the Builder starts from, or, when it has none, its
    structure read-only (such a network is edited in the learner's own file)."""
    if own.OWN is None:
        return
    found = own.OWN.sequential
    if found:
        gr.Markdown(f"{t('own.builder_sequential')} `{found[0]}`", elem_id="own-builder")
    else:
        gr.Markdown(t("own.builder_readonly"), elem_id="own-builder")
        gr.Code(repr(own.OWN.start), language="python", interactive=False, label=own.OWN.name,
                elem_id="own-structure")


def pick_row(evt: gr.SelectData):
    """Remember which row the learner clicked."""
    return evt.index[0] if isinstance(evt.index, (list, tuple)) else evt.index


def build(arch_state):
    """The Builder tab's components and events; returns what a language switch redraws: (fn, inputs, outputs)."""
    first = builder_start()   # the Sequential in the learner's --model, else the tutorial's
    start_rows, start = spec_rows(first)
    with gr.Tab(t("builder.tab"), id="builder"):
        gr.Markdown(t("builder.intro"))
        own_structure()
        limits = gr.Markdown(limits_text())
        # Headers in English here (a marked header would stay in the table's value): the redraw words them.
        layers = gr.Dataframe(start_rows, headers=layer_table([])["headers"],
                              datatype=["number"] + ["str"] * 6, interactive=True,
                              static_columns=[i for i in range(len(COLUMNS)) if i not in EDITABLE],
                             column_widths=["4%", "10%", "12%", "30%", "14%", "10%", "20%"], wrap=True,
                             label=t("builder.table"))
        with gr.Row():
            kind = gr.Dropdown(list(LAYER_TYPES), value="ReLU", label=t("builder.layer_type"), scale=2)
            add_button = gr.Button(t("builder.add"), scale=1)
            remove_button = gr.Button(t("builder.remove"), scale=1)
            up_button = gr.Button(t("builder.up"), scale=1)
            down_button = gr.Button(t("builder.down"), scale=1)
            reset_button = gr.Button(t("builder.reset"), scale=1)
        with gr.Column(elem_id="builder-check"):
            status = gr.Markdown(status_text(start))
            fix_button = gr.Button(visible=False, variant="primary")
        with gr.Row(equal_height=False):
            # Wrapped: two boxes side by side are narrower than the comments, and no line may be cut off.
            seq_code = gr.Code(sequential_code(first), language="python", label=t("builder.code_seq"),
                               wrap_lines=True)
            mod_code = gr.Code(module_code(first), language="python", label=t("builder.code_module"),
                               wrap_lines=True)
        with gr.Accordion(t("builder.api"), open=False):
            layers_json = gr.Code(json.dumps(first), language="json", label="JSON", interactive=True,
                                  wrap_lines=True)
            json_button = gr.Button(t("builder.apply_json"))
        spec_state = gr.State(first)
        fix_state = gr.State(None)
        selected = gr.State(None)

    view = list(BuilderView(table=layers, spec_state=spec_state, status=status, fix_button=fix_button,
                            fix_state=fix_state, seq_code=seq_code, mod_code=mod_code, arch_state=arch_state,
                            selected=selected))   # what every Builder event updates
    shows = dict(show_progress_on=[layers, status, fix_button, seq_code, mod_code])   # the progress: not on states
    # preprocess=False: values reach the handlers as sent, checked in the caller's language (ui/common/validate.py).
    layers.input(edit_table, [layers, arch_state], view, **shows, api_name="builder_edit_table", preprocess=False)
    layers.select(pick_row, None, selected, queue=False, **HIDDEN_PROGRESS, api_visibility="private")
    json_button.click(set_layers, [layers_json, arch_state], view, **shows, api_name="builder_set_layers",
                      preprocess=False)
    add_button.click(add_layer, [spec_state, kind, selected, arch_state], view, **shows, api_name="builder_add_layer",
                     preprocess=False)
    remove_button.click(remove_layer, [spec_state, selected, arch_state], view, **shows,
                        api_name="builder_remove_layer")
    up_button.click(move_up, [spec_state, selected, arch_state], view, **shows, api_name="builder_move_up")
    down_button.click(move_down, [spec_state, selected, arch_state], view, **shows, api_name="builder_move_down")
    fix_button.click(apply_fix, [fix_state, arch_state], view, **shows, api_name="builder_apply_fix")
    reset_button.click(reset, arch_state, view, **shows, api_name="builder_reset")
    arch_state.change(follow_arch, [arch_state, spec_state], view, **shows, api_visibility="private")
    status.change(None, js=SHOW_CHECK, **HIDDEN_PROGRESS, api_visibility="private")
    return [(redraw_builder, [spec_state, arch_state], [limits, *view])]
