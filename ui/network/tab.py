"""The Network view: one image through the whole network, layer by layer, ending in class probabilities."""
import copy
import json
import random
import threading
from collections import OrderedDict
from pathlib import Path
from typing import NamedTuple

import gradio as gr
import torch

from nets.builder.spec import build_model
from nets.data.images import MAX_PICTURE_FILE_BYTES, ImageError, decode_image
from nets.builder.layers import SpecError
from nets.estimates import network_bytes
from nets.memory import check_memory
from nets import own
from nets.models import seeded
from nets.own.probe import hooked_modules
from nets.text import class_name
from nets.train.config import MAX_EPOCHS   # the Training tab's most epochs: the epoch slider goes no further
from ui.common import dataset
from ui.network import own_layer
from ui.common.i18n import current_locale, say, t
from ui.common.validate import as_choice, as_int, as_text, as_upload, refuse, refused
from ui.common.views import view_of
from visual.network import (epoch_strip, flow_html, module_views, network_views, probabilities, strip_html,
                            summary_rows)

WEIGHTS = ("random", "trained")
SUMMARY_COLUMNS = ("layer", "type", "shape", "params", "macs")   # network.col_* keys: the table's headers
MAX_LAYER_NAME = 100    # characters of a layer's name (the Builder's names have at most 32)
# Seed-0 random networks are the same for every visitor and only read (eval, no_grad), so a few are kept.
CACHE_MODELS = 8
CACHE_MAX_PARAMS = 5_000_000
_RANDOM_MODELS: OrderedDict = OrderedDict()
_CACHE_LOCK = threading.Lock()


class NetworkView(NamedTuple):
    """What the view updates, by role (build() wires them in this order).
    Build it with NetworkView.of(...): a part left out stays as the page shows it."""
    flow: object         # every layer's output, input to probabilities
    probs_plot: object   # the class probabilities
    summary: object      # the torchinfo summary table
    status: object       # which image, which weights, what the network answered
    strip: object        # the chosen layer's maps after each epoch
    strip_text: object   # what the network answered after each epoch
    of = classmethod(view_of)


def random_model(arch):
    """The learner's network (None: the tutorial's) with the same random weights every time (seed 0)."""
    key = json.dumps(arch, sort_keys=True, default=str)
    with _CACHE_LOCK:
        if key in _RANDOM_MODELS:
            _RANDOM_MODELS.move_to_end(key)
            return _RANDOM_MODELS[key]
    try:
        check_memory(network_bytes(arch), "memory.work_network", refuse)
        model = seeded(0, lambda: build_model(arch)).eval()
    except SpecError as e:
        raise refuse("network.err.cannot_build", reason=e.phrase) from None
    if sum(p.numel() for p in model.parameters()) <= CACHE_MAX_PARAMS:
        with _CACHE_LOCK:
            _RANDOM_MODELS[key] = model
            while len(_RANDOM_MODELS) > CACHE_MODELS:
                _RANDOM_MODELS.popitem(last=False)
    return model


def chosen_model(weights: str, epoch, trained, arch):
    """(model, words saying which weights) for the view; trained weights at the chosen epoch."""
    if weights == "trained" and trained is not None:
        states = trained.epoch_states
        if len(states) >= 2:
            k = as_int(epoch, say("network.name_epoch"), 1, len(states))
            model = copy.deepcopy(trained.model).eval()
            model.load_state_dict(states[k - 1])
            epochs = saved_epochs(trained)
            return model, say("network.how_trained_epoch", label=trained.label, epoch=epochs[k - 1], last=epochs[-1])
        return trained.model.eval(), say("network.how_trained", label=trained.label)
    if arch is None and own.OWN is not None:   # the learner's own network, as --model and --weights start it
        return own.OWN.start, say("own.net_from", whose=own.OWN.describe())
    untrained = "network.how_random_untrained" if weights == "trained" else "network.how_random"
    return random_model(arch), say(untrained)


