"""The Layer explorer tab: pick a real torch.nn layer and see what it does to real CIFAR-10 images."""
import time
from functools import partial

import gradio as gr

from nets.builder.layers import SpecError
from nets.builder.spec import normalize_spec
from nets.explorer.chain import CHAIN_PRESETS, chain_lines
from nets.explorer.layer import ACTIVATIONS, one_thread
from nets.explorer.view import compute_chain, compute_layer
from nets.text import LearnerError
from ui import explorer_layout
from ui.explorer_inputs import (DEFAULTS, KEPT, Controls, as_bool, grid_text, layer_config, load_input,
                                load_preset_grid, next_seed, receive_upload, view_options)
from ui.explorer_layout import BUILDER_CHAIN, PICTURE_FRAMES, SHOW_PICTURES
from ui.i18n import current_locale, say
from ui.validate import as_choice, as_int, refuse, refused
from visual.explorer import draw, gallery_html, input_text, picture_uris, slide_picture

KIND_GROUPS = {"conv": ("Conv2d",), "pool": ("MaxPool2d", "AvgPool2d"), "act": ACTIVATIONS,
               "linear": ("Linear",), "seq": ("Sequential",)}
# The upload is per-visitor state that /explorer_upload fills, so the API's /explore has no upload parameter.
API_DEFAULTS = {k: v for k, v in DEFAULTS.items() if k != "upload"}
# What the page's update sends only when it changed: pictures at once, figures and code just after. The input,
# output and feature maps go in one value, `pictures` (explorer_layout.SHOW_PICTURES), holding those that changed.
PICTURE_PARTS = ("status", "pictures", "gallery")
ALTS = {"input": "explorer.alt_input", "output": "explorer.alt_output", "maps": "explorer.alt_maps"}
LATER_PARTS = ("hist", "layer_plot", "code")
REFUSAL_BOXES = ("chain", "grid")   # explorer_shown's outputs before the page's: where refusals are worded
# The page update's outputs after the refusal boxes, by role (build lists the components in this order).
PAGE_PARTS = ("status", "pictures", "gallery", "step", "image", "channel", "slide", "grid", "sent", "later")
# In the page: whether a slider is held by the pointer now (being dragged).
HELD = "!!document.querySelector('input[type=range]:active')"
# A whole pass of the animated window over the map, whatever the map's size and however slowly ticks come:
# a slow machine shows fewer frames, not a slower pass.
PASS_SECONDS = 8.0


def update(model, controls: dict, figures: bool = True):
    """One explorer update computed and drawn, as both the API and the page show it:
    (view, drawn, status, the step slider's update, code, the grid's update); no figures when `figures` is False."""
    c, locale = Controls(**controls), current_locale()
    x, labels, loading_code = load_input(c)
    cfg = layer_config(c)
    image, opts = as_int(c.image, say("explorer.image"), 0, 63), view_options(c)
    use_trained = as_bool(c.chain_trained, say("explorer.chain_trained"))
    try:
        with one_thread():
            if cfg.kind == "Sequential":
                view = compute_chain(x, c.chain, cfg.seed, cfg.scale, image, model, use_trained, locale)
            else:
                view = compute_layer(x, cfg, image, model, locale)
            drawn = draw(view, opts, locale, figures)
    except LearnerError as e:   # a layer, kernel, image or Builder refusal, in the visitor's language
        raise refused(e) from None
    except (RuntimeError, ValueError) as e:   # torch refusing a combination the checks did not foresee
        raise refuse("explorer.err.torch", reason=str(e).strip().splitlines()[0][:200]) from None
    steps = view.slide.steps if view.slide is not None else 1
    # The step box keeps its value unless the new map is too small for it: an update computed while the
    # learner typed another step must not put the old one back (show_later draws the box's step).
    step = gr.update(maximum=max(1, steps - 1), **({"value": opts.step % steps} if opts.step >= steps else {}))
    grid = gr.update(value=grid_text(cfg.grid)) if cfg.grid is not None else gr.update()
    status = drawn.status + "\n\n" + input_text(labels, locale)
    return view, drawn, status, step, loading_code + "\n" + view.code, grid


