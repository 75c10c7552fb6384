"""The Model zoo: torchvision's vgg16 and resnet18, and the tutorial's two ways to give them a 10-class head."""
import gradio as gr

from nets.zoo import VERSIONS, ZOO, compare, fetch_pretrained, imagenet_top5, weights_size_mb
from ui import dataset
from ui.i18n import t
from ui.validate import as_choice, as_int, bad

TITLES = {"original": "zoo.original", "add_linear": "zoo.add_linear", "replace_last": "zoo.replace_last"}


def version_stats(v, original) -> str:
    """Parameters and output shapes of one version, and what changed against the original."""
    delta = v.params - original.params
    change = "" if v.version == "original" else f" ({delta:+,} against the original)"
    return (f"**{v.params:,} parameters**{change}  \n"
            f"output for one 32x32 CIFAR-10 image: `{v.cifar_output}`  \n"
            f"output for one 224x224 ImageNet image: `{v.imagenet_output}`")


def show_zoo(name):
    """For each version: its code, its numbers, its head as print(model) shows it; then the whole structure."""
    name = as_choice(name, "Model", tuple(ZOO))
    versions = compare(name)
    out = []
    for v in versions:
        out += [v.code, version_stats(v, versions[0]), v.head]
    return *out, versions[0].structure


def pretrained_top5(name, index, confirm):
    """Fetch ImageNet weights through torchvision (cache first); say so and keep random weights when offline."""
    name = as_choice(name, "Model", tuple(ZOO))
    if confirm is not True:
        raise bad(f"Tick the box first: the {name} weights are {weights_size_mb(name):.0f} MB to download.")
    data = dataset.require_data()
    x, y = data.split("test")
    i = as_int(index, "Test image", 0, len(y) - 1)
    state, message = fetch_pretrained(name)
    if state is None:
        return f"⚠ {message}", None
    top = imagenet_top5(name, state, x[i])
    return f"{message} Test image #{i} is a **{data.classes[y[i]]}**, enlarged to 224x224.", dict(top)


def fetch_label(name) -> str:
    """The fetch button names the download size, so nobody starts 528 MB by accident."""
    name = as_choice(name, "Model", tuple(ZOO))
    return f"Fetch ImageNet weights for {name} ({weights_size_mb(name):.0f} MB) and classify a test image"


def build():
    """The Model zoo tab's components and events."""
    with gr.Tab(t("zoo.tab"), id="zoo") as tab:
        gr.Markdown(t("zoo.intro"))
        name = gr.Radio(list(ZOO), value="vgg16", label=t("zoo.model"))
        gr.Markdown(t("zoo.note"))
        columns = []
        with gr.Row(equal_height=False):
            for version in VERSIONS:
                with gr.Column():
                    gr.Markdown(t(TITLES[version]))
                    # Three boxes side by side are narrower than the code: wrap it, so no line is cut off.
                    code = gr.Code(language="python", label=t("zoo.code"), interactive=False, wrap_lines=True)
                    stats = gr.Markdown()
                    head = gr.Code(language=None, label=t("zoo.head"), interactive=False, wrap_lines=True)
                    columns += [code, stats, head]
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

    gr.on([tab.select, name.change], show_zoo, name, columns + [structure], api_name="zoo_compare")
    name.change(fetch_label, name, fetch_button, queue=False, api_visibility="private")
    fetch_button.click(pretrained_top5, [name, index, confirm], [fetch_status, top5], api_name="zoo_pretrained",
                       concurrency_limit=1)
    return columns