def chosen_image(index, upload) -> tuple[torch.Tensor, int | None, str]:
    """(uint8 (3, 32, 32) image, its label or None, words saying which image); upload: a path or None."""
    if upload:
        path = Path(upload)
        if not path.is_file() or path.stat().st_size > MAX_PICTURE_FILE_BYTES:
            raise refuse("network.err.upload", mb=MAX_PICTURE_FILE_BYTES // 2**20)
        try:
            x, converted = decode_image(path.read_bytes(), path.name)
        except ImageError as e:
            raise refused(e) from None
        return x, None, say("network.image_resized" if converted else "network.image_upload")
    data = dataset.require_data()
    x, y = data.split("test")
    i = as_int(index, say("network.name_index"), 0, len(y) - 1)   # checked again: the test split's own size
    return x[i], int(y[i]), say("network.image_test", index=i, cls=class_name(data.classes[y[i]], current_locale()))


def render_network(index, upload, weights, epoch, layer, trained, arch) -> NetworkView:
    """Gallery of every layer's output, probabilities, torchinfo summary, status, and the epoch strip."""
    index, upload, weights, epoch, layer = checked_controls(index, upload, weights, epoch, layer)
    x, label, which = chosen_image(index, upload)
    model, how = chosen_model(weights, epoch, trained, arch)
    locale = current_locale()
    classes = trained.classes if weights == "trained" and trained is not None else dataset_classes()
    classes = tuple(class_name(c, locale) for c in classes)     # as the visitor reads them
    views, probs = network_views(model, x) if isinstance(model, torch.nn.Sequential) else \
        module_views(model, x, locale)   # any other module: what forward hooks see, in call order
    if len(probs) == len(classes):
        figure, top = probabilities(classes, probs), int(probs.argmax())
        answer = say("network.answer", top=classes[top], p=float(probs[top])) if label is None else \
            say("network.answer_truth", top=classes[top], p=float(probs[top]), truth=classes[label])
    elif own.OWN is not None:
        figure, answer = None, say("own.not_scores", shape=str(views[-1].shape), classes=len(classes))
    else:
        figure, answer = None, say("network.not_scores", shape=str(views[-1].shape))
    status = say("network.status", which=which, how=how, answer=answer)
    strip, strip_text = epoch_view(trained, weights, x, layer, classes)
    summary = summary_table(summary_rows(model, locale))
    return NetworkView(flow=flow_html(views, locale), probs_plot=figure, summary=summary, status=status, strip=strip,
                       strip_text=strip_text)


def checked_controls(index, upload, weights, epoch, layer) -> tuple:
    """The view's controls as sent, checked before anything is computed: (index, upload path or None, weights,
    epoch, layer)."""
    index = as_int(index, say("network.name_index"), 0, 9999)
    upload = as_upload(upload, say("network.name_upload"))
    weights = as_choice(weights, say("network.weights"), WEIGHTS)
    epoch = as_int(epoch, say("network.name_epoch"), 1, MAX_EPOCHS)
    layer = as_text(layer, say("network.epoch_layer"), MAX_LAYER_NAME) if layer is not None else None
    return index, upload, weights, epoch, layer


def summary_table(rows: list[list]) -> dict:
    """The torchinfo summary with its headers in the visitor's language."""
    return {"headers": [say(f"network.col_{c}") for c in SUMMARY_COLUMNS], "data": rows}


def redraw_network(status, index, upload, weights, epoch, layer, trained, arch) -> NetworkView:
    """After a language switch: the view on screen drawn again in the new language (nothing shown yet: only the
    summary's headers)."""
    if not status:
        return NetworkView.of(summary=summary_table([]))
    if isinstance(upload, str):   # this event's values come through Gradio's conversion: the upload as its path
        upload = {"path": upload}
    try:
        return render_network(index, upload, weights, epoch, layer, trained, arch)
    except gr.Error:    # what was shown can no longer be drawn (an upload gone): leave it as it is
        return NetworkView.of()


def dataset_classes() -> tuple[str, ...]:
    return dataset.require_data().classes


def epoch_view(trained, weights, x, layer, classes):
    """The chosen layer's first maps after every epoch, and what the network answered after each."""
    if weights != "trained" or trained is None or len(trained.epoch_states) < 2:
        return "", ""
    names = layer_names(trained.model)
    layer = layer if layer in names else names[0]
    img, probs = epoch_strip(trained.model, trained.epoch_states, x, layer)
    epochs = saved_epochs(trained)
    answers = [say("network.epoch_answer", epoch=k, cls=classes[int(p.argmax())], p=float(p.max()))
               for k, p in zip(epochs, probs) if len(p) == len(classes)]
    text = say("network.epoch_rows", layer=layer, first=epochs[0], last=epochs[-1],
               answers=say("network.list_separator").join(answers))
    return strip_html(img, layer, current_locale()), text


def saved_epochs(trained) -> list[int]:
    """The epoch each of trained.epoch_states is from (a long run keeps only some)."""
    return trained.state_epochs or list(range(1, len(trained.epoch_states) + 1))


class TrainedControls(NamedTuple):
    """The controls that follow the visitor's trained model, by role."""
    epoch: object   # the epoch slider: shown from two epochs on, at the last one
    layer: object   # the layer the epoch strip shows: the model's own layers


def trained_controls(trained, layer) -> TrainedControls:
    """Epoch slider and layer choice follow the visitor's trained model."""
    if trained is None:
        return TrainedControls(epoch=gr.update(visible=False), layer=gr.update(choices=[], value=None))
    n = len(trained.epoch_states)
    names = layer_names(trained.model)
    return TrainedControls(epoch=gr.update(visible=n >= 2, maximum=max(n, 2), value=n),
                           layer=gr.update(choices=names, value=layer if layer in names else names[0]))


def layer_names(model) -> list[str]:
    """The layers the epoch strip offers: a Sequential's children, any other module's hooked modules."""
    if isinstance(model, torch.nn.Sequential):
        return [name for name, _ in model.named_children()]
    return [name for name, _ in hooked_modules(model)]


def random_index():
    """A different test image."""
    return random.randrange(len(dataset.require_data().test_y))


def build(model_state, arch_state):
    """The Network tab's components and events; returns what a language switch redraws: (fn, inputs, outputs)."""
    with gr.Tab(t("network.tab"), id="network") as tab:
        gr.Markdown(t("network.intro"))
        with gr.Row(equal_height=False):
            with gr.Column(scale=3):
                with gr.Row():
                    index = gr.Number(0, precision=0, minimum=0, maximum=9999, label=t("network.index"))
                    random_button = gr.Button(t("network.random"))
                with gr.Row():
                    weights = gr.Radio([(t(f"network.weights_{w}"), w) for w in WEIGHTS], value="random",
                                       label=t("network.weights"))
                    epoch = gr.Slider(1, 2, value=1, step=1, visible=False, label=t("network.epoch"))
                show_button = gr.Button(t("network.show"), variant="primary")
            # A column of its own, so the drop zone's label and prompt can be read in full.
            with gr.Column(scale=2, min_width=320):
                upload = gr.Image(type="filepath", sources=["upload"], label=t("network.upload"), height=200)
        status = gr.Markdown()
        flow = gr.HTML(label=t("network.layers"))
        probs_plot = gr.Label(num_top_classes=10, label=t("network.probs"))
        summary = gr.Dataframe(summary_table([]), label=t("network.summary"), interactive=False)
        with gr.Accordion(t("network.epochs"), open=True):
            layer = gr.Dropdown([], label=t("network.epoch_layer"))
            strip = gr.HTML(label=t("network.epoch_strip"))
            strip_text = gr.Markdown()
        own_layer.build(model_state)   # with --model: one layer of the learner's network, as its batch arrives

    inputs = [index, upload, weights, epoch, layer, model_state, arch_state]
    outputs = list(NetworkView(flow=flow, probs_plot=probs_plot, summary=summary, status=status, strip=strip,
                               strip_text=strip_text))
    # Opening the tab shows whatever the Builder and Training tabs changed meanwhile. preprocess=False: values
    # reach the handler as sent, to be checked in the caller's language (ui/common/validate.py); the upload arrives as
    # Gradio's FileData, already checked to lie in its upload folder, and is decoded by LayerLab alone.
    # always_last: a trigger that comes while the view draws (the epoch slider released again) runs after it;
    # Gradio's default for several triggers ("once") dropped it, and the view kept the epoch before.
    gr.on([tab.select, show_button.click, index.submit, upload.change, weights.change, epoch.release, layer.change],
          render_network, inputs, outputs, api_name="network_view", preprocess=False, trigger_mode="always_last")
    random_button.click(random_index, None, index, queue=False, api_visibility="private").then(
        render_network, inputs, outputs, api_visibility="private", preprocess=False)
    model_state.change(trained_controls, [model_state, layer], list(TrainedControls(epoch, layer)),
                       api_visibility="private")
    return [(redraw_network, [status, *inputs], outputs)]