def explore(model=None, **controls):
    """API: one explorer update, the pictures inline (PNG data: URIs); every number, figure and the code.

    Gradio passes each control by its name (inputs_kwargs in build): /explore keeps the controls' names
    and order, and Gradio takes the API's defaults from the components' starting values (DEFAULTS), so
    **controls loses nothing and no signature needs deriving from Controls (test_explorer_api checks)."""
    view, drawn, status, step, code, grid = update(model, controls)
    input_png, output_png, maps_png, gallery = picture_uris(drawn)
    return (status, input_png, output_png, maps_png, gallery, drawn.hist,
            drawn.layer_plot, drawn.slide_plot, drawn.slide_text, step, code, view.slide, grid)


def explore_page(sent, model=None, *, moving: bool = False, **controls):
    """The page's update, pictures first: they come inline (lossless WebPs; PNGs for colour-mapped ones) in the
    update's one message (no file to fetch after it), the input, output and feature maps in `pictures`; the
    figures and the code follow in `later` (show_later), so drawing them never holds up the pictures. Only what
    changed since the visitor's last update (`sent`) is sent and redrawn. While a slider is `moving` (held by the
    pointer) the update is its pictures and status alone: the browser drew each update's three figures in
    0.1-0.4 s, in which no new picture could show; the figures and the code come with the release's update.
    (JPEGs while held, the lossless pictures on release, cost more than they saved: the release had a picture to
    send again, release -> final picture 136-184 -> 620-636 ms side by side under load 14-16.)"""
    if any(value is None for name, value in controls.items() if name != "upload"):
        return gr.skip()   # a number box emptied while the learner types: keep the view
    view, drawn, status, step, code, grid = update(model, controls, figures=not moving)
    *uris, gallery = picture_uris(drawn, "webp")
    words = dict(title=say("explorer.fullscreen"), download=say("explorer.download_png"))
    parts = dict(status=status, gallery=gallery_html(gallery), **{name: uri and dict(src=uri, alt=say(ALTS[name]), **words)
                                                                   for name, uri in zip(PICTURE_FRAMES, uris)})
    if not moving:
        parts.update(hist=drawn.hist, layer_plot=drawn.layer_plot, code=code)
    sent = dict(sent or {})
    fresh = {name: value for name, value in parts.items() if name not in sent or sent[name] != value}
    sent.update(parts)
    changed = {name: gr.update(value=fresh[name], visible=bool(fresh[name])) if name in fresh else gr.skip()
               for name in parts if name not in PICTURE_FRAMES}
    pictures = {frame: fresh[name] for name, frame in PICTURE_FRAMES.items() if name in fresh}
    changed["pictures"] = gr.update(value=pictures) if pictures else gr.skip()
    later = None if moving else [*(changed[name] for name in LATER_PARTS),
                                 gr.update(visible=view.slide is not None),   # Linear and the activations
                                 drawn.slide_plot, drawn.slide_text]          # have no window
    # The Image and Channel sliders reach only what the view has, and a value past it becomes the one drawn
    # (Channel 40 of 6 channels: 5), so the box never disagrees with the picture.
    counts = dict(image=view.x.shape[0], channel=view.output.shape[1] if view.output.dim() == 4 else None)
    boxes = [within(as_int(controls[name], say(f"explorer.{name}"), 0, 1 << 20), count, sent.get(f"{name}_count"))
             for name, count in counts.items()]
    sent.update({f"{name}_count": count for name, count in counts.items()})
    return [*(changed[name] for name in PICTURE_PARTS), step, *boxes, view.slide, grid, sent, later]


