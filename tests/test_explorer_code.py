"""The code the explorer shows runs as shown and reproduces the view's shapes and values."""
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nets.data.cifar import normalize, to_unit
from nets.explorer.layer import LayerConfig, LayerError
from nets.explorer.chain import CHAIN_PRESETS
from nets.explorer.code import STATE_FILE, cifar_code, upload_code
from nets.explorer.kernels import PRESETS
from nets.models import TrainedModel, tutorial_cnn
from nets.explorer.view import compute_chain, compute_layer
from visual.explorer import ViewOptions, draw

FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
KINDS = ["Conv2d", "MaxPool2d", "AvgPool2d", "ReLU", "Sigmoid", "Tanh", "LeakyReLU", "GELU", "Linear"]


@pytest.fixture(scope="module")
def batch(cifar):
    return cifar.test_x[100:106]   # (6, 3, 32, 32) uint8


def trained_model() -> TrainedModel:
    torch.manual_seed(3)
    return TrainedModel(model=tutorial_cnn().eval(), classes=tuple(f"c{i}" for i in range(10)), label="test model")


def run_code(code: str, x_u8: torch.Tensor) -> dict:
    """exec the shown code in a fresh namespace, given only the batch x (floats in 0..1, as ToTensor gives)."""
    namespace = {"x": to_unit(x_u8)}
    exec(compile(code, "<explorer code>", "exec"), namespace)
    return namespace


def assert_reproduces(view, namespace):
    out = namespace["output"]
    assert out.shape == view.output.shape
    assert torch.allclose(out, view.output, atol=1e-5, rtol=1e-5)


@FAST
@given(kind=st.sampled_from(KINDS), k=st.integers(1, 5), s=st.integers(1, 3), p=st.integers(0, 2),
       d=st.integers(1, 2), out_channels=st.integers(1, 8), bias=st.booleans(), ceil=st.booleans(),
       mode=st.sampled_from(["zeros", "reflect", "replicate", "circular"]), scale=st.sampled_from(["unit", "normalize"]),
       weights=st.sampled_from(["default", "preset", "grid"]), preset=st.sampled_from(PRESETS),
       seed=st.integers(0, 99), slope=st.floats(0, 1), out_features=st.integers(1, 20))
def test_generated_code_reproduces_the_view(batch, kind, k, s, p, d, out_channels, bias, ceil, mode, scale, weights,
                                             preset, seed, slope, out_features):
    grid = [[float(i * k + j) - 3 for j in range(k)] for i in range(k)]
    cfg = LayerConfig(kind, out_channels=out_channels, kernel_size=k, stride=s, padding=p, padding_mode=mode,
                      dilation=d, bias=bias, weights=weights, preset=preset, grid=grid, seed=seed, ceil_mode=ceil,
                      negative_slope=slope, out_features=out_features, scale=scale)
    try:
        view = compute_layer(batch, cfg)
    except LayerError:
        return   # an impossible combination: the check's message is tested elsewhere
    assert_reproduces(view, run_code(view.code, batch))


def test_trained_conv1_code_loads_the_saved_state_dict(batch, tmp_path, monkeypatch):
    trained = trained_model()
    monkeypatch.chdir(tmp_path)
    torch.save(trained.model.state_dict(), STATE_FILE)
    view = compute_layer(batch, LayerConfig("Conv2d", weights="trained", padding=2), 0, trained)
    assert_reproduces(view, run_code(view.code, batch))
    assert torch.allclose(view.output, trained.model.conv1(normalize(batch)), atol=1e-5)


def test_linear_with_trained_model_shows_and_codes_softmax_probabilities(batch, tmp_path, monkeypatch):
    trained = trained_model()
    monkeypatch.chdir(tmp_path)
    torch.save(trained.model.state_dict(), STATE_FILE)
    view = compute_layer(batch, LayerConfig("Linear", out_features=10), 2, trained)
    namespace = run_code(view.code, batch)
    assert_reproduces(view, namespace)
    expected = trained.model(normalize(batch)).softmax(dim=1)
    assert torch.allclose(namespace["probs"], expected, atol=1e-5)
    drawn = draw(view, ViewOptions())
    assert drawn.layer_plot["data"][0]["y"] == pytest.approx(expected[2].tolist(), abs=1e-4)
    assert "196608" not in drawn.status and f"({batch.shape[0] * 3072},)" in drawn.status


@pytest.mark.parametrize("name", list(CHAIN_PRESETS))
@pytest.mark.parametrize("use_trained", [False, True])
def test_chain_code_reproduces_every_stage(batch, tmp_path, monkeypatch, name, use_trained):
    trained = trained_model()
    monkeypatch.chdir(tmp_path)
    torch.save(trained.model.state_dict(), STATE_FILE)
    if use_trained and "ReLU" in name:
        with pytest.raises(LayerError, match="trained weights fit only"):
            compute_chain(batch, CHAIN_PRESETS[name].replace("ReLU()", "Conv2d(32, 32, 3)"), 0, "unit", 0,
                          trained, True)
        return
    view = compute_chain(batch, CHAIN_PRESETS[name], 5, "unit", 0, trained, use_trained)
    assert_reproduces(view, run_code(view.code, batch))
    assert len(draw(view, ViewOptions()).gallery) == len(CHAIN_PRESETS[name].splitlines())


@pytest.mark.parametrize("locale", ["en", "zh-CN"])
def test_data_loading_code_is_valid_python(locale):
    cifar, upload = cifar_code("train", 16, 3, 5, "dog", locale), upload_code("photo.jpg", (32, 32), True, locale)
    for code in (cifar, upload):
        compile(code, "<data code>", "exec")
    assert "if t == 5]" in cifar and "manual_seed(3))[:16]" in cifar and "'photo.jpg'" in upload
