"""The explorer's layers against torch itself: same weights, same outputs; the formula against the real shape."""
import threading

import pytest
import torch
import torch.nn.functional as F
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from torch import nn

from nets.explorer.layer import (LayerConfig, LayerError, build_layer, check, formula_lines, one_thread, out_size,
                                 prepare_input)
from nets.explorer.chain import CHAIN_PRESETS, build_chain, check_sizes, load_trained, parse_chain, run_chain
from nets.explorer.kernels import FIXED, PRESETS, preset_kernel
from nets.models import TrainedModel, tutorial_cnn

FAST = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def batch(cifar):
    return cifar.test_x[:8]   # (8, 3, 32, 32) uint8


def trained_model(seed: int = 1) -> TrainedModel:
    torch.manual_seed(seed)
    return TrainedModel(model=tutorial_cnn().eval(), classes=tuple("abcdefghij"), label="test model")


@FAST
@given(out_channels=st.integers(1, 16), k=st.integers(1, 7), s=st.integers(1, 4), p=st.integers(0, 4),
       d=st.integers(1, 3), bias=st.booleans(), mode=st.sampled_from(["zeros", "reflect", "replicate", "circular"]),
       seed=st.integers(0, 1000))
def test_conv2d_equals_torch_with_the_same_weights(batch, out_channels, k, s, p, d, bias, mode, seed):
    cfg = LayerConfig("Conv2d", out_channels=out_channels, kernel_size=k, stride=s, padding=p, dilation=d,
                      bias=bias, padding_mode=mode, seed=seed)
    x = prepare_input(batch, "unit")
    layer = build_layer(cfg, tuple(x.shape))
    torch.manual_seed(seed)   # PyTorch's default init under the same seed gives the same weights
    ref = nn.Conv2d(3, out_channels, k, stride=s, padding=p, dilation=d, bias=bias, padding_mode=mode)
    assert torch.equal(layer.weight, ref.weight)
    y = layer(x)
    assert torch.allclose(y, ref(x), atol=1e-6)
    lines = formula_lines(layer, 32, 32)
    assert [int(line.rsplit("= ", 1)[1]) for line in lines] == list(y.shape[2:])


@FAST
@given(kind=st.sampled_from(["MaxPool2d", "AvgPool2d"]), k=st.integers(1, 6), s=st.integers(1, 4),
       p=st.integers(0, 3), d=st.integers(1, 3), ceil=st.booleans())
def test_pooling_equals_torch_and_refuses_what_torch_refuses(batch, kind, k, s, p, d, ceil):
    cfg = LayerConfig(kind, kernel_size=k, stride=s, padding=p, dilation=d, ceil_mode=ceil)
    x = prepare_input(batch, "unit")
    ref = (nn.MaxPool2d(k, s, p, d, ceil_mode=ceil) if kind == "MaxPool2d" else
           nn.AvgPool2d(k, s, p, ceil_mode=ceil))
    try:
        expected = ref(x)
    except RuntimeError:
        expected = None
    try:
        y = build_layer(cfg, tuple(x.shape))(x)
    except LayerError as e:
        assert expected is None, f"refused a layer torch accepts: {e}"
        assert str(e).count(".") >= 1 and "\n" not in str(e)
        return
    assert expected is not None and torch.equal(y, expected)
    dd = d if kind == "MaxPool2d" else 1
    assert out_size(32, k, s, p, dd, ceil) == y.shape[2]


@FAST
@given(kind=st.sampled_from(["ReLU", "Sigmoid", "Tanh", "LeakyReLU", "GELU"]), scale=st.sampled_from(["unit", "normalize"]),
       slope=st.floats(0, 1), approximate=st.sampled_from(["none", "tanh"]))
def test_activations_equal_torch(batch, kind, scale, slope, approximate):
    cfg = LayerConfig(kind, negative_slope=slope, approximate=approximate, scale=scale)
    x = prepare_input(batch, scale)
    ref = {"ReLU": F.relu, "Sigmoid": torch.sigmoid, "Tanh": torch.tanh,
           "LeakyReLU": lambda t: F.leaky_relu(t, slope), "GELU": lambda t: F.gelu(t, approximate=approximate)}[kind]
    assert torch.equal(build_layer(cfg, tuple(x.shape))(x), ref(x))


@FAST
@given(out_features=st.integers(1, 100), seed=st.integers(0, 1000), bias=st.booleans())
def test_linear_flattens_per_image(batch, out_features, seed, bias):
    x = prepare_input(batch, "unit")
    layer = build_layer(LayerConfig("Linear", out_features=out_features, seed=seed, bias=bias), tuple(x.shape))
    torch.manual_seed(seed)
    ref = nn.Linear(3072, out_features, bias=bias)
    y = layer(x)
    assert y.shape == (8, out_features)
    assert torch.allclose(y, ref(x.reshape(8, -1)), atol=1e-5)


@pytest.mark.parametrize("name", PRESETS)
def test_presets_filter_each_colour_channel_like_f_conv2d(batch, name):
    x = prepare_input(batch, "unit")
    layer = build_layer(LayerConfig("Conv2d", weights="preset", preset=name, kernel_size=3, padding=1), tuple(x.shape))
    kernel = preset_kernel(name, 3)
    ref = torch.cat([F.conv2d(x[:, c:c + 1], kernel[None, None], padding=1) for c in range(3)], dim=1)
    assert torch.allclose(layer(x), ref, atol=1e-5)
    if name == "identity":
        assert torch.allclose(layer(x), x, atol=1e-6)
    if name in ("box blur", "gaussian blur"):
        assert abs(kernel.sum().item() - 1) < 1e-6


