"""The learner's own nn.Module through the real server (`python app.py --model FILE`): the Network view equals what
forward hooks capture in plain torch, their class trains, and a mistake stops the start with its sentence."""
import json
import os
import re
import subprocess
import sys

import numpy as np
import pytest
import torch

from nets.data.cifar import normalize
from nets.explorer.view import pick_batch
from nets.train.checkpoint import load_checkpoint
from tests.conftest import ROOT, TINY_TRAINING, start_app, stop_app
from tests.test_network_view import pictures
from tests.test_own_model import MODELS, NETWORKS, flow_names, hooked_outputs, learner_network
from visual.network import maps_picture


# Through the server: the notes' Module, the residual network, resnet18 and the constructor that takes a keyword
# (its refusal without a default is below); each server start costs tens of seconds, so the longer checks run on
# the residual network only.
SERVED = ("notes", "residual", "resnet18", "keyword")


@pytest.fixture(scope="module", params=SERVED)
def own_app(request, cifar, cifar_archive, cache_dir, tmp_path_factory):
    """`python app.py --model FILE` for each learner network, one server at a time."""
    from gradio_client import Client
    file, name = NETWORKS[request.param]
    log = tmp_path_factory.mktemp("own") / "app.log"
    env = dict(os.environ, LAYERLAB_CACHE=str(cache_dir), LAYERLAB_TEST_LOG=str(log), PYTHONUNBUFFERED="1")
    proc, url = start_app(["--data", str(cifar_archive), "--model", str(MODELS / file)], env, timeout=180)
    try:
        client = Client(url, verbose=False)
        client.predict("test", "all", 1, 0, api_name="/browse_data")   # waits for the dataset
        yield request.param, client, url
    finally:
        stop_app(proc)


def test_network_view_shows_what_forward_hooks_capture(own_app, cifar):
    key, client, _ = own_app
    flow, probs, summary, status, _, _ = client.predict(3, None, "random", 1, None, api_name="/network_view")
    file, name = NETWORKS[key]
    model = learner_network(file, name)
    reference = hooked_outputs(model, normalize(cifar.test_x[3][None]))
    leaves = {n for n, m in model.named_modules() if n and not list(m.children())}
    shown = [(n, p) for n, p in zip(flow_names(flow), pictures(flow), strict=True) if n.split(" (")[0] in leaves]
    assert [n.split(" (")[0] for n, _ in shown] == [n for n, _ in reference[:-1]]
    for (_, picture), (_, out) in zip(shown, reference[:-1], strict=True):
        assert np.array_equal(picture, maps_picture(out))
    expected = reference[-1][1].softmax(1)[0]
    assert probs["label"] == cifar.classes[int(expected.argmax())]
    got = {c["label"]: c["confidence"] for c in probs["confidences"]}
    assert got == pytest.approx({c: float(p) for c, p in zip(cifar.classes, expected)}, abs=1e-5)
    assert name in status and summary["data"][-1][0] == "total"
    assert summary["data"][-1][3] == sum(p.numel() for p in model.parameters())
    banner = [c["props"] for c in client.config["components"] if c.get("props", {}).get("elem_id") == "own-network"]
    assert banner and name in str(banner[0]["value"])   # the page says whose network it shows


def test_skip_connection_and_flatten_show_where_they_happen(own_app):
    key, client, _ = own_app
    if key != "residual":
        pytest.skip("the residual network's forward has the + and the flatten")
    flow = client.predict(0, None, "random", 1, None, api_name="/network_view")[0]
    names = flow_names(flow)
    # block1.relu is called twice; before its second call forward adds the block's input back (the skip
    # connection), and before fc it flattens: both show as the input that arrives, between the modules.
    assert names.index("block1.relu (2)") == names.index("→ block1.relu (2)") + 1
    assert names.index("fc") == names.index("→ fc") + 1 and "block1" in names
    assert "(1, 1024)" in flow.split("→ fc")[1].split("</div>")[1]
    # The explorer on one named layer: the batch as it arrives there, and the code that catches it with a hook.
    pictures_html, numbers, code, *_ = client.predict("block1.conv2", 4, 1, 0, 0, api_name="/explore_own_layer")
    assert "what arrives at block1.conv2: (4, 16, 32, 32)" in pictures_html and "H_out" in numbers
    assert "model.get_submodule('block1.conv2')" in code and "from residual import ResNet" in code


