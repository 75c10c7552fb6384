"""One layer of the learner's own network (--model) explored on the batch as it arrives there; a part of the
Network tab, shown only when LayerLab was started with --model."""
import gradio as gr

from nets import own
from nets.explorer.view import pick_batch
from nets.own.explore import compute_own_layer, explorable, own_script
from nets.own.load import OwnModelError
from ui.common import dataset
from ui.common.i18n import current_locale, say, t
from ui.common.validate import as_choice, as_int, refused
from visual.explorer import ViewOptions, draw, fit_maps, gallery_html, shape_text, stats_table
from visual.images import data_uri
from visual.maps import feature_maps_grid, scores_grid

MAX_BATCH = 64
MAX_CHANNEL = 4095   # a larger channel or step is the last one (visual.explorer: the step wraps around)
MAX_STEP = 1 << 20
SEED = 0   # the batch: test images drawn as the explorer draws them (nets.explorer.view.pick_batch)


def network_of(trained):
    """The visitor's trained copy of the learner's network, else the one every visitor starts from."""
    model = trained.model if trained is not None else None
    return model if model is not None and type(model) is type(own.OWN.start) else own.OWN.start


def explore_layer(layer, batch, image, channel, step, trained) -> tuple:
    """The layer's input as it arrives and its output, statistics, formula, code, and the Layer explorer's figures."""
    model = network_of(trained)
    layer = as_choice(layer, say("own.layer"), explorable(model))
    batch = as_int(batch, say("own.batch"), 1, MAX_BATCH)
    image = as_int(image, say("own.image"), 0, batch - 1)
    channel = as_int(channel, say("explorer.channel"), 0, MAX_CHANNEL)
    step = as_int(step, say("explorer.step"), 0, MAX_STEP)
    data = dataset.require_data()
    x_u8, _ = pick_batch(*data.split("test"), None, batch, SEED)
    locale = current_locale()
    code = own_script(own.OWN.maker, own.OWN.weights_path, "test", batch, SEED, locale, str(data.source or ""))
    try:
        view = compute_own_layer(x_u8, model, layer, code, image)
    except OwnModelError as e:
        raise refused(e) from None
    drawn = draw(view, ViewOptions(channel=channel, step=step), locale)
    arrived = feature_maps_grid(fit_maps(view.x[view.image]), "shared", "viridis") if view.x.dim() == 4 else \
        scores_grid(view.x, "viridis")
    made = drawn.maps if drawn.maps is not None else drawn.output
    pictures = gallery_html([[data_uri(arrived, "png"), say("own.arrives", layer=layer, shape=tuple(view.x.shape))],
                             [data_uri(made, "png"), say("own.makes", layer=layer, shape=tuple(view.output.shape))]])
    slide_text = "\n\n".join(n.words(locale) for n in view.notes) or drawn.slide_text
    return (pictures, stats_table(view.stats, locale) + "\n\n" + shape_text(view, locale), view.code,
            drawn.hist, drawn.layer_plot, drawn.slide_plot, slide_text)


def build(model_state):
    """The part's components and its event (nothing when LayerLab runs on its own networks)."""
    if own.OWN is None:
        return
    names = explorable(own.OWN.start)
    with gr.Accordion(t("own.explore"), open=False):
        gr.Markdown(t("own.explore_intro"))
        with gr.Row():
            layer = gr.Dropdown(names, value=names[0] if names else None, label=t("own.layer"))
            batch = gr.Number(8, precision=0, minimum=1, maximum=MAX_BATCH, label=t("own.batch"))
            image = gr.Number(0, precision=0, minimum=0, maximum=MAX_BATCH - 1, label=t("own.image"))
            show = gr.Button(t("own.explore_show"), variant="primary")
        pictures = gr.HTML()
        numbers = gr.Markdown()
        gr.Markdown(t("own.figures"))
        with gr.Row():
            hist = gr.Plot(label=t("explorer.hist"))
            layer_plot = gr.Plot(label=t("explorer.layer_plot"))
        with gr.Row():
            channel = gr.Number(0, precision=0, minimum=0, maximum=MAX_CHANNEL, label=t("explorer.channel"))
            step = gr.Number(0, precision=0, minimum=0, maximum=MAX_STEP, label=t("explorer.step"))
        slide_plot = gr.Plot(label=t("explorer.slide"))
        slide_text = gr.Markdown()
        code = gr.Code(language="python", interactive=False, label=t("own.explore_code"))
    gr.on([show.click, channel.submit, step.submit], explore_layer, [layer, batch, image, channel, step, model_state],
          [pictures, numbers, code, hist, layer_plot, slide_plot, slide_text], api_name="explore_own_layer",
          preprocess=False)   # values reach explore_layer as sent: it refuses them by their labels, in their language
