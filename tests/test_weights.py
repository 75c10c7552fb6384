"""Every upload path (Save & load, the Training tab, --resume) refuses and accepts the same files, with one message."""
import io
import os
import pickle
import zipfile
from dataclasses import replace

import gradio as gr
import pytest
import torch
from safetensors.torch import save_file

from nets.models import TutorialNet, tutorial_cnn
from nets.train.checkpoint import load_checkpoint, load_weights
from nets.weights import WeightsError, read_weights
from ui.common import dataset
from ui import saving_tab
from ui.training.model import load_uploaded

MB = 2**20


class RunsCode:
    """A pickle payload: unpickling it would call os.mkdir."""

    def __init__(self, target):
        self.target = str(target)

    def __reduce__(self):
        return os.mkdir, (self.target,)


def refusal(upload, path) -> str:
    """The message an upload handler answers a refused file with."""
    with pytest.raises(gr.Error) as refused:
        upload({"path": str(path)}, None)   # as Gradio sends an upload
    return refused.value.message


def refusals(path) -> tuple[str, str, str]:
    """The messages of Save & load, the Training tab and the loader under --resume, for one file."""
    with pytest.raises(WeightsError) as refused:
        load_weights(load_checkpoint(path), tutorial_cnn())
    return refusal(saving_tab.upload_weights, path), refusal(load_uploaded, path), str(refused.value)


def torch_bytes(state: dict) -> bytes:
    buffer = io.BytesIO()
    torch.save(state, buffer)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def bomb(tmp_path_factory):
    """A 300 MB entry of zeros, deflated into a file of about 300 KB."""
    path = tmp_path_factory.mktemp("bomb") / "bomb.pth"
    with zipfile.ZipFile(io.BytesIO(torch_bytes(tutorial_cnn().state_dict()))) as source, zipfile.ZipFile(path, "w") as out:
        for info in source.infolist():
            out.writestr(info, source.read(info))
        info = zipfile.ZipInfo("archive/data/bomb")
        info.compress_type = zipfile.ZIP_DEFLATED
        with out.open(info, "w", force_zip64=True) as entry:
            for _ in range(300):
                entry.write(bytes(MB))
    return path


@pytest.fixture
def loaded(cifar, monkeypatch):
    """The real dataset for the Training tab's handler, cut to 500 test images: it scores every upload on them."""
    small = replace(cifar, test_x=cifar.test_x[:500], test_y=cifar.test_y[:500])
    monkeypatch.setattr(dataset, "require_data", lambda: small)
    return small


def test_a_zip_bomb_is_refused_from_its_directory_without_unpacking(bomb, monkeypatch):
    monkeypatch.setattr("nets.limits.MAX_UNPACKED_BYTES", 100 * MB)

    def never(*args, **kwargs):
        raise AssertionError("torch.load was called on a zip bomb")

    monkeypatch.setattr(torch, "load", never)
    assert bomb.stat().st_size < 2 * MB
    expected = "bomb.pth was refused: its zip entry archive/data/bomb would unpack to 300.0 MB; entries up to 100.0 MB"
    assert all(m.startswith(expected) for m in refusals(bomb))