def within(value, count: int | None, count_sent: int | None):
    """A slider's update for a view with `count` images or channels: its new maximum (sent when it changes),
    and the last one as its value when it holds more; nothing for a view without them (Linear's channels)."""
    if count is None:
        return gr.skip()
    if value > count - 1:
        return gr.update(maximum=max(1, count - 1), value=count - 1)
    return gr.update(maximum=max(1, count - 1)) if count != count_sent else gr.skip()


def explore_kept(sent, model, kept, **controls):
    """The page's update, the layer controls as the one value the page keeps (see build); anything else
    there is read as an emptied box, which keeps the view."""
    kept = kept if isinstance(kept, dict) else {}
    return explore_page(sent, model, moving=kept.get("moving") is True, **{name: kept.get(name) for name in KEPT},
                        **controls)


def refusal_place(kind, weights) -> str:
    """Which control a refused update is worded beside: the chain, the kernel grid, or the view's status."""
    return "chain" if kind == "Sequential" else "grid" if kind == "Conv2d" and weights == "grid" else "status"


def explore_shown(sent, model, kept, **controls):
    """The page's update, a refusal shown beside the control that caused it (the chain, the kernel grid; else in
    the status) and kept there until an update runs; the pictures stay the last that ran. "Your image" picked
    before any upload: the view waits for the file (no refusal)."""
    kept = kept if isinstance(kept, dict) else {}
    if kept.get("source") == "upload" and not isinstance(controls.get("upload"), dict):
        return gr.skip()
    try:
        page = explore_kept(sent, model, kept, **controls)
    except gr.Error as e:
        place = refusal_place(kept.get("kind"), kept.get("weights"))
        words = f"✗ {e.message}"
        boxes = [gr.update(value=words, visible=True) if place == box else gr.skip() for box in REFUSAL_BOXES]
        sent = {k: v for k, v in (sent or {}).items() if k != "status"}   # the next update's status is sent
        status = gr.update(value=words, visible=True) if place == "status" else gr.skip()
        return [*boxes, status, *(gr.skip(),) * (len(PAGE_PARTS) - 3), {**sent, "refused": True}, None]
    if not isinstance(page, list):
        return page
    cleared = gr.update(value="", visible=False) if page[-2].pop("refused", False) else gr.skip()
    return [*(cleared for _ in REFUSAL_BOXES), *page]


def redraw(names, sent, model, *values):
    """After a language switch, the view on screen drawn again in the new language; none before the first.

    names: the controls' names, in the order of `values` (the event's inputs after sent and model)."""
    if sent is None:
        return gr.skip()
    page = explore_page(None, model, **dict(zip(names, values)))
    if not isinstance(page, list):
        return page    # a number box is empty: the view stays
    return [*page, *show_later(page[-1], page[-4], *(values[names.index(name)] for name in ("step", "channel")))]


def show_later(later, slide, step, channel):
    """The figures and the code of the update whose pictures were just drawn; the sliding window at the step
    the box holds now (the learner may have moved it while the update was computed)."""
    if later is None:
        return gr.skip()
    if slide is None:
        return later
    return [*later[:-2], *step_window(slide, step, channel)]


def refused_upload(path):
    """A refused upload: the file box emptied (it must not look accepted) and the refusal kept beside it."""
    try:
        receive_upload(path)
    except gr.Error as e:
        return None, gr.update(value=f"✗ {e.message}", visible=True)
    return gr.skip(), gr.skip()


def upload_image(path):
    """A new upload: decode it once, keep it in the visitor's state, and switch the input to it."""
    return receive_upload(path), "upload"


def forget_upload():
    """The learner removed their file: forget it and show the CIFAR-10 batch again (the source's change redraws)."""
    return None, "cifar10"


def step_window(state, step, channel):
    """Redraw the sliding window at another step (or channel) without recomputing the layer."""
    step, channel = as_int(step, say("explorer.step"), 0, 1 << 20), as_int(channel, say("explorer.channel"), 0, 1023)
    return slide_picture(state, step, channel, current_locale())


