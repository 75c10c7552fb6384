"""Uploads whose cost is bounded before it is paid: a zip directory bigger than its end record admits, and
class names too long to send back in every answer."""
import struct
import zipfile

import pytest
import torch

from nets.models import tutorial_cnn
from nets.train.checkpoint import load_checkpoint, save_checkpoint
from nets.weights import WeightsError, read_weights


def lying_zip(path, entries: int, claimed: int):
    """A zip of `entries` tiny entries whose end record says it holds `claimed`."""
    with zipfile.ZipFile(path, "w") as archive:
        for i in range(entries):
            archive.writestr(f"archive/data/{i}", b"")
    data = bytearray(path.read_bytes())
    end = data.rindex(b"PK\x05\x06")
    struct.pack_into("<HH", data, end + 8, claimed, claimed)   # entries on this disk, entries in all
    path.write_bytes(bytes(data))
    return path


def test_a_zip_directory_bigger_than_its_end_record_claims_is_refused_unread(tmp_path):
    with pytest.raises(WeightsError) as refused:
        read_weights(lying_zip(tmp_path / "liar.pth", 5000, 3))
    assert refused.value.phrase.key == "weights.directory_too_big"
    assert "3 entries" in str(refused.value)


def test_an_honest_torch_file_still_loads(tmp_path):
    path = tmp_path / "tutorial.pth"
    torch.save(tutorial_cnn().state_dict(), path)
    assert len(read_weights(path).tensors) == 10


def test_class_names_are_length_checked(tmp_path):
    state = tutorial_cnn().state_dict()
    classes = [f"class {i}" for i in range(10)]
    assert load_checkpoint(save_checkpoint(tmp_path / "ok.safetensors", state, classes=classes)).classes == \
        tuple(classes)
    for bad in (["x" * 1_000_000] + classes[1:], [str(i) for i in range(1001)]):
        with pytest.raises(WeightsError) as refused:
            load_checkpoint(save_checkpoint(tmp_path / "bad.safetensors", state, classes=bad))
        assert refused.value.phrase.key == "weights.class_names"
        assert len(str(refused.value)) < 300
