"""The Layer explorer tab's components, laid out: the controls on the left, the view on the right."""
from types import SimpleNamespace

import gradio as gr

from nets.data.cifar import CIFAR10_CLASSES, SPLITS
from nets.data.images import IMAGE_SUFFIXES
from nets.explorer.chain import CHAIN_PRESETS
from nets.explorer.kernels import PRESETS
from nets.explorer.layer import ACTIVATIONS
from ui.explorer.inputs import ALL, APPROXIMATE, CONTROL_BOUNDS, DEFAULTS, KEPT
from ui.explorer.pictures import FRAMES, picture_panel
from ui.common.i18n import t

BUILDER_CHAIN = "your network (Builder tab)"
BELOW = "ll-below"   # the figures and the code, under the pictures: not drawn while off screen (assets/app.css)
# Each starting chain's label (its name stays the value the /explorer_chain_preset API takes).
CHAIN_LABELS = dict(zip([*CHAIN_PRESETS, BUILDER_CHAIN], ("explorer.chain_block1", "explorer.chain_block1_relu",
                                                          "explorer.chain_blocks13", "explorer.chain_network",
                                                          "explorer.chain_builder")))


def bounded(name: str, label: str) -> gr.Slider:
    """A whole-number slider over the control's bounds, starting at its default."""
    return gr.Slider(*CONTROL_BOUNDS[name], value=DEFAULTS[name], step=1, label=t(f"explorer.{label}"))


def refusal_box() -> gr.Markdown:
    """Where a refusal stays beside the control that caused it, until an update that runs (ui.explorer.tab)."""
    return gr.Markdown(visible=False, elem_classes="ll-refusal")