def animation_position(clock, step: int, steps: int, now: float) -> tuple[int, tuple[float, float]]:
    """Where the window should be `now`: (the step to show, the clock for the next tick).

    clock: (time, position) of the last tick, position a fractional step, so that a small map moves too
    when a tick is worth less than a step. A step the learner moved to since then is where the pass goes on."""
    last, position = clock or (now, step)
    if int(position) != step:
        position = step
    position = (position + (now - last) * steps / PASS_SECONDS) % steps
    return int(position), (now, position)


def play(step):
    """Start the animation, its clock at the step on screen."""
    return gr.Timer(active=True), (time.monotonic(), float(step or 0))


def advance(state, step, channel, clock):
    """One animation frame: the window where the pass should be by now (PASS_SECONDS a pass), and its clock."""
    steps = state.steps if state is not None else 1
    step = as_int(step, say("explorer.step"), 0, 1 << 20)
    step, clock = animation_position(clock, step, steps, time.monotonic())
    return (step, *step_window(state, step, channel), clock)


def chain_text(choice, arch):
    """The chain text for a preset, or the Builder tab's network."""
    if choice == BUILDER_CHAIN:
        try:
            layers = normalize_spec(arch)
        except SpecError as e:
            raise refused(e) from None
        return "\n".join(chain_lines(layers))
    return CHAIN_PRESETS[as_choice(choice, say("explorer.chain_preset"), tuple(CHAIN_PRESETS))]


def show_groups(kind):
    """Only the chosen layer's controls are visible; the others keep their values."""
    return [gr.update(visible=kind in kinds) for kinds in KIND_GROUPS.values()]


def show_weights(weights):
    """The init seed, the preset (with its copy button) or the grid: only the chosen weights' control."""
    return (gr.update(visible=weights == "default"), gr.update(visible=weights == "preset"),
            gr.update(visible=weights == "grid"))


def show_source(source):
    return gr.update(visible=source == "cifar10"), gr.update(visible=source == "upload")