def test_explore_own_layer_slides_the_learners_kernel_over_what_arrives(own_app, cifar):
    key, client, _ = own_app
    if key != "residual":
        pytest.skip("one layer, on the network with a forward of its own")
    # Channel 5, step 100 (output row 3, column 4): the Layer explorer's window, histogram and kernel, drawn from
    # the batch as it arrives at block1.conv2 and the learner's own weights.
    *_, hist, kernel, slide, said = client.predict("block1.conv2", 4, 1, 5, 100, api_name="/explore_own_layer")
    model = learner_network("residual.py", "ResNet")
    x = normalize(pick_batch(cifar.test_x, cifar.test_y, None, 4, 0)[0])
    with torch.no_grad():
        arrived = model.block1.relu(model.block1.conv1(model.stem(x)))
        expected = float(torch.nn.functional.conv2d(arrived[1:2], model.block1.conv2.weight,
                                                    model.block1.conv2.bias, padding=1)[0, 5, 3, 4])
    assert "output row 3, column 4 (channel 5)" in said and "✓" in said
    assert float(re.search(r"torch computed (-?[\d.]+)", said).group(1)) == pytest.approx(expected, abs=1e-4)
    slide, hist, kernel = (json.loads(f["plot"]) for f in (slide, hist, kernel))
    out = slide["data"][1]
    assert out["z"][3 - out["y"][0]][4 - out["x"][0]] == pytest.approx(expected, abs=6e-4)
    assert sum(hist["data"][0]["y"]) == arrived.numel()
    assert np.allclose(kernel["data"][0]["z"], model.block1.conv2.weight[5, 0].detach().numpy(), atol=6e-4)
    # On the ReLU: no window, and the sentence says which layers have one.
    said = client.predict("block1.relu", 4, 1, 0, 0, api_name="/explore_own_layer")[-1]
    assert said == "The sliding window belongs to Conv2d and pooling layers."
    with pytest.raises(Exception, match="Step"):   # refused by its label, not a traceback
        client.predict("block1.conv2", 4, 1, 0, -1, api_name="/explore_own_layer")


def test_training_their_class_changes_the_weights_and_measures_accuracy(own_app, cifar):
    key, client, _ = own_app
    if key != "residual":
        pytest.skip("one short run, on the network with a forward of its own")
    settings = dict(TINY_TRAINING, lr=0.002, momentum=0.9, weight_decay=5e-4, schedule="constant", augment=False,
                    seed=1, device="cpu", from_current=False, train_images=640, test_images=200, max_steps=0)
    order = ("optimizer", "lr", "momentum", "weight_decay", "batch_size", "epochs", "schedule", "augment", "seed",
             "device", "train_images", "test_images", "max_steps", "from_current")
    final = client.predict(*[settings[k] for k in order], api_name="/train")
    assert "test accuracy" in final[0]
    ckpt = load_checkpoint(final[-1])
    start = learner_network("residual.py", "ResNet", seed=1).state_dict()   # the run's start: seed 1
    assert set(ckpt.state_dict) == set(start)
    assert all(not torch.equal(ckpt.state_dict[k], start[k]) for k in start)   # every layer learned
    assert 0 <= ckpt.metrics["test_acc"] <= 1 and len(ckpt.classes) == 10
    trained = learner_network("residual.py", "ResNet")
    trained.load_state_dict(ckpt.state_dict)   # the download loads into the learner's own class


def test_app_py_refuses_to_start_with_the_sentence_in_the_terminals_language():
    # Every mistake's sentence is checked in both languages in tests/test_own_model.py; here, that app.py says it.
    done = subprocess.run([sys.executable, "app.py", "--model", str(MODELS / "keyword_net.py:NeedsWidth")], cwd=ROOT,
                          env=dict(os.environ, LANG="zh_CN.UTF-8"), capture_output=True, text=True, timeout=300)
    assert done.returncode != 0 and "`NeedsWidth()` 需要参数 width" in done.stderr
    assert "LayerLab 无法用这个网络启动" in done.stderr and "Traceback" not in done.stderr




def test_the_builder_starts_from_their_sequential_or_shows_their_structure(own_app):
    key, client, _ = own_app
    notes = [c["props"] for c in client.config["components"] if c.get("props", {}).get("elem_id") == "own-builder"]
    table = client.predict(api_name="/builder_reset")[0]
    layers = [row[2] for row in table["data"]]
    if key == "notes":   # the notes' model1, layer by layer
        assert layers == ["Conv2d", "MaxPool2d", "Conv2d", "MaxPool2d", "Conv2d", "MaxPool2d", "Flatten", "Linear",
                          "Linear"] and "model1" in str(notes[0]["value"])
    else:   # no Sequential the Builder can edit: their structure, read-only
        structure = [c["props"] for c in client.config["components"]
                     if c.get("props", {}).get("elem_id") == "own-structure"]
        kind = {"residual": "ResNet(", "resnet18": "ResNet(", "keyword": "Wide("}[key]
        assert notes and str(structure[0]["value"]).startswith(kind) and not structure[0].get("interactive")