def layout(values: SimpleNamespace) -> SimpleNamespace:
    """Every component of the tab, built in place (inside the app's gr.Tabs), by the name the events use, with the
    values built at the top of the page (page_values)."""
    D = DEFAULTS
    with gr.Tab(t("explorer.tab"), id="explorer") as tab:
        gr.Markdown(t("explorer.intro"))
        with gr.Row(elem_classes="ll-explorer"):   # its columns one list on a phone (assets/app.css)
            with gr.Column(scale=1, min_width=320):
                source = gr.Radio([(t("explorer.source_cifar"), "cifar10"),
                                   (t("explorer.source_upload"), "upload")],
                                  value=D["source"], label=t("explorer.source"))
                with gr.Group(visible=True) as cifar_group:
                    split = gr.Radio(list(SPLITS), value=D["split"], label=t("explorer.split"))
                    class_name = gr.Dropdown([(t("data.all"), ALL), *((t(f"class.{c}"), c) for c in CIFAR10_CLASSES)],
                                             value=D["class_name"], label=t("explorer.class"))
                    batch_size = gr.Slider(1, 64, value=D["batch_size"], step=1, label=t("explorer.batch"))
                    with gr.Row():
                        seed = gr.Number(D["seed"], precision=0, minimum=0, label=t("explorer.seed"))
                        shuffle_button = gr.Button(t("explorer.shuffle"))
                with gr.Group(visible=False) as upload_group:
                    # The chooser offers the formats LayerLab reads, the ones the label and the refusals list.
                    upload = gr.File(label=t("explorer.upload"), file_types=list(IMAGE_SUFFIXES), type="filepath")
                    upload_error = refusal_box()
                    resolution = gr.Radio([(t("explorer.res_32"), "32"), (t("explorer.res_full"), "full")],
                                          value=D["resolution"], label=t("explorer.resolution"))
                scale = gr.Radio([(t("explorer.scale_unit"), "unit"),
                                  (t("explorer.scale_normalize"), "normalize")],
                                 value=D["scale"], label=t("explorer.scale"))
                kind = gr.Radio(["Conv2d", "MaxPool2d", "AvgPool2d", *ACTIVATIONS, "Linear", "Sequential"],
                                value=D["kind"], label=t("explorer.layer"), elem_id="explorer-kind")
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
                        preset = gr.Dropdown([(t("explorer.preset_" + name.replace(" ", "_")), name)
                                              for name in PRESETS], value=D["preset"], label=t("explorer.preset"))
                        load_grid_button = gr.Button(t("explorer.load_grid"), size="sm")
                    grid = gr.Textbox(D["grid"], lines=3, max_lines=15, label=t("explorer.grid"), visible=False)
                    grid_error = refusal_box()
                with gr.Group(visible=False) as pool_group:
                    gr.Markdown(t("explorer.pool_group"))
                    pool_kernel = bounded("pool_kernel", "pool_kernel_size")
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
                    chain_preset = gr.Dropdown([(t(key), name) for name, key in CHAIN_LABELS.items()],
                                               value=next(iter(CHAIN_PRESETS)),
                                               label=t("explorer.chain_preset"))
                    chain = gr.Textbox(D["chain"], lines=5, max_lines=14,
                                       label=t("explorer.chain"))
                    chain_error = refusal_box()
                    chain_trained = gr.Checkbox(D["chain_trained"], label=t("explorer.chain_trained"))
                    chain_button = gr.Button(t("explorer.chain_apply"), variant="primary")
            with gr.Column(scale=2):
                status = gr.Markdown(t("explorer.status_idle"))
                with gr.Row(elem_classes="ll-explorer-pictures"):   # first on a phone, held at the top
                    input_html = picture_panel("explorer.input_image", FRAMES["input"])
                    output_html = picture_panel("explorer.output_image", FRAMES["output"])
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
                maps_html = picture_panel("explorer.maps", FRAMES["maps"])
                gallery_box = picture_panel("explorer.gallery", visible=False)
                with gr.Row():
                    hist_plot = gr.Plot(label=t("explorer.hist"), elem_classes=BELOW)
                    layer_plot = gr.Plot(label=t("explorer.layer_plot"), elem_classes=BELOW)
                with gr.Column() as slide_box:
                    slide_plot = gr.Plot(label=t("explorer.slide"), elem_classes=BELOW)
                    with gr.Row():
                        step = gr.Slider(0, 1023, value=D["step"], step=1, label=t("explorer.step"), scale=3)
                        play_button = gr.Button(t("explorer.play"), scale=1)
                        pause_button = gr.Button(t("explorer.pause"), scale=1)
                    slide_text = gr.Markdown()
                code = gr.Code(language="python", label=t("explorer.code"), lines=12, wrap_lines=True,
                               elem_classes=BELOW)
        timer = gr.Timer(0.2, active=False)   # at most 5 frames a second; each moves by the time passed
        # Clicked by the page when the hand rests on a held slider: the preview's exact pictures (never shown).
        exact_button = gr.Button("", elem_id="explorer-exact", visible="hidden")   # in the page, never seen
    return SimpleNamespace(**vars(values), **{name: value for name, value in locals().items()
                                              if isinstance(value, gr.blocks.Block)})


def page_values(shown) -> SimpleNamespace:
    """The tab's values that no one sees, built where app.py calls this: at the top of the page, before the tabs.
    The page finds each value an event reads or sets by a search of its component tree, in the order the page was
    built, and the explorer's components are 220-285 of its ~500 (after the Lessons and Data tabs): a held
    slider's picture reads or sets these values about ten times. shown: the starting value of each visitor's
    shown_state."""
    with gr.Group(visible=False):
        # The layer controls' values in one, kept by the page itself (ui.explorer.tab.build), and whether a slider
        # was held when the last one changed.
        kept = gr.JSON({**{name: DEFAULTS[name] for name in KEPT}, "moving": False})
        pictures = gr.JSON(None)   # the pictures for the panels' frames (ui/explorer/pictures.py)
        # The update whose figures wait: its change asks for them (ui.explorer.tab). A value of the page, not a
        # gr.State: a state's change is announced only by the queue's messages, and the explorer's updates skip
        # the queue.
        figures_due = gr.JSON(None)
    slide_state = gr.State(None)
    upload_state = gr.State(None)   # the visitor's decoded upload (nets.data.images), kept between updates
    clock_state = gr.State(None)   # the animation's last tick: (time, fractional step)
    shown_state = gr.State(shown)  # what the page shows, and which update is the newest (ui.explorer.tab.Shown)
    return SimpleNamespace(**{name: value for name, value in locals().items() if isinstance(value, gr.blocks.Block)})
