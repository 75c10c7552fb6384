"""The Layer explorer tab: pick a real torch.nn layer and see what it does to real CIFAR-10 images."""
from functools import partial

import gradio as gr

from nets.data.cifar import CIFAR10_CLASSES, SPLITS
from nets.data.images import ImageError
from nets.explorer.chain import CHAIN_PRESETS, chain_lines
from nets.explorer.kernels import PRESETS
from nets.explorer.layer import ACTIVATIONS, one_thread
from nets.explorer.view import compute_chain, compute_layer
from nets.builder.spec import normalize_spec
from ui.explorer_inputs import (ALL, APPROXIMATE, DEFAULTS, LIMITS, Controls, as_bool, grid_text, layer_config,
                                load_input, load_preset_grid, next_seed, receive_upload, view_options)
from nets.text import LearnerError
from ui.i18n import current_locale, say, t
from ui.validate import as_choice, as_int, bad, refuse, refused
from visual.explorer import draw, gallery_html, input_text, picture_files, picture_html, slide_picture

BUILDER_CHAIN = "your network (Builder tab)"
KIND_GROUPS = {"conv": ("Conv2d",), "pool": ("MaxPool2d", "AvgPool2d"), "act": ACTIVATIONS,
               "linear": ("Linear",), "seq": ("Sequential",)}
# The upload is per-visitor state that /explorer_upload fills, so the API's /explore has no upload parameter.
API_DEFAULTS = {k: v for k, v in DEFAULTS.items() if k != "upload"}
# What the page's update sends only when it changed: pictures at once, figures and code just after.
PICTURE_PARTS = ("status", "input", "output", "maps", "gallery")
LATER_PARTS = ("hist", "layer_plot", "code")
# Inline pictures keep gr.Image's two buttons: a click shows one full screen; "download PNG" saves it.
PICTURE_JS = """element.addEventListener('click', (e) => {
  const link = e.target.closest('a.ll-download');
  if (link) link.href = link.parentElement.querySelector('img').src;
  else if (e.target.tagName === 'IMG') e.target.requestFullscreen?.();
});"""
FRAMES_PER_PASS = 40   # the animation's frames for a whole pass of the window, whatever the map's size


def update(model, controls: dict):
    """One explorer update computed and drawn, as both the API and the page show it:
    (view, drawn, status, the step slider's update, code, the grid's update)."""
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
            drawn = draw(view, opts, locale)
    except LearnerError as e:
        raise refused(e) from None
    except ImageError as e:   # worded in English by nets.data.images
        raise bad(str(e)) from None
    except (RuntimeError, ValueError) as e:   # torch refusing a combination the checks did not foresee
        raise refuse("explorer.err.torch", reason=str(e).strip().splitlines()[0][:200]) from None
    steps = view.slide.steps if view.slide is not None else 1
    step = gr.update(maximum=max(1, steps - 1), value=opts.step % steps)
    grid = gr.update(value=grid_text(cfg.grid)) if cfg.grid is not None else gr.update()
    status = drawn.status + "\n\n" + input_text(labels, locale)
    return view, drawn, status, step, loading_code + "\n" + view.code, grid


def explore(model=None, **controls):
    """API: one explorer update, the pictures as PNG files; every number, figure and the code.

    Gradio passes each control by its name (inputs_kwargs in build): /explore keeps the controls' names
    and order, and Gradio takes the API's defaults from the components' starting values (DEFAULTS), so
    **controls loses nothing and no signature needs deriving from Controls (test_explorer_api checks)."""
    view, drawn, status, step, code, grid = update(model, controls)
    input_png, output_png, maps_png, gallery = picture_files(drawn)
    return (status, input_png, output_png, maps_png, gr.update(value=gallery, visible=bool(gallery)), drawn.hist,
            drawn.layer_plot, drawn.slide_plot, drawn.slide_text, step, code, view.slide, grid)


