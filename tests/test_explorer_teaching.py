"""What the explorer says about a layer is what the layer does: its label is the layer the code builds, the notes
name what each activation does to negatives, the pooling window is not called a kernel, and only the settings
the chosen layer reads are checked (issue 23)."""
import pytest
import torch
from torch import nn

from nets.explorer.code import cifar_code
from nets.explorer.layer import LayerConfig
from nets.explorer.view import compute_layer
from nets.text import TRANSLATIONS
from ui.explorer.inputs import Controls, layer_config

BATCH = torch.randint(0, 256, (4, 3, 32, 32), dtype=torch.uint8)
CONFIGS = [
    LayerConfig(kind="AvgPool2d", kernel_size=3, stride=2, padding=1, ceil_mode=True),   # repr drops ceil_mode
    LayerConfig(kind="MaxPool2d", kernel_size=3, stride=2, padding=1, dilation=2, ceil_mode=True),
    LayerConfig(kind="Conv2d", out_channels=5, kernel_size=4, stride=3, padding=2, padding_mode="reflect", bias=False),
    LayerConfig(kind="LeakyReLU", negative_slope=0.2),
    LayerConfig(kind="GELU", approximate="tanh"),
]


@pytest.mark.parametrize("cfg", CONFIGS, ids=lambda c: c.kind)
def test_the_label_names_a_layer_that_gives_the_output_shown(cfg):
    view = compute_layer(BATCH, cfg)
    torch.manual_seed(0)
    layer = eval("nn." + view.label, {"nn": nn})
    with torch.no_grad():
        assert layer(view.x).shape == view.output.shape
    assert f"layer = nn.{view.label}" in view.code


def test_avgpool_label_keeps_ceil_mode():
    view = compute_layer(BATCH, CONFIGS[0])
    assert "ceil_mode=True" in view.label and tuple(view.output.shape[2:]) == (17, 17)


@pytest.mark.parametrize("kind", ["ReLU", "LeakyReLU", "GELU"])
def test_each_activation_note_says_what_it_does_to_negatives(kind):
    """On ToTensor() images (all >= 0): ReLU cuts negatives to 0, LeakyReLU keeps them scaled by its slope,
    GELU pulls them towards 0 (its least value and GELU(0.5) are the layer's own)."""
    cfg = LayerConfig(kind=kind, negative_slope=0.2)
    note = next(n for n in compute_layer(BATCH, cfg).notes if n.key.startswith("explorer.note_positive"))
    assert note.key == f"explorer.note_positive_{kind.lower()}"
    x = torch.linspace(-3, 0, 3001)
    if kind == "ReLU":
        assert torch.equal(nn.ReLU()(x), torch.zeros_like(x))
    if kind == "LeakyReLU":
        assert note.params["slope"] == 0.2 and nn.LeakyReLU(0.2)(torch.tensor(-1.0)).item() == pytest.approx(-0.2)
        assert "0.2" in note.words("en") and "0.2" in note.words("zh-CN")
    if kind == "GELU":
        assert note.params["least"] == pytest.approx(nn.GELU()(x).min().item())
        assert note.params["half"] == pytest.approx(nn.GELU()(torch.tensor(0.5)).item())
        assert f"{note.params['least']:.3f}" in note.words("zh-CN")
    if kind != "ReLU":   # the note shown before for all three: "to see negatives cut"
        assert "negatives cut" not in note.words("en") and "负数被截掉" not in note.words("zh-CN")


def test_the_pooling_window_is_not_called_a_kernel():
    from ui.explorer import layout as explorer_layout
    import gradio as gr
    with gr.Blocks():
        ui = explorer_layout.layout(explorer_layout.page_values(None))
    for locale in ("en", "zh-CN"):
        table = TRANSLATIONS[locale]
        assert "卷积核" not in table[ui.pool_kernel.label.key] and "卷积核" not in table[ui.slide_plot.label.key]
        assert "kernel" not in table[ui.slide_plot.label.key].lower()


def test_only_the_settings_the_chosen_layer_reads_are_checked():
    assert layer_config(Controls(kind="MaxPool2d", kernel_size=0)).kernel_size == 2   # the Conv2d slider, unread
    assert layer_config(Controls(kind="AvgPool2d", pool_dilation=0, out_features=0)).kind == "AvgPool2d"
    assert layer_config(Controls(kind="ReLU", pool_kernel=0, negative_slope=5, init_seed=-1)).kind == "ReLU"
    with pytest.raises(Exception, match="pool_kernel"):
        layer_config(Controls(kind="MaxPool2d", pool_kernel=0))
    with pytest.raises(Exception, match="pool_dilation"):
        layer_config(Controls(kind="MaxPool2d", pool_dilation=0))
    with pytest.raises(Exception, match="kernel_size"):
        layer_config(Controls(kind="Conv2d", kernel_size=0))


@pytest.mark.parametrize("locale", ["en", "zh-CN"])
def test_the_loading_code_says_when_torchvision_would_draw_other_images(locale, cifar_archive, tmp_path):
    """From an ImageFolder archive (the test data) LayerLab's order is not torchvision's: the comment says so;
    from the official batches it is the very batch on screen."""
    own = cifar_code("test", 8, 0, locale=locale, source=str(cifar_archive))
    (tmp_path / "cifar-10-batches-py").mkdir()
    official = cifar_code("test", 8, 0, locale=locale, source=str(tmp_path))
    same = TRANSLATIONS[locale]["explorer.code.pick"].format(batch=8, seed=0)
    assert same in official and same not in own and cifar_archive.name in own


def test_the_explore_api_takes_maxpool_whatever_the_conv2d_slider_holds(client):
    status = client.predict(kind="MaxPool2d", kernel_size=0, api_name="/explore")[0]
    assert "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)" in status
    assert "output (64, 3, 16, 16)" in status
