"""The Network, Builder, Model zoo and Save & load endpoints on the real server, through gradio_client."""
import json
import os
from itertools import accumulate

import numpy as np
import pytest
import torch
from gradio_client import handle_file

from nets.models import tutorial_spec
from nets.data.cifar import normalize
from tests.test_network_view import names, pictures
from ui.network.tab import random_model
from visual.network import maps_picture


def healthy(client) -> bool:
    """The server still answers a good request (whatever network this client's session has built)."""
    flow, _, summary, *_ = client.predict(0, None, "random", 1, None, api_name="/network_view")
    return len(pictures(flow)) >= 2 and summary["data"][-1][0] == "total"


def reset_builder(client) -> None:
    """The client is shared by the test session: start from the tutorial's network."""
    client.predict(api_name="/builder_reset")


def test_network_view_serves_every_layer_of_one_image(client, cifar):
    reset_builder(client)
    flow, probs, summary, status, _, _ = client.predict(5, None, "random", 1, None, api_name="/network_view")
    model = random_model(None)
    with torch.no_grad():   # torch as the reference: each named layer applied in turn
        outs = accumulate(model.children(), lambda h, layer: layer(h), initial=normalize(cifar.test_x[5][None]))
        reference = list(zip([n for n, _ in model.named_children()], list(outs)[1:]))
    assert names(flow) == ["input"] + [name for name, _ in reference]
    for img, (_, out) in zip(pictures(flow)[1:], reference, strict=True):
        assert np.array_equal(img, maps_picture(out))
    expected = reference[-1][1].softmax(1)[0]
    assert probs["label"] == cifar.classes[int(expected.argmax())]
    assert [row[0] for row in summary["data"]][-1] == "total" and "test image #5" in status


@pytest.mark.parametrize("args", [
    (0, None, "sideways", 1, None),
    (10**9, None, "random", 1, None),
    (-3, None, "random", 1, None),
])
def test_network_view_refuses_bad_values_and_stays_up(client, args):
    with pytest.raises(Exception) as error:
        client.predict(*args, api_name="/network_view")
    assert "Traceback" not in str(error.value)
    assert healthy(client)


@pytest.mark.parametrize("layers, words", [
    ([], "empty"),
    ([{"type": "Transformer"}], "unknown layer type"),
    ([{"type": "Linear", "in_features": 100_000, "out_features": 10_000}], "limit for one Linear"),
    ([{"type": "Conv2d", "in_channels": 3, "out_channels": 10_000, "kernel_size": 3}], "between 1 and 1,024"),
    (tutorial_spec()[:7] + tutorial_spec()[8:], "mat1 and mat2 shapes cannot be multiplied"),
    ("not a list", "list of layers"),
])
def test_builder_api_refuses_bad_layer_lists_and_stays_up(client, layers, words):
    with pytest.raises(Exception, match=words):
        client.predict(json.dumps(layers), api_name="/builder_set_layers")
    assert healthy(client)


def test_builder_api_accepts_a_network_and_shows_its_code(client):
    layers = [{"type": "Flatten"}, {"type": "Linear", "in_features": 3072, "out_features": 10}]
    table, status, seq_code, module_code = client.predict(json.dumps(layers), api_name="/builder_set_layers")
    assert [row[1] for row in table["data"]] == ["flatten", "fc1"] and "The network runs" in status
    namespace = {}
    exec(seq_code, namespace)  # noqa: S102 - the code the server shows must run
    assert namespace["model"](torch.zeros(1, 3, 32, 32)).shape == (1, 10) and "self.model1" in module_code


def test_uploaded_whole_model_pickle_is_refused_and_never_run(client, tmp_path):
    marker = tmp_path / "payload-ran"

    class Payload:
        def __reduce__(self):
            return (os.mkdir, (str(marker),))

    torch.save({"fc.weight": torch.zeros(1), "x": Payload()}, tmp_path / "weights.pth")
    with pytest.raises(Exception, match="would run code"):
        client.predict(handle_file(str(tmp_path / "weights.pth")), api_name="/saving_upload")
    assert not marker.exists() and healthy(client)


def test_downloaded_state_dict_loads_with_weights_only(client):
    reset_builder(client)
    path, status = client.predict("state_dict (.pth)", api_name="/saving_download")
    state = torch.load(path, weights_only=True)
    assert list(state) == [f"{n}.{p}" for n in ("conv1", "conv2", "conv3", "fc1", "fc2") for p in ("weight", "bias")]
    upload_status = client.predict(handle_file(path), api_name="/saving_upload")
    assert "Loaded" in upload_status


def test_zoo_compares_vgg16_versions(client):
    out = client.predict("vgg16", api_name="/zoo_compare")
    assert "classifier[6] = nn.Linear(4096, 10)" in out[6] and "134,301,514 parameters" in out[7]
    with pytest.raises(Exception):
        client.predict("alexnet", api_name="/zoo_compare")
    assert healthy(client)


def test_the_last_epoch_or_layer_chosen_while_the_view_draws_is_drawn():
    """The page runs the last trigger that came while the network view was drawing: with Gradio's default
    for these triggers ("once") a second epoch release during the draw was dropped, and the view kept the
    epoch before while the slider showed the new one."""
    from app import demo
    view = next(fn for fn in demo.fns.values() if fn.api_name == "network_view")
    assert view.trigger_mode == "always_last"