def explore_page(sent, model=None, **controls):
    """The page's update, pictures first: they come inline in the update's one message (no file to fetch
    after it); the figures and the code follow in `later` (show_later), so drawing them never holds up the
    pictures. Only what changed since the visitor's last update (`sent`) is sent and redrawn."""
    if any(value is None for name, value in controls.items() if name != "upload"):
        return gr.skip()   # a number box emptied while the learner types: keep the view
    view, drawn, status, step, code, grid = update(model, controls)
    locale = current_locale()
    parts = dict(status=status,
                 input=picture_html(drawn.input_png, say("explorer.alt_input"), "explorer-input", locale),
                 output=picture_html(drawn.output_png, say("explorer.alt_output"), "explorer-output", locale),
                 maps=picture_html(drawn.maps_png, say("explorer.alt_maps"), "explorer-maps", locale),
                 gallery=gallery_html(drawn.gallery), hist=drawn.hist, layer_plot=drawn.layer_plot, code=code)
    sent = dict(sent or {})
    changed = {name: gr.skip() if name in sent and sent[name] == value else gr.update(value=value, visible=bool(value))
               for name, value in parts.items()}
    sent.update(parts)
    later = [*(changed[name] for name in LATER_PARTS), gr.update(visible=view.slide is not None),   # Linear and
             drawn.slide_plot, drawn.slide_text]                         # the activations have no window
    return [*(changed[name] for name in PICTURE_PARTS), step, view.slide, grid, sent, later]


def redraw(names, sent, model, *values):
    """After a language switch, the view on screen drawn again in the new language; none before the first.

    names: the controls' names, in the order of `values` (the event's inputs after sent and model)."""
    if sent is None:
        return gr.skip()
    page = explore_page(None, model, **dict(zip(names, values)))
    if not isinstance(page, list):
        return page    # a number box is empty: the view stays
    return [*page, *show_later(page[-1])]


def show_later(later):
    """The figures and the code of the update whose pictures were just drawn."""
    return later if later is not None else gr.skip()


def upload_image(path):
    """A new upload: decode it once, keep it in the visitor's state, and switch the input to it."""
    return receive_upload(path), "upload"


def step_window(state, step, channel):
    """Redraw the sliding window at another step (or channel) without recomputing the layer."""
    step, channel = as_int(step, say("explorer.step"), 0, 1 << 20), as_int(channel, say("explorer.channel"), 0, 1023)
    return slide_picture(state, step, channel, current_locale())


