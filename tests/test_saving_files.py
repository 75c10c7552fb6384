"""Saving and loading: state_dicts round-trip, whole-model pickles are refused and their payload never runs."""
import os
import pickle

import gradio as gr
import pytest
import torch

from nets.builder.spec import build_model
from nets.models import tutorial_spec
from nets.models import tutorial_cnn
from nets.saving import pickle_globals, save_safetensors, save_state_dict, whole_model_bytes
from nets.train.checkpoint import load_checkpoint, load_weights
from nets.weights import WeightsError, fit_weights, read_weights
from ui import saving_tab


class Payload:
    """A pickle that, if ever unpickled, creates a file: proof that code ran."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (os.mkdir, (self.marker,))


def same_outputs(a, b) -> bool:
    x = torch.randn(3, 3, 32, 32)
    return torch.equal(a.eval()(x), b.eval()(x))


def test_state_dict_round_trips_through_pth(tmp_path):
    model = tutorial_cnn()
    path = save_state_dict(model, tmp_path / "m.pth")
    assert torch.load(path, weights_only=True).keys() == model.state_dict().keys()  # torch itself can read it
    ckpt = load_checkpoint(path)
    fresh = load_weights(ckpt, tutorial_cnn())
    assert ckpt.arch is None and same_outputs(model, fresh)


def test_safetensors_round_trip_keeps_the_layer_list(tmp_path):
    spec = tutorial_spec()[:6] + [{"type": "ReLU"}] + tutorial_spec()[6:]
    model = build_model(spec)
    ckpt = load_checkpoint(save_safetensors(model, tmp_path / "m.safetensors", spec))
    fresh = load_weights(ckpt, build_model(ckpt.arch))
    assert ckpt.arch == spec and same_outputs(model, fresh)


def test_whole_model_pickle_is_refused_with_the_reason(tmp_path):
    path = tmp_path / "vgg16_method1.pth"
    torch.save(tutorial_cnn(), path)                      # the tutorial's method 1
    with pytest.raises(WeightsError, match="pickled Python object.*torch.nn.modules.container.Sequential"):
        read_weights(path)


@pytest.mark.parametrize("how", ["torch.save", "pickle.dumps"])
def test_malicious_pickle_payload_never_runs(tmp_path, how):
    marker = tmp_path / "payload-ran"
    path = tmp_path / "weights.pth"
    evil = {"conv1.weight": torch.zeros(1), "x": Payload(marker)}
    if how == "torch.save":
        torch.save(evil, path)
    else:
        path.write_bytes(pickle.dumps(evil))
    assert not marker.exists()
    with pytest.raises(gr.Error, match=f"import {os.mkdir.__module__}.mkdir.*would run code"):
        saving_tab.upload_weights({"path": str(path)}, None)
    assert not marker.exists()
    control = tmp_path / "control"            # the payload does run when fully unpickled: the test is real
    pickle.loads(pickle.dumps(Payload(control)))
    assert control.exists()


def test_pickle_globals_name_what_method_1_imports():
    names = pickle_globals(whole_model_bytes(tutorial_cnn()))
    assert "torch.nn.modules.container.Sequential" in names and "torch.nn.modules.conv.Conv2d" in names
    assert f"{os.mkdir.__module__}.mkdir" in pickle_globals(pickle.dumps(Payload("x")))   # posix.mkdir


def test_state_dict_inside_a_checkpoint_is_found(tmp_path):
    model = tutorial_cnn()
    torch.save({"epoch": 3, "model_state_dict": model.state_dict()}, tmp_path / "ckpt.pt")
    state = read_weights(tmp_path / "ckpt.pt").tensors
    assert all(torch.equal(state[k], v) for k, v in model.state_dict().items()) and len(state) == 10


@pytest.mark.parametrize("content, words", [
    (b"not a checkpoint at all" * 10, "junk.pth is not a readable weights file"),
    (b"", "junk.pth is not a readable weights file"),
    (b"PK\x03\x04" + bytes(40), "junk.pth is not a readable weights file"),
])
def test_junk_files_are_refused(tmp_path, content, words):
    (tmp_path / "junk.pth").write_bytes(content)
    with pytest.raises(WeightsError, match=words):
        read_weights(tmp_path / "junk.pth")


def test_tensors_that_hold_no_state_dict_are_refused(tmp_path):
    torch.save([torch.zeros(2)], tmp_path / "list.pth")
    with pytest.raises(WeightsError, match="holds no state_dict"):
        read_weights(tmp_path / "list.pth")


def test_too_large_uploads_are_refused_before_reading(tmp_path, monkeypatch):
    monkeypatch.setattr("nets.limits.MAX_UPLOAD_BYTES", 100_000)
    save_state_dict(tutorial_cnn(), tmp_path / "m.pth")
    with pytest.raises(WeightsError, match=r"m.pth is 0.\d MB; weights files up to 0.1 MB are allowed"):
        read_weights(tmp_path / "m.pth")


def test_mismatched_weights_name_the_keys_and_shapes():
    state = tutorial_cnn().state_dict()
    state["fc1.weight"] = torch.zeros(64, 2048)
    with pytest.raises(WeightsError, match=r"m.pth: fc1.weight has shape \(64, 2048\) in the file but \(64, 1024\)"):
        fit_weights(state, tutorial_cnn(), "m.pth")
    del state["fc2.bias"]
    with pytest.raises(WeightsError, match="m.pth is for a different network: it lacks fc2.bias and has nothing"):
        fit_weights(state, tutorial_cnn(), "m.pth")


def test_upload_handler_makes_the_visitors_model(tmp_path):
    spec = tutorial_spec()[:6] + [{"type": "Dropout", "p": 0.2}] + tutorial_spec()[6:]
    path, _ = saving_tab.download_weights("state_dict (.pth)", None, spec)   # built network, random weights
    out = saving_tab.upload_weights({"path": path}, spec)
    loaded, arch, status = out.model_state, out.arch_state, out.upload_status
    assert arch[6]["type"] == "Dropout" and "Loaded" in status and len(loaded.epoch_states) == 1
    model = build_model(spec)
    model.load_state_dict(torch.load(path, weights_only=True))   # torch itself as the reference
    assert same_outputs(model, loaded.model)


def test_download_safetensors_then_upload_restores_the_architecture():
    spec = tutorial_spec()[:6] + [{"type": "BatchNorm2d", "num_features": 64}] + tutorial_spec()[6:]
    path, _ = saving_tab.download_weights("safetensors", None, spec)
    out = saving_tab.upload_weights({"path": path}, None)   # the tutorial's network is current: the file's spec
    loaded, arch = out.model_state, out.arch_state
    assert [d["type"] for d in arch] == [d["type"] for d in spec]
    reference = load_weights(load_checkpoint(path), build_model(spec))
    assert same_outputs(reference, loaded.model)
