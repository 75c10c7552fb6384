"""The Data tab: browse CIFAR-10 by split and class, and see where the dataset came from."""
from typing import NamedTuple

import gradio as gr
import torch

from nets.data.cifar import CIFAR10_CLASSES, SPLITS
from nets.text import class_name as class_in_locale   # this module's class_name is the chosen class
from ui.common import dataset
from ui.common.gradio_hooks import HIDDEN_PROGRESS
from ui.common.i18n import current_locale, say, t
from ui.common.validate import as_choice, as_int
from ui.common.views import view_of
from visual.charts import class_counts_figure
from visual.images import data_uri, labelled_grid_html, to_hwc

ALL = "all"


class DataView(NamedTuple):
    """What the loader's state updates, by role (build() wires them in this order).
    Build it with DataView.of(...): a part left out stays as the page shows it."""
    status: object         # the loader's state, and where the data came from
    class_name: object     # the class choices, once the data is there
    poll: object           # the timer that asks again while the data loads
    retry_button: object   # shown when loading failed
    gallery: object        # the images
    counts_plot: object    # images per class of both splits
    of = classmethod(view_of)


def chosen_images(split, class_name, count, seed) -> list[tuple[torch.Tensor, str]]:
    """The requested real images, each with its "#index label" caption (the label in the visitor's language)."""
    data = dataset.require_data()
    split = as_choice(split, say("data.split"), SPLITS)
    class_name = as_choice(class_name, say("data.class"), (ALL, *data.classes))
    count = as_int(count, say("data.count"), 1, 64)
    seed = as_int(seed, say("data.seed"), 0, 2**31 - 1)
    x, y = data.split(split)
    pool = torch.arange(len(y)) if class_name == ALL else (y == data.classes.index(class_name)).nonzero()[:, 0]
    pick = pool[torch.randperm(len(pool), generator=torch.Generator().manual_seed(seed))[:count]]
    locale = current_locale()
    return [(x[i], f"#{i} {class_in_locale(data.classes[y[i]], locale)}") for i in pick.tolist()]


def counts_figure():
    """Images per class of both splits, worded in the visitor's language."""
    data, locale = dataset.require_data(), current_locale()
    names = [class_in_locale(c, locale) for c in data.classes]
    return class_counts_figure(names, {s: data.class_counts(s) for s in SPLITS}, locale)


def class_choices(classes) -> list[tuple[str, str]]:
    """The class dropdown's choices, worded for the visitor: "all", then the dataset's classes."""
    locale = current_locale()
    return [(say("data.all"), ALL), *((class_in_locale(c, locale), c) for c in classes)]


def browse_data(split: str, class_name: str, count: float, seed: float):
    """API: real images as [picture, caption] pairs, each picture its lossless 32x32 PNG as a data: URI (one
    answer, as /explore's: as files, gradio_client fetched them one by one, 4.2 s for 64), and the images
    per class of both splits."""
    images = chosen_images(split, class_name, count, seed)
    return [[data_uri(to_hwc(x)), caption] for x, caption in images], counts_figure()


def browse_page(split: str, class_name: str, count: float, seed: float) -> str:
    """The page: the same images inline in one HTML grid (one message, no file fetch per picture); the
    counts chart never changes, so the page draws it once, when the data is ready."""
    images = chosen_images(split, class_name, count, seed)
    return labelled_grid_html([(to_hwc(x), caption) for x, caption in images])


def data_status(split="test", class_name=ALL, count=32, seed=0) -> DataView:
    """The loader's state as text, the class list once known, whether to keep polling, and the
    first gallery as soon as the data is there; in the visitor's language (also the redraw after a switch)."""
    loader = dataset.LOADER
    status = loader.status
    if loader.data is not None:
        data = loader.data
        notes = [f"- {note.words(current_locale())}" for note in data.notes]
        lines = [say("data.status_ready", message=status.message), *notes]
        if class_name not in data.classes:
            class_name = ALL
        return DataView(status="\n".join(lines),
                        class_name=gr.update(choices=class_choices(data.classes), value=class_name),
                        poll=gr.Timer(active=False), retry_button=gr.update(visible=False),
                        gallery=browse_page(split, class_name, count, seed), counts_plot=counts_figure())
    if status.state == "failed":
        return DataView.of(status=say("data.status_failed", message=status.message), poll=gr.Timer(active=False),
                           retry_button=gr.update(visible=True))
    loading = say("data.status_loading_percent", fraction=status.fraction, message=status.message) \
        if status.fraction else say("data.status_loading", message=status.message)
    return DataView.of(status=loading, poll=gr.Timer(active=True), retry_button=gr.update(visible=False))


def next_seed(seed) -> int:
    """Shuffle: the next seed."""
    return as_int(0 if seed is None else seed, say("data.seed"), 0, 2**31 - 2) + 1   # an emptied box: seed 0


def retry_load():
    """Start loading again after a failure; the status timer takes it from there."""
    dataset.LOADER.start()
    status = dataset.LOADER.status
    return DataView.of(status=say("data.status_retrying", message=status.message), poll=gr.Timer(active=True),
                       retry_button=gr.update(visible=False))


def build():
    """The Data tab's components and events; returns what a language switch redraws: (fn, inputs, outputs)."""
    with gr.Tab(t("data.tab"), id="data"):
        status = gr.Markdown(t("data.status_starting"))
        retry_button = gr.Button(t("data.retry"), visible=False, variant="primary")
        with gr.Row():
            split = gr.Radio([(t(f"data.split_{s}"), s) for s in SPLITS], value="test", label=t("data.split"))
            class_name = gr.Dropdown([(t("data.all"), ALL), *((t(f"class.{c}"), c) for c in CIFAR10_CLASSES)], value=ALL, label=t("data.class"))
            count = gr.Slider(1, 64, value=32, step=1, label=t("data.count"))
            seed = gr.Number(0, precision=0, minimum=0, label=t("data.seed"))
            shuffle_button = gr.Button(t("data.shuffle"))
        gallery = gr.HTML(label=t("data.gallery"), elem_id="data-gallery")
        counts_plot = gr.Plot(label=t("data.counts"))
        poll = gr.Timer(1.0, active=True)
        # /browse_data for programs: the same images as [picture, caption] pairs. Hidden: the page shows the grid.
        api_gallery = gr.JSON(visible=False)
        api_button = gr.Button(visible=False)

    # preprocess=False here and on every LayerLab event: values reach the handlers as sent, which check them with
    # ui/common/validate.py in the caller's language (Gradio's own conversion answers in English, before any handler).
    browse_inputs = [split, class_name, count, seed]
    status_outputs = list(DataView(status=status, class_name=class_name, poll=poll, retry_button=retry_button,
                                   gallery=gallery, counts_plot=counts_plot))
    poll.tick(data_status, browse_inputs, status_outputs, **HIDDEN_PROGRESS, api_visibility="private")
    retry_button.click(retry_load, None, status_outputs, show_progress_on=status, api_name="retry_data_load")
    gr.on([split.change, class_name.change, count.release, seed.submit], browse_page,
          browse_inputs, gallery, api_visibility="private", **HIDDEN_PROGRESS, preprocess=False)
    shuffle_button.click(next_seed, seed, seed, queue=False, api_visibility="private", preprocess=False).then(
        browse_page, browse_inputs, gallery, api_visibility="private", **HIDDEN_PROGRESS, preprocess=False)
    api_button.click(browse_data, browse_inputs, [api_gallery, counts_plot], api_name="browse_data", preprocess=False)
    return [(data_status, browse_inputs, status_outputs)]
