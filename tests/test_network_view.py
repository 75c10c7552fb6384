"""The Network view's handler against torch itself: every layer's picture, the probabilities, epochs, bad input."""
import base64
import html
import io
import re
from itertools import accumulate

import gradio as gr
import numpy as np
import pytest
import torch
from PIL import Image
from torch import nn

from nets.builder.spec import build_model
from nets.models import tutorial_spec
from nets.data.cifar import normalize
from nets.data.images import decode_image
from nets.models import TrainedModel, count_parameters, tutorial_cnn
from ui.common import dataset
from ui.network import tab as network_tab
from visual.network import DIVERGING, GAP, maps_picture

SPEC = tutorial_spec()[:2] + [{"type": "BatchNorm2d", "num_features": 32}, {"type": "ReLU"}] + tutorial_spec()[2:]


@pytest.fixture
def data(cifar, monkeypatch):
    monkeypatch.setattr(dataset, "require_data", lambda: cifar)
    return cifar


def render(index=0, upload=None, weights="random", epoch=1, layer=None, trained=None, arch=None):
    return network_tab.render_network(index, upload, weights, epoch, layer, trained, arch)


def pictures(flow: str) -> list[np.ndarray]:
    """The inline PNGs of the flow, top to bottom."""
    return [np.asarray(Image.open(io.BytesIO(base64.b64decode(b))).convert("RGB"))
            for b in re.findall(r'src="data:image/png;base64,([^"]+)"', flow)]


def names(flow: str) -> list[str]:
    return re.findall(r"<b>(\w+)</b> = ", flow)


def test_every_layer_is_pictured_as_torch_computes_it(data):
    view = render(index=7, arch=SPEC)
    flow, figure, summary, status = view.flow, view.probs_plot, view.summary, view.status
    model = network_tab.random_model(SPEC)
    x, y = data.test_x[7], int(data.test_y[7])
    with torch.no_grad():   # torch as the reference: each named layer applied in turn
        outs = accumulate(model.children(), lambda h, layer: layer(h), initial=normalize(x.unsqueeze(0)))
        reference = list(zip([n for n, _ in model.named_children()], list(outs)[1:]))
    assert names(flow) == ["input"] + [name for name, _ in reference]
    assert len(pictures(flow)) == len(reference) + 1
    for (name, out), img in zip(reference, pictures(flow)[1:]):
        assert f"<code>{tuple(out.shape)}</code>" in flow.split(f"<b>{name}</b>")[1].split("<img")[0]
        assert np.array_equal(img, maps_picture(out))
    probs = reference[-1][1].softmax(dim=1)[0]
    assert list(figure) == list(data.classes) and list(figure.values()) == pytest.approx(probs.tolist())
    assert f"test image #7 ({data.classes[y]})" in status and data.classes[int(probs.argmax())] in status


@torch.no_grad()
def test_the_code_beside_each_layer_rebuilds_it_and_gives_the_shape_shown(data):
    flow = render(index=7, arch=SPEC).flow
    steps = re.findall(r"<b>(\w+)</b> = <code>(.*?)</code>.*?output <code>(.*?)</code>", flow, re.DOTALL)
    x = data.test_x[7]
    h = eval(html.unescape(steps[0][1]), {"normalize": normalize, "image": x[None]})  # the code the page shows
    assert steps[0][0] == "input" and str(tuple(h.shape)) == steps[0][2]
    model = network_tab.random_model(SPEC)
    for (name, call, shape), (real_name, layer) in zip(steps[1:], model.named_children(), strict=True):
        rebuilt = eval("nn." + html.unescape(call), {"nn": nn}).eval()
        rebuilt.load_state_dict(layer.state_dict())
        h = rebuilt(h)
        assert name == real_name and str(tuple(h.shape)) == shape
    assert torch.equal(h, model(normalize(x[None])))


def test_summary_table_matches_the_model(data):
    summary = render(arch=SPEC).summary
    model = build_model(SPEC)
    assert summary["headers"] == ["layer", "type", "output shape", "parameters", "multiply-adds"]
    rows, total = summary["data"][:-1], summary["data"][-1]
    assert [r[0] for r in rows] == [n for n, _ in model.named_children()]
    assert [r[3] for r in rows] == [sum(p.numel() for p in m.parameters()) for m in model.children()]
    assert total[3] == count_parameters(model)