def advance(state, step, channel):
    """One animation frame: FRAMES_PER_PASS frames (a few seconds) take the window over the whole map."""
    steps = state.steps if state is not None else 1
    step = (as_int(step, say("explorer.step"), 0, 1 << 20) + -(-steps // FRAMES_PER_PASS)) % steps
    return (step, *step_window(state, step, channel))


def chain_text(choice, arch):
    """The chain text for a preset, or the Builder tab's network."""
    if choice == BUILDER_CHAIN:
        try:
            layers = normalize_spec(arch)
        except ValueError as e:
            raise bad(str(e)) from None
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


def bounded(name: str, label: str) -> gr.Slider:
    """A whole-number slider over the control's LIMITS, starting at its default."""
    return gr.Slider(*LIMITS[name], value=DEFAULTS[name], step=1, label=t(f"explorer.{label}"))


def picture_panel(label: str, visible: bool = True) -> gr.HTML:
    """A labelled panel for inline pictures (see explore_page)."""
    return gr.HTML(label=t(label), show_label=True, container=True, visible=visible, js_on_load=PICTURE_JS)


def build(model_state, arch_state):
    """The Layer explorer tab's components and events: its controls by name, the /explore outputs, and the
    redraw after a language switch (fn, inputs, outputs) for Page.redraw_on_switch."""
    D = DEFAULTS
    with gr.Tab(t("explorer.tab"), id="explorer") as tab:
        gr.Markdown(t("explorer.intro"))
        with gr.Row():
            with gr.Column(scale=1, min_width=320):
                source = gr.Radio([(t("explorer.source_cifar"), "cifar10"),
                                   (t("explorer.source_upload"), "upload")],
                                  value=D["source"], label=t("explorer.source"))
                with gr.Group(visible=True) as cifar_group:
                    split = gr.Radio(list(SPLITS), value=D["split"], label=t("explorer.split"))
                    class_name = gr.Dropdown([ALL, *CIFAR10_CLASSES], value=D["class_name"],
                                             label=t("explorer.class"))
                    batch_size = gr.Slider(1, 64, value=D["batch_size"], step=1, label=t("explorer.batch"))
                    with gr.Row():
                        seed = gr.Number(D["seed"], precision=0, minimum=0, label=t("explorer.seed"))
                        shuffle_button = gr.Button(t("explorer.shuffle"))
                with gr.Group(visible=False) as upload_group:
                    upload = gr.File(label=t("explorer.upload"), file_types=["image"], type="filepath")
                    resolution = gr.Radio([(t("explorer.res_32"), "32"), (t("explorer.res_full"), "full")],
                                          value=D["resolution"], label=t("explorer.resolution"))
                scale = gr.Radio([(t("explorer.scale_unit"), "unit"),
                                  (t("explorer.scale_normalize"), "normalize")],
                                 value=D["scale"], label=t("explorer.scale"))
                kind = gr.Radio(["Conv2d", "MaxPool2d", "AvgPool2d", *ACTIVATIONS, "Linear", "Sequential"],
                                value=D["kind"], label=t("explorer.layer"))
                with gr.Group(visible=True) as conv_group:
                    gr.Markdown(t("explorer.conv_group"))
                    out_channels = bounded("out_channels", "out_channels")
                    kernel_size = bounded("kernel_size", "kernel_size")
                    stride = bounded("stride", "stride")
                    padding = bounded("padding", "padding")
                    dilation = bounded("dilation", "dilation")
                    with gr.Row():
                        padding_mode = gr.Dropdown(["zeros", "reflect", "replicate", "circular"],
                                                   value=D["padding_mode"],
                                                   label=t("explorer.padding_mode"))
                        bias = gr.Checkbox(D["bias"], label=t("explorer.bias"))
                    weights = gr.Radio([(t("explorer.weights_default"), "default"),
                                        (t("explorer.weights_preset"), "preset"),
                                        (t("explorer.weights_grid"), "grid"),
                                        (t("explorer.weights_trained"), "trained")], value=D["weights"],
                                       label=t("explorer.weights"))
                    init_seed = gr.Number(D["init_seed"], precision=0, minimum=0, label=t("explorer.init_seed"))
                    # Only the chosen weights' own control shows, so a preset and the grid never disagree.
                    with gr.Row(visible=False) as preset_row:
                        preset = gr.Dropdown(list(PRESETS), value=D["preset"], label=t("explorer.preset"))
                        load_grid_button = gr.Button(t("explorer.load_grid"), size="sm")
                    grid = gr.Textbox(D["grid"], lines=3, max_lines=15, label=t("explorer.grid"), visible=False)
                with gr.Group(visible=False) as pool_group:
                    gr.Markdown(t("explorer.pool_group"))
                    pool_kernel = bounded("pool_kernel", "kernel_size")
                    pool_stride = bounded("pool_stride", "stride")
                    pool_padding = bounded("pool_padding", "padding")
                    pool_dilation = bounded("pool_dilation", "dilation")
                    ceil_mode = gr.Checkbox(D["ceil_mode"], label=t("explorer.ceil_mode"))
                with gr.Group(visible=False) as act_group:
                    gr.Markdown(t("explorer.act_group"))
                    negative_slope = gr.Slider(0.0, 1.0, value=D["negative_slope"], step=0.01,
                                               label=t("explorer.negative_slope"))
                    approximate = gr.Radio(list(APPROXIMATE), value=D["approximate"],
                                           label=t("explorer.approximate"))
                with gr.Group(visible=False) as linear_group:
                    gr.Markdown(t("explorer.linear_group"))
                    out_features = bounded("out_features", "out_features")
                with gr.Group(visible=False) as seq_group:
                    gr.Markdown(t("explorer.seq_group"))
                    chain_preset = gr.Dropdown([*CHAIN_PRESETS, BUILDER_CHAIN],
                                               value=next(iter(CHAIN_PRESETS)),
                                               label=t("explorer.chain_preset"))
                    chain = gr.Textbox(D["chain"], lines=5, max_lines=14,
                                       label=t("explorer.chain"))
                    chain_trained = gr.Checkbox(D["chain_trained"], label=t("explorer.chain_trained"))
                    chain_button = gr.Button(t("explorer.chain_apply"), variant="primary")
            with gr.Column(scale=2):
                status = gr.Markdown(t("explorer.status_idle"))
                with gr.Row():
                    input_html = picture_panel("explorer.input_image")
                    output_html = picture_panel("explorer.output_image")
                with gr.Row():
                    image = gr.Slider(0, 63, value=D["image"], step=1, label=t("explorer.image"))
                    channel = gr.Slider(0, 63, value=D["channel"], step=1, label=t("explorer.channel"))
                    map_scale = gr.Radio([(t("explorer.scale_shared"), "shared"),
                                          (t("explorer.scale_per_map"), "per_map"),
                                          (t("explorer.scale_clip"), "clip")],
                                         value=D["map_scale"], label=t("explorer.map_scale"))
                with gr.Row():
                    colormap = gr.Radio(["viridis", "cividis"], value=D["colormap"],
                                        label=t("explorer.colormap"))
                    batch_view = gr.Radio([(t("explorer.view_reshape"), "reshape"),
                                           (t("explorer.view_channel"), "channel")],
                                          value=D["batch_view"], label=t("explorer.batch_view"))
                maps_html = picture_panel("explorer.maps")
                gallery_box = picture_panel("explorer.gallery", visible=False)
                with gr.Row():
                    hist_plot = gr.Plot(label=t("explorer.hist"))
                    layer_plot = gr.Plot(label=t("explorer.layer_plot"))
                with gr.Column() as slide_box:
                    slide_plot = gr.Plot(label=t("explorer.slide"))
                    with gr.Row():
                        step = gr.Slider(0, 1023, value=D["step"], step=1, label=t("explorer.step"), scale=3)
                        play_button = gr.Button(t("explorer.play"), scale=1)
                        pause_button = gr.Button(t("explorer.pause"), scale=1)
                    slide_text = gr.Markdown()
                code = gr.Code(language="python", label=t("explorer.code"), lines=12)
                # /explore for programs: the same pictures as files. Hidden: the page shows them inline.
                with gr.Group(visible=False):
                    input_image = gr.Image(type="filepath", format="png", interactive=False)
                    output_image = gr.Image(type="filepath", format="png", interactive=False)
                    maps_image = gr.Image(type="filepath", format="png", interactive=False)
                    gallery = gr.Gallery(format="png", visible=False)
                    api_button = gr.Button()
        slide_state = gr.State(None)
        upload_state = gr.State(None)   # the visitor's decoded upload (nets.data.images), kept between updates
        timer = gr.Timer(0.2, active=False)   # FRAMES_PER_PASS frames: a whole pass in about 8 s
        # Inside the Tab: a State placed directly in gr.Tabs counts as a tab and shifts every later tab's label.
        sent_state = gr.State(None)    # the page's last parts, so unchanged ones are not sent again
        later_state = gr.State(None)   # the figures and code that follow the pictures

    # Each control reaches explore() by its name, in DEFAULTS' order: the API's parameter order and names.
    values = dict(source=source, split=split, class_name=class_name, batch_size=batch_size, seed=seed,
                  upload=upload_state, resolution=resolution, scale=scale, kind=kind, out_channels=out_channels,
                  kernel_size=kernel_size, stride=stride, padding=padding, padding_mode=padding_mode,
                  dilation=dilation, bias=bias, weights=weights, preset=preset, init_seed=init_seed, grid=grid,
                  pool_kernel=pool_kernel, pool_stride=pool_stride, pool_padding=pool_padding,
                  pool_dilation=pool_dilation, ceil_mode=ceil_mode, negative_slope=negative_slope,
                  approximate=approximate, out_features=out_features, chain=chain, chain_trained=chain_trained,
                  image=image, map_scale=map_scale, colormap=colormap, batch_view=batch_view, channel=channel,
                  step=step)
    outputs = [status, input_image, output_image, maps_image, gallery, hist_plot, layer_plot, slide_plot,
               slide_text, step, code, slide_state, grid]
    page_outputs = [status, input_html, output_html, maps_html, gallery_box, step, slide_state, grid, sent_state,
                    later_state]
    groups = [conv_group, pool_group, act_group, linear_group, seq_group]
    kind.change(show_groups, kind, groups, queue=False, show_progress="hidden", api_visibility="private")
    source.change(show_source, source, [cifar_group, upload_group], queue=False, show_progress="hidden",
                  api_visibility="private")
    weights.change(show_weights, weights, [init_seed, preset_row, grid], queue=False, show_progress="hidden",
                   api_visibility="private")
    # .change: a slider's value however it moved (dragged, typed, arrow keys, reset, set by another tab).
    changed = [batch_size, seed, out_channels, kernel_size, stride, padding, dilation, init_seed, pool_kernel,
               pool_stride, pool_padding, pool_dilation, negative_slope, out_features, image, channel,
               source, split, class_name, resolution, scale, kind, padding_mode, bias, weights, preset, ceil_mode,
               approximate, chain_trained, map_scale, colormap, batch_view]
    triggers = [c.change for c in changed] + [grid.blur, grid.submit, chain_button.click, tab.select]
    # preprocess=False: values reach the handlers as sent, so out-of-range ones get the handlers' sentences
    # naming the control (Gradio's own check says only "Value 0 is less than minimum value 1.").
    # Uploaded files are still moved into Gradio's cache and checked before the handler sees their path.
    page = dict(fn=explore_page, inputs=[sent_state, model_state], inputs_kwargs=values, outputs=page_outputs,
                show_progress="hidden", api_visibility="private", preprocess=False)
    later = dict(fn=show_later, inputs=later_state, queue=False, show_progress="hidden", api_visibility="private",
                 outputs=[hist_plot, layer_plot, code, slide_box, slide_plot, slide_text])
    gr.on(triggers, **page, trigger_mode="always_last").then(**later)
    redrawn = (partial(redraw, tuple(values)), [sent_state, model_state, *values.values()],
               page_outputs + later["outputs"])
    api_button.click(explore, model_state, outputs, inputs_kwargs=values, api_name="explore",
                     show_progress="hidden", preprocess=False)
    shuffle_button.click(next_seed, seed, seed, queue=False, api_visibility="private")   # seed.change redraws
    upload.upload(upload_image, upload, [upload_state, source], api_name="explorer_upload",
                  show_progress="hidden", preprocess=False).then(**page).then(**later)
    load_grid_button.click(load_preset_grid, [preset, kernel_size], [grid, weights],
                           api_name="explorer_preset_grid", preprocess=False)
    chain_preset.change(chain_text, [chain_preset, arch_state], chain, api_name="explorer_chain_preset",
                        preprocess=False).then(**page).then(**later)
    # Scrubbing: every value the step slider passes through while dragged, typed or stepped by arrow keys.
    gr.on([step.input, step.release], step_window, [slide_state, step, channel], [slide_plot, slide_text],
          api_name="explorer_step", show_progress="hidden", trigger_mode="always_last", preprocess=False)
    timer.tick(advance, [slide_state, step, channel], [step, slide_plot, slide_text], show_progress="hidden",
               api_visibility="private", preprocess=False)
    play_button.click(lambda: gr.Timer(active=True), None, timer, queue=False, api_visibility="private")
    pause_button.click(lambda: gr.Timer(active=False), None, timer, queue=False, api_visibility="private")
    return values, outputs, redrawn