def test_zip_entries_are_limited_in_total_and_in_number(tmp_path, monkeypatch):
    path = tmp_path / "many.pth"
    torch.save({f"w{i}": torch.zeros(MB // 16) for i in range(4)}, path)   # four entries of 256 KB
    monkeypatch.setattr("nets.limits.MAX_UNPACKED_BYTES", MB // 2)
    with pytest.raises(WeightsError, match=r"many.pth was refused: its zip entries would unpack to 1.0 MB in all"):
        read_weights(path)
    monkeypatch.setattr("nets.limits.MAX_ENTRIES", 5)
    with pytest.raises(WeightsError, match=r"many.pth holds \d+ entries; weights files with up to 5 are allowed"):
        read_weights(path)


def test_the_pickle_part_is_limited_before_it_is_unpickled(tmp_path, monkeypatch):
    torch.save(tutorial_cnn().state_dict(), tmp_path / "zip.pth")
    torch.save(tutorial_cnn().state_dict(), tmp_path / "old.pth", _use_new_zipfile_serialization=False)
    monkeypatch.setattr(torch, "load", None)   # refused before torch.load is reached
    monkeypatch.setattr("nets.limits.MAX_PICKLE_BYTES", 100)
    for name in ("zip.pth", "old.pth"):
        with pytest.raises(WeightsError, match=rf"{name} was refused: its pickle part is \d+.\d MB; up to 0.0 MB"):
            read_weights(tmp_path / name)


def test_nan_weights_are_refused_on_every_path(tmp_path):
    state = tutorial_cnn().state_dict()
    state["fc1.weight"][3, 4] = float("nan")
    save_file(state, str(tmp_path / "nan.safetensors"))
    state["fc1.weight"][3, 4] = float("inf")
    torch.save(state, tmp_path / "inf.pth")
    for name in ("nan.safetensors", "inf.pth"):
        messages = refusals(tmp_path / name)
        assert set(messages) == {(f"{name}: fc1.weight holds NaN or infinite values; only finite weights load "
                                  "(the run that saved it had diverged).")}


def test_a_pickle_with_code_is_refused_with_one_message_and_never_runs(tmp_path):
    marker = tmp_path / "code-ran"
    (tmp_path / "raw.pth").write_bytes(pickle.dumps({"conv1.weight": RunsCode(marker)}))
    torch.save({"state_dict": RunsCode(marker)}, tmp_path / "zipped.pt")
    for name in ("raw.pth", "zipped.pt"):
        messages = refusals(tmp_path / name)
        assert len(set(messages)) == 1
        assert messages[0].startswith(f"{name} is a pickled Python object, not a state_dict (it asks to import "
                                      f"{os.mkdir.__module__}.mkdir): loading it would run code from the file")
    assert not marker.exists()


@pytest.mark.parametrize("content, what", [
    (pickle.dumps({"conv1.weight": RunsCode("x")}), "a Python pickle"),
    (torch_bytes(tutorial_cnn().state_dict()), "a zip archive"),
    (b"\xff" * 100, "something else"),
])
def test_a_file_named_safetensors_must_be_one(tmp_path, content, what):
    path = tmp_path / "weights.safetensors"
    path.write_bytes(content)
    messages = refusals(path)
    assert set(messages) == {messages[0]} and messages[0].startswith(
        f"weights.safetensors is not a safetensors file: its content is {what}")


def test_a_safetensors_header_of_any_length_is_read_as_safetensors(tmp_path):
    """A header of 384 bytes starts the file with 0x80, a pickle's first byte: it is still safetensors."""
    weights = tutorial_cnn().state_dict()
    for padding in range(256):
        path = tmp_path / "layerlab.safetensors"
        save_file(weights, str(path), metadata={"note": "x" * padding})
        if path.read_bytes()[0] == 0x80:
            break
    else:
        pytest.fail("no metadata length gave a header whose first byte is 0x80")
    loaded = load_checkpoint(path)
    assert all(torch.equal(loaded.state_dict[k], v) for k, v in weights.items())


def test_tutorial_net_files_load_on_every_path(tmp_path, loaded):
    net = TutorialNet()   # keys model1.conv1.weight, ...
    save_file({k: v.contiguous() for k, v in net.state_dict().items()}, str(tmp_path / "tutorial.safetensors"))
    torch.save(net.state_dict(), tmp_path / "tutorial.pth")
    for path in (tmp_path / "tutorial.safetensors", tmp_path / "tutorial.pth"):
        from_saving = saving_tab.upload_weights({"path": str(path)}, None)[0].model
        from_training = load_uploaded({"path": str(path)}, None)[-2].model
        from_resume = load_weights(load_checkpoint(path), tutorial_cnn())
        for model in (from_saving, from_training, from_resume):
            state = model.state_dict()
            assert all(torch.equal(state[k], v) for k, v in net.model1.state_dict().items())


def test_a_shape_mismatch_names_the_key_and_both_shapes(tmp_path):
    torch.save(tutorial_cnn(num_classes=5).state_dict(), tmp_path / "five.pth")
    expected = "five.pth: fc2.weight has shape (5, 64) in the file but (10, 64) in this network"
    saving, training, resume = refusals(tmp_path / "five.pth")
    assert expected in saving and training.startswith(expected) and resume.startswith(expected)


@pytest.mark.parametrize("dtype", [torch.complex64, torch.int32, torch.bool])
def test_only_the_dtypes_a_state_dict_holds_are_loaded(tmp_path, dtype):
    state = {**tutorial_cnn().state_dict(), "extra": torch.zeros(3, dtype=dtype)}
    torch.save(state, tmp_path / "odd.pth")
    with pytest.raises(WeightsError, match=f"odd.pth: extra holds {str(dtype)[6:]} values; weights must be float16"):
        read_weights(tmp_path / "odd.pth")