def test_trained_model_is_shown_epoch_by_epoch(data):
    states = []
    for seed in (1, 2, 3):
        torch.manual_seed(seed)
        states.append(tutorial_cnn().state_dict())
    model = tutorial_cnn().eval()
    model.load_state_dict(states[-1])
    trained = TrainedModel(model, data.classes, "test model", states, {})
    x = normalize(data.test_x[3].unsqueeze(0))
    for epoch in (1, 3):
        view = render(index=3, weights="trained", epoch=epoch, layer="conv2", trained=trained)
        figure, status, strip, text = view.probs_plot, view.status, view.strip, view.strip_text
        reference = tutorial_cnn().eval()
        reference.load_state_dict(states[epoch - 1])
        assert list(figure.values()) == pytest.approx(reference(x).softmax(1)[0].tolist(), abs=1e-6)
        assert f"after epoch {epoch} of 3" in status
    assert len(pictures(strip)) == 1 and "`conv2` after epoch 1" in text and text.count("epoch ") == 4
    assert trained.model.state_dict()["fc2.bias"].equal(states[-1]["fc2.bias"])   # the visitor's model untouched


def test_trained_weights_without_a_trained_model_fall_back_to_random(data):
    view = render(weights="trained")
    status, strip = view.status, view.strip
    assert "no trained model yet" in status and strip == ""


def test_an_uploaded_image_flows_through_the_network(data, tmp_path):
    rng = np.random.default_rng(0)
    Image.fromarray(rng.integers(0, 255, (48, 64, 3), dtype=np.uint8)).save(tmp_path / "photo.png")
    view = render(upload={"path": str(tmp_path / "photo.png")})
    flow, status = view.flow, view.status
    x, _ = decode_image((tmp_path / "photo.png").read_bytes())
    assert "your image, resized to 32x32" in status
    assert np.array_equal(pictures(flow)[0], x.permute(1, 2, 0).numpy())


def test_a_network_that_does_not_end_in_ten_scores_is_refused(data):
    with pytest.raises(gr.Error, match=r"ends with shape \(1, 32, 16, 16\)"):
        render(arch=tutorial_spec()[:3])


@pytest.mark.parametrize("kwargs, words", [
    ({"weights": "sideways"}, "Weights must be one of"),
    ({"index": -1}, "between 0 and"),
    ({"index": 10**9}, "between 0 and"),
    ({"index": "abc"}, "whole number"),
    ({"index": 2.5}, "whole number"),
    ({"arch": [{"type": "Transformer"}]}, "unknown layer type"),
    ({"arch": []}, "empty"),
    ({"arch": [{"type": "Linear", "in_features": 10**6, "out_features": 10**6}]}, "limit for one Linear"),
])
def test_bad_input_gets_one_clear_message(data, kwargs, words):
    with pytest.raises(gr.Error, match=words):
        render(**kwargs)


def test_bad_uploads_and_epochs_get_clear_messages(data, tmp_path):
    (tmp_path / "notes.png").write_text("not an image")
    with pytest.raises(gr.Error):
        render(upload={"path": str(tmp_path / "notes.png")})
    with pytest.raises(gr.Error, match="must be an uploaded file"):
        render(upload={"path": str(tmp_path / "missing.png")})
    trained = TrainedModel(tutorial_cnn().eval(), data.classes, "m", [tutorial_cnn().state_dict()] * 2, {})
    with pytest.raises(gr.Error, match="Epoch must be between 1 and 2"):
        render(weights="trained", epoch=5, trained=trained)


def test_maps_picture_puts_each_channel_in_its_tile_on_one_colour_scale():
    out = torch.arange(5.0).sub(2).view(1, 5, 1, 1).expand(1, 5, 2, 2)      # channel k is the constant k - 2
    img = maps_picture(out)
    assert img.shape == (1 + 2 + 1, 5 * (2 + 1) + 1, 3)                   # gap, map, gap; 5 maps in a row
    for k in range(5):
        top, left = 1, 1 + 3 * k                                           # 1-pixel gaps, then the tile
        expected = DIVERGING[round(((k - 2) / 2 + 1) * 127.5)]
        assert (img[top:top + 2, left:left + 2] == expected).all()
    assert (img[0, 0] == GAP).all()
    assert (DIVERGING[0] == [0, 114, 178]).all() and (DIVERGING[-1] == [213, 94, 0]).all()
