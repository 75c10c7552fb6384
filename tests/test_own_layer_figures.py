"""The Layer explorer's figures on a layer of the learner's own network (the Network tab's "Explore one layer of
your network"): the sliding window, the histogram and the kernel, drawn by visual.explorer from the batch as it
arrives at the layer and the learner's real weights. Plain torch is the reference: F.conv2d and F.max_pool2d on
the input a forward hook captures, at the window's position."""
import re

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from nets import own
from nets.data.cifar import normalize
from nets.explorer.slide import explain_value, window
from nets.own.explore import compute_own_layer
from nets.text import text
from tests.test_own_model import MODELS
from visual.explorer import ViewOptions, draw

PLAIN = nn.Sequential()   # stands in for the learner's file in model_code: only the view's numbers are tested here


def captured(model: nn.Module, name: str, x: torch.Tensor) -> torch.Tensor:
    """Plain torch: what a forward hook on the layer sees arrive, at its first call."""
    seen = []
    handle = model.get_submodule(name).register_forward_hook(lambda m, args, out: seen.append(args[0].clone()))
    with torch.no_grad():
        model(x)
    handle.remove()
    return seen[0]


def steps_to_check(steps: int) -> list[int]:
    """The first and last windows (where the padding is read), one in the middle and a few drawn at random."""
    drawn = torch.randint(0, steps, (4,), generator=torch.Generator().manual_seed(0)).tolist()
    return sorted({0, 1, steps // 2, steps - 1, *drawn})


@pytest.mark.parametrize("file, layer_name, image", [
    ("residual.py", "block1.conv2", 2),                     # 3x3, padding 1, after the block's first conv and ReLU
    ("residual.py", "stem", 0),                             # the normalised images themselves
    ("torchvision_resnet.py:make_model", "conv1", 1),        # 7x7, stride 2, padding 3, no bias
    ("torchvision_resnet.py:make_model", "layer2.0.conv1", 3),   # stride 2, deep in the network
])
def test_the_sliding_window_recomputes_the_learners_conv_on_its_captured_input(cifar, file, layer_name, image):
    net = own.load_own(str(MODELS / file))
    model, x_u8 = net.start, cifar.test_x[:4]
    view = compute_own_layer(x_u8, model, layer_name, "", image)
    layer = model.get_submodule(layer_name)
    arrived = captured(model, layer_name, normalize(x_u8))
    assert torch.equal(view.x, arrived)
    state = view.slide
    p = layer.padding[0]
    assert torch.equal(state.padded, F.pad(arrived[image], (p, p, p, p)))   # the window slides over what arrived
    assert state.weight is layer.weight.detach() or torch.equal(state.weight, layer.weight)   # its real weights
    with torch.no_grad():
        reference = F.conv2d(arrived[image:image + 1], layer.weight, layer.bias, layer.stride, layer.padding,
                             layer.dilation)[0]
    assert state.output.shape == reference.shape
    w_out = reference.shape[2]
    for channel in (0, reference.shape[0] - 1):
        for step in steps_to_check(state.steps):
            r, c = divmod(step, w_out)
            value, how = explain_value(state, channel, r, c)
            assert value == pytest.approx(float(reference[channel, r, c]), abs=1e-4)
            # The window reads exactly the k x k cells F.conv2d reads at (r, c): those s*r .. s*r + k - 1.
            k, s = layer.kernel_size[0], layer.stride[0]
            assert window(state, r, c) == [(s * r + a, s * c + b) for a in range(k) for b in range(k)]
            drawn = draw(view, ViewOptions(channel=channel, step=step), "en")
            assert "✓" in drawn.slide_text and f"output row {r}, column {c} (channel {channel})" in drawn.slide_text
            real = float(re.search(r"torch computed (-?[\d.]+)", drawn.slide_text).group(1))
            assert real == pytest.approx(float(reference[channel, r, c]), abs=1e-4)
            # The figure: the padded input around the window (its mean over channels) and the output around (r, c).
            left, right = drawn.slide_plot["data"]
            top, first = left["y"][0] + p, left["x"][0] + p
            rows, cols = len(left["z"]), len(left["z"][0])
            crop = state.padded.mean(0)[top:top + rows, first:first + cols]
            assert torch.allclose(torch.tensor(left["z"], dtype=torch.float64), crop.double(), atol=6e-4)
            assert right["z"][r - right["y"][0]][c - right["x"][0]] == pytest.approx(float(reference[channel, r, c]),
                                                                                       abs=6e-4)
    # The kernel shown is the learner's: output channel 1's weights, input channel by input channel (at most 8).
    kernel = draw(view, ViewOptions(channel=1), "en").layer_plot
    for i, heat in enumerate(kernel["data"]):
        assert torch.allclose(torch.tensor(heat["z"], dtype=torch.float64), layer.weight[1, i].double(), atol=6e-4)


def test_the_histogram_counts_the_values_that_arrive_and_that_the_layer_gives(cifar):
    net = own.load_own(str(MODELS / "residual.py"))
    x_u8 = cifar.test_x[:4]
    view = compute_own_layer(x_u8, net.start, "block1.relu", "", 0)   # called twice: the first call is shown
    arrived = captured(net.start, "block1.relu", normalize(x_u8))
    hist = draw(view, ViewOptions(), "zh-CN").hist
    before, after = hist["data"]
    assert sum(before["y"]) == arrived.numel() and sum(after["y"]) == arrived.numel()   # 65,536 each: all counted
    assert before["x"][0] - before["width"] / 2 == pytest.approx(float(arrived.min()), abs=1e-3)
    assert after["x"][-1] + after["width"] / 2 == pytest.approx(float(arrived.relu().max()), abs=1e-3)
    # ReLU: every negative value that arrives becomes 0, so the output's first bin holds them all.
    assert after["y"][0] >= int((arrived <= 0).sum())
    assert hist["layout"]["xaxis"]["title"]["text"] == text("explorer.fig_input_value", "zh-CN")


def test_the_window_on_the_learners_max_pooling(cifar):
    net = own.load_own(str(MODELS / "torchvision_resnet.py:make_model"))
    x_u8 = cifar.test_x[:2]
    view = compute_own_layer(x_u8, net.start, "maxpool", "", 1)   # 3x3, stride 2, padding 1
    arrived = captured(net.start, "maxpool", normalize(x_u8))
    reference = F.max_pool2d(arrived[1:2], 3, 2, 1)[0]
    for step in steps_to_check(view.slide.steps):
        r, c = divmod(step, reference.shape[2])
        for channel in (0, 63):
            assert explain_value(view.slide, channel, r, c)[0] == float(reference[channel, r, c])
            assert "✓" in draw(view, ViewOptions(channel=channel, step=step), "en").slide_text


class Settings(nn.Module):
    """Layers a learner may set in ways the square window cannot redo."""
    def __init__(self):
        super().__init__()
        self.same = nn.Conv2d(3, 8, 3, padding="same")
        self.grouped = nn.Conv2d(8, 8, 3, padding=1, groups=2)
        self.tall = nn.Conv2d(8, 8, (3, 1), padding=(1, 0))
        self.avg = nn.AvgPool2d(3, 1, padding=1, count_include_pad=False)
        self.pool = nn.MaxPool2d((2, 2))        # the same number twice: the window shows it
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(8 * 16 * 16, 10))

    def forward(self, x):
        return self.head(self.pool(self.avg(self.tall(self.grouped(self.same(x))))))


@pytest.mark.parametrize("name, setting", [("same", "padding='same'"), ("grouped", "groups=2"),
                                           ("tall", "kernel_size=(3, 1)"), ("avg", "count_include_pad=False")])
def test_a_setting_the_window_cannot_redo_is_named_and_the_layer_still_shown(cifar, name, setting):
    torch.manual_seed(0)
    model = Settings().eval()
    x_u8 = cifar.test_x[:2]
    view = compute_own_layer(x_u8, model, name, "", 0)    # padding='same' failed here before (F.pad with 's')
    layer = model.get_submodule(name)
    with torch.no_grad():
        assert torch.equal(view.output, layer(view.x))
    assert view.slide is None
    for locale in ("en", "zh-CN"):
        said = view.notes[-1].words(locale)
        assert setting in said and said == text("own.slide_setting", locale, setting=setting,
                                                 fix=view.notes[-1].params["fix"])
    drawn = draw(view, ViewOptions(), "en")
    assert drawn.slide_plot is None and drawn.hist is not None


def test_a_pooling_set_with_a_pair_of_equal_numbers_slides(cifar):
    torch.manual_seed(0)
    model = Settings().eval()
    view = compute_own_layer(cifar.test_x[:2], model, "pool", "", 0)
    assert not view.notes and view.slide is not None
    reference = F.max_pool2d(view.x[0:1], 2)[0]
    assert explain_value(view.slide, 5, 3, 4)[0] == float(reference[5, 3, 4])