def build(model_state, arch_state):
    """The Layer explorer tab's components and events: its controls by name, the /explore outputs, and the
    redraw after a language switch (fn, inputs, outputs) for Page.redraw_on_switch."""
    ui = explorer_layout.layout()
    # Each control reaches explore() by its name, in DEFAULTS' order: the API's parameter order and names.
    values = {name: getattr(ui, "upload_state" if name == "upload" else name) for name in DEFAULTS}
    outputs = [ui.status, ui.input_image, ui.output_image, ui.maps_image, ui.gallery, ui.hist_plot, ui.layer_plot,
               ui.slide_plot, ui.slide_text, ui.step, ui.code, ui.slide_state, ui.grid]
    page_outputs = [ui.status, ui.pictures, ui.gallery_box, ui.step, ui.image, ui.channel, ui.slide_state, ui.grid,
                    ui.sent_state, ui.later_state]
    hidden = dict(queue=False, show_progress="hidden", api_visibility="private")
    ui.kind.change(show_groups, ui.kind, [ui.conv_group, ui.pool_group, ui.act_group, ui.linear_group, ui.seq_group],
                   **hidden)
    ui.source.change(show_source, ui.source, [ui.cifar_group, ui.upload_group], **hidden)
    ui.weights.change(show_weights, ui.weights, [ui.init_seed, ui.preset_row, ui.grid], **hidden)
    # .change: a slider's value however it moved (dragged, typed, arrow keys, reset, set by another tab).
    # Before sending an event, Gradio's page reads each of its inputs and touches each of its triggers, every
    # one a search of the page's component tree (415 nodes): with every control an input (38 in all) and 36
    # triggers, 52 ms passed between releasing a slider and the request (now 14). So each control's change
    # copies its value into `kept` inside the page (no request), and a change of `kept` is the one trigger.
    # `moving`: a slider is held by the pointer (dragged); its updates then bring pictures only, and its
    # release asks for the whole view (explore_page).
    for name in KEPT:
        values[name].change(None, [values[name], ui.kept], ui.kept, show_progress="hidden",
                            js=f"(value, kept) => ({{...kept, {name}: value, moving: {HELD}}})",
                            api_visibility="private")
        if isinstance(values[name], gr.Slider):
            values[name].release(None, ui.kept, ui.kept, js="(kept) => ({...kept, moving: false})",
                                 show_progress="hidden", api_visibility="private")
    triggers = [ui.kept.change, ui.grid.blur, ui.grid.submit, ui.chain_button.click, ui.tab.select]
    # preprocess=False: values reach the handlers as sent, so out-of-range ones get the handlers' sentences
    # naming the control (Gradio's own check says only "Value 0 is less than minimum value 1.").
    # Uploaded files are still moved into Gradio's cache and checked before the handler sees their path.
    page = dict(fn=explore_shown, inputs=[ui.sent_state, model_state, ui.kept],
                inputs_kwargs={name: values[name] for name in DEFAULTS if name not in KEPT},
                outputs=[ui.chain_error, ui.grid_error, *page_outputs],
                show_progress="hidden", api_visibility="private", preprocess=False)
    later = dict(fn=show_later, inputs=[ui.later_state, ui.slide_state, ui.step, ui.channel],
                 outputs=[ui.hist_plot, ui.layer_plot, ui.code, ui.slide_box, ui.slide_plot, ui.slide_text], **hidden)
    gr.on(triggers, **page, trigger_mode="always_last").then(**later)
    ui.pictures.change(None, ui.pictures, None, js=SHOW_PICTURES, show_progress="hidden", api_visibility="private")
    redrawn = (partial(redraw, tuple(values)), [ui.sent_state, model_state, *values.values()],
               page_outputs + later["outputs"])
    ui.api_button.click(explore, model_state, outputs, inputs_kwargs=values, api_name="explore",
                        show_progress="hidden", preprocess=False)
    ui.shuffle_button.click(next_seed, ui.seed, ui.seed, **hidden)   # seed.change redraws
    uploaded = ui.upload.upload(upload_image, ui.upload, [ui.upload_state, ui.source], api_name="explorer_upload",
                                show_progress="hidden", preprocess=False)
    uploaded.success(**page).then(**later)
    uploaded.success(lambda: gr.update(value="", visible=False), None, ui.upload_error, **hidden)
    uploaded.failure(refused_upload, ui.upload, [ui.upload, ui.upload_error], show_progress="hidden",
                     api_visibility="private", preprocess=False)
    ui.upload.clear(forget_upload, None, [ui.upload_state, ui.source], **hidden)
    ui.load_grid_button.click(load_preset_grid, [ui.preset, ui.kernel_size], [ui.grid, ui.weights],
                              api_name="explorer_preset_grid", preprocess=False)
    ui.chain_preset.change(chain_text, [ui.chain_preset, arch_state], ui.chain, api_name="explorer_chain_preset",
                           preprocess=False).then(**page).then(**later)
    # Scrubbing: every value the step slider passes through while dragged, typed or stepped by arrow keys.
    gr.on([ui.step.input, ui.step.release], step_window, [ui.slide_state, ui.step, ui.channel],
          [ui.slide_plot, ui.slide_text], api_name="explorer_step", show_progress="hidden",
          trigger_mode="always_last", preprocess=False)
    ui.timer.tick(advance, [ui.slide_state, ui.step, ui.channel, ui.clock_state],
                  [ui.step, ui.slide_plot, ui.slide_text, ui.clock_state], show_progress="hidden",
                  api_visibility="private", preprocess=False)
    ui.play_button.click(play, ui.step, [ui.timer, ui.clock_state], **hidden)
    ui.pause_button.click(lambda: gr.Timer(active=False), None, ui.timer, **hidden)
    return values, outputs, redrawn