def test_fixed_presets_refuse_a_kernel_smaller_than_3():
    with pytest.raises(LayerError, match="3x3 kernel: kernel_size must be at least 3"):
        build_layer(LayerConfig("Conv2d", weights="preset", preset=next(iter(FIXED)), kernel_size=2), (1, 3, 32, 32))


def test_hand_edited_grid_becomes_the_weights(batch):
    grid = [[1, 2, 3], [4, 5, 6], [7, 8, 9]]
    x = prepare_input(batch, "unit")
    layer = build_layer(LayerConfig("Conv2d", weights="grid", grid=grid, kernel_size=3, padding=0), tuple(x.shape))
    ref = F.conv2d(x[:, :1], torch.tensor(grid, dtype=torch.float32)[None, None])
    assert torch.allclose(layer(x)[:, :1], ref, atol=1e-4)
    with pytest.raises(LayerError, match="must be 3x3"):
        build_layer(LayerConfig("Conv2d", weights="grid", grid=[[1, 2], [3, 4]], kernel_size=3), tuple(x.shape))


def test_trained_conv1_weights_are_the_models(batch):
    trained = trained_model()
    x = prepare_input(batch, "normalize")
    cfg = LayerConfig("Conv2d", weights="trained", kernel_size=3, out_channels=4, padding=2)
    layer = build_layer(cfg, tuple(x.shape), trained)
    assert (layer.out_channels, layer.kernel_size) == (32, (5, 5))   # the trained shape wins over the sliders
    assert torch.equal(layer(x), trained.model.conv1(x))
    cfg.padding, cfg.stride = 0, 2        # padding and stride stay the learner's, the weights the model's
    other = build_layer(cfg, tuple(x.shape), trained)
    assert torch.equal(other(x), F.conv2d(x, trained.model.conv1.weight, trained.model.conv1.bias, stride=2))
    with pytest.raises(LayerError, match="no trained model yet"):
        build_layer(LayerConfig("Conv2d", weights="trained"), tuple(x.shape), None)


@pytest.mark.parametrize("cfg, message", [
    (LayerConfig("Conv2d", kernel_size=11, padding=0), "larger than the padded input"),
    (LayerConfig("Conv2d", kernel_size=5, dilation=9, padding=0), "dilation=9 spans 37 pixels"),
    (LayerConfig("MaxPool2d", kernel_size=2, padding=2), "at most half the kernel size"),
    (LayerConfig("AvgPool2d", kernel_size=3, padding=2), "at most half the kernel size"),
    (LayerConfig("Conv2d", stride=0), "at least 1"),
    (LayerConfig("Conv2d", padding=-1), "at least 0"),
    (LayerConfig("Conv2d", padding_mode="reflect", padding=10), "Reflect padding must be smaller"),
])
def test_impossible_combinations_get_one_sentence(cfg, message):
    with pytest.raises(LayerError, match=message) as info:
        check(cfg, (1, 3, 8, 8))
    assert "\n" not in str(info.value)


def test_tutorial_maxpool_padding_1_gives_17_not_16(batch):
    x = prepare_input(batch, "unit")
    y = build_layer(LayerConfig("MaxPool2d", kernel_size=2, stride=2, padding=1), tuple(x.shape))(x)
    assert y.shape[2:] == (17, 17) == (out_size(32, 2, 2, 1),) * 2


@pytest.mark.parametrize("name", list(CHAIN_PRESETS))
def test_chain_presets_equal_the_tutorial_network_prefix(batch, name):
    spec = parse_chain(CHAIN_PRESETS[name])
    x = prepare_input(batch, "normalize")
    check_sizes(spec, tuple(x.shape))
    model = build_chain(spec, seed=0)
    trained = trained_model()
    if "ReLU" not in CHAIN_PRESETS[name]:
        load_trained(model, trained)
        ref = x
        for (stage, layer, y), (ref_name, ref_layer) in zip(run_chain(model, x, spec), trained.model.named_children()):
            ref = ref_layer(ref)
            assert stage == ref_name and torch.equal(y, ref)


@pytest.mark.parametrize("text, message", [
    ("Conv2d(4, 8, 3)", "expects in_channels=4"),
    ("Conv2d(3, 8, 3)\nLinear(10, 2)", "expects in_features=10"),
    ("MaxPool2d(32)\nMaxPool2d(2)", "cannot take its input"),
    ("Conv2d(3, 8, __import__('os'))", "cannot read the arguments"),
    ("print('hi')", "unknown layer type"),
    ("Conv2d(3, 1024, 32)\nConv2d(1024, 1024, 32)", "stops at 5,000,000"),
    ("Conv2d(3, 512, 3, padding=1)\nConv2d(512, 512, 3, padding=1)", "8,000,000,000 multiply-adds"),
    ("", "chain is empty"),
])
def test_bad_chains_are_refused_clearly(text, message):
    with pytest.raises(LayerError, match=message):
        spec = parse_chain(text)
        check_sizes(spec, (8, 3, 32, 32))


def test_one_thread_is_per_thread_and_restored():
    before = torch.get_num_threads()
    inside, release, seen = threading.Event(), threading.Event(), []

    def update():
        with one_thread():
            seen.append(torch.get_num_threads())
            inside.set()
            release.wait(5)

    worker = threading.Thread(target=update)
    worker.start()
    inside.wait(5)
    assert seen == [1] and torch.get_num_threads() == before   # a training loop elsewhere keeps its threads
    release.set()
    worker.join()
    with one_thread():
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before
