"""The Model zoo: torchvision's vgg16 and resnet18, and the tutorial's two ways to give them a 10-class head."""
from typing import NamedTuple

import gradio as gr

from nets.text import Phrase
from nets.zoo import VERSIONS, ZOO, compare, fetch_pretrained, imagenet_top5, weights_size_mb
from ui.common import dataset
from ui.common.i18n import current_locale, say, t
from ui.common.validate import as_bool, as_choice, as_int, refuse
from ui.common.views import view_of

TITLES = {"original": "zoo.original", "add_linear": "zoo.add_linear", "replace_last": "zoo.replace_last"}
PARTS = ("code", "stats", "head")   # a version's column, top to bottom
MODEL = Phrase("zoo.model")   # how refusals name the model choice


class ZooView(NamedTuple):
    """The comparison, by role: each version's column (nets.zoo.VERSIONS, each PARTS), then the whole structure.
    Build it with ZooView.of(...): a part left out stays as the page shows it."""
    original_code: object       # the code that makes the version
    original_stats: object      # its parameters and output shapes
    original_head: object       # its last layers, as print(model) shows them
    add_linear_code: object
    add_linear_stats: object
    add_linear_head: object
    replace_last_code: object
    replace_last_stats: object
    replace_last_head: object
    structure: object           # print(model) of the original, whole
    of = classmethod(view_of)


def version_stats(v, original) -> str:
    """Parameters and output shapes of one version, and what changed against the original."""
    shapes = {"params": v.params, "cifar": v.cifar_output, "imagenet": v.imagenet_output}
    if v.version == "original":
        return say("zoo.stats_original", **shapes)
    return say("zoo.stats_changed", delta=v.params - original.params, **shapes)


def show_zoo(name) -> ZooView:
    """For each version: its code, its numbers, its head as print(model) shows it; then the whole structure."""
    name = as_choice(name, MODEL, tuple(ZOO))
    versions = compare(name, current_locale())
    columns = {}
    for v in versions:
        columns |= {f"{v.version}_code": v.code, f"{v.version}_stats": version_stats(v, versions[0]),
                    f"{v.version}_head": v.head}
    return ZooView.of(**columns, structure=versions[0].structure)


class PretrainedView(NamedTuple):
    """What fetching ImageNet weights updates, by role."""
    fetch_status: object   # what was fetched (or why the weights stay random), and the picture's true class
    top5: object           # ImageNet's five likeliest classes for the picture


def pretrained_top5(name, index, confirm) -> PretrainedView:
    """Fetch ImageNet weights through torchvision (cache first); say so and keep random weights when offline."""
    name = as_choice(name, MODEL, tuple(ZOO))
    data = dataset.require_data()
    x, y = data.split("test")
    i = as_int(index, Phrase("zoo.index"), 0, len(y) - 1)
    if not as_bool(confirm, Phrase("zoo.name_confirm")):
        raise refuse("zoo.tick_first", name=name, size_mb=weights_size_mb(name))
    state, message = fetch_pretrained(name)
    if state is None:
        return PretrainedView(fetch_status=f"⚠ {message.words(current_locale())}", top5=None)
    top = imagenet_top5(name, state, x[i])
    return PretrainedView(fetch_status=say("zoo.classified", fetched=message, index=i, label=data.classes[y[i]]),
                          top5=dict(top))


def fetch_label(name) -> str:
    """The fetch button names the download size, so nobody starts 528 MB by accident."""
    name = as_choice(name, MODEL, tuple(ZOO))
    return say("zoo.fetch_label", name=name, size_mb=weights_size_mb(name))


def redraw(name, first_stats) -> tuple:
    """After a language switch: the comparison (a ZooView, if it was shown), then the fetch button in the new
    language and the fetch status cleared (only a new fetch can word it again)."""
    return *(show_zoo(name) if first_stats else ZooView.of()), fetch_label(name), ""


def build():
    """The Model zoo tab's components and events; returns what a language switch redraws: (fn, inputs, outputs)."""
    with gr.Tab(t("zoo.tab"), id="zoo") as tab:
        gr.Markdown(t("zoo.intro"))
        name = gr.Radio(list(ZOO), value="vgg16", label=t("zoo.model"))
        gr.Markdown(t("zoo.note"))
        columns = {}
        with gr.Row(equal_height=False):
            for version in VERSIONS:
                with gr.Column():
                    gr.Markdown(t(TITLES[version]))
                    # Three boxes side by side are narrower than the code: wrap it, so no line is cut off.
                    code = gr.Code(language="python", label=t("zoo.code"), interactive=False, wrap_lines=True)
                    stats = gr.Markdown()
                    head = gr.Code(language=None, label=t("zoo.head"), interactive=False, wrap_lines=True)
                    columns |= {f"{version}_{part}": box for part, box in zip(PARTS, (code, stats, head))}
        with gr.Accordion(t("zoo.structure"), open=False):
            structure = gr.Code(language=None, label="print(model)", interactive=False)
        with gr.Accordion(t("zoo.pretrained"), open=False):
            gr.Markdown(t("zoo.pretrained_intro"))
            with gr.Row():
                index = gr.Number(0, precision=0, minimum=0, label=t("zoo.index"))
                confirm = gr.Checkbox(False, label=t("zoo.confirm"))
                fetch_button = gr.Button(fetch_label("vgg16"))
            fetch_status = gr.Markdown()
            top5 = gr.Label(num_top_classes=5, label=t("zoo.top5"))

    view = list(ZooView(**columns, structure=structure))   # what the comparison updates
    # preprocess=False: values reach the handlers as sent, checked in the caller's language (ui/common/validate.py).
    gr.on([tab.select, name.change], show_zoo, name, view, api_name="zoo_compare", preprocess=False)
    name.change(fetch_label, name, fetch_button, queue=False, api_visibility="private", preprocess=False)
    fetch_button.click(pretrained_top5, [name, index, confirm], list(PretrainedView(fetch_status, top5)),
                       api_name="zoo_pretrained", concurrency_limit=1, preprocess=False)
    return [(redraw, [name, columns["original_stats"]], [*view, fetch_button, fetch_status])]
