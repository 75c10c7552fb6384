"""Checkpoints: exact round trips and resumes, and every kind of bad file refused without running it."""
import os
import pickle

import pytest
import torch
from safetensors.torch import save_file

from nets.train.checkpoint import load_checkpoint, load_weights, save_checkpoint
from nets.data.cifar import normalize
from nets.models import TutorialNet, tutorial_cnn
from nets.train.engine import TrainConfig, cpu_model, seeded_model, train
from nets.weights import WeightsError

TINY = dict(device="cpu", train_images=640, test_images=500, batch_size=64, log_every=5, threads=1)


def run(cfg, data, model, resume=None):
    """(step losses, last epoch event) of a run."""
    losses, last = [], None
    for ev in train(cfg, data, model, resume):
        if ev["event"] == "step":
            losses += ev["losses"]
        elif ev["event"] == "epoch":
            last = ev
    return losses, last


def test_round_trip_gives_identical_outputs(cifar, tmp_path):
    cfg = TrainConfig(**TINY, epochs=1)
    model = seeded_model(0)
    _, last = run(cfg, cifar, model)
    net = cpu_model(model)
    path = save_checkpoint(tmp_path / "run.safetensors", net.state_dict(), config=cfg.to_dict(), metrics=last,
                           classes=cifar.classes, epoch=1, optimizer_state=last["optimizer_state"])
    ckpt = load_checkpoint(path)
    loaded = load_weights(ckpt, tutorial_cnn()).eval()
    x = normalize(cifar.test_x[:16])
    with torch.inference_mode():
        assert torch.equal(loaded(x), net(x))
    assert ckpt.config == cfg.to_dict() and ckpt.classes == cifar.classes and ckpt.epoch == 1
    assert ckpt.metrics["test_acc"] == last["test_acc"] and "state_dict" not in ckpt.metrics


def test_resume_continues_exactly_where_the_run_stopped(cifar, tmp_path):
    cfg = TrainConfig(**TINY, epochs=2)
    straight, _ = run(cfg, cifar, seeded_model(0))
    model = seeded_model(0)
    first, last = [], None
    for ev in train(cfg, cifar, model):
        if ev["event"] == "step":
            first += ev["losses"]
        if ev["event"] == "epoch":   # stop after epoch 1 and save, as the CLI does
            last = ev
            break
    path = save_checkpoint(tmp_path / "e1.safetensors", last["state_dict"], config=cfg.to_dict(), epoch=1,
                           optimizer_state=last["optimizer_state"])
    rest, _ = run(cfg, cifar, seeded_model(123), resume=load_checkpoint(path))
    assert first + rest == straight


def test_the_tutorials_own_state_dict_files_load(tmp_path):
    net = TutorialNet()   # the tutorial's class: weights saved as model1.conv1.weight, ...
    torch.save(net.state_dict(), tmp_path / "method2.pth")
    unnamed = torch.nn.Sequential(*tutorial_cnn().children())   # keys 0.weight, 2.weight, ...
    torch.save(unnamed.state_dict(), tmp_path / "unnamed.pth")
    x = torch.randn(2, 3, 32, 32)
    for path, reference in ((tmp_path / "method2.pth", net), (tmp_path / "unnamed.pth", unnamed)):
        model = load_weights(load_checkpoint(path), tutorial_cnn())
        assert torch.equal(model(x), reference(x))


class WritesAFile:
    """A pickle payload: unpickling it would call os.system and create a file."""

    def __init__(self, target):
        self.target = target

    def __reduce__(self):
        return os.system, (f"touch {self.target}",)


def test_a_pickle_with_code_is_refused_and_never_run(tmp_path):
    target = tmp_path / "pwned"
    with open(tmp_path / "raw.pth", "wb") as f:
        pickle.dump({"conv1.weight": WritesAFile(target)}, f)
    torch.save({"state_dict": WritesAFile(target)}, tmp_path / "zipped.pth")
    for name in ("raw.pth", "zipped.pth"):
        with pytest.raises(WeightsError, match="run code"):
            load_checkpoint(tmp_path / name)
    assert not target.exists()
    # The payload is real: plain pickle would have created the file.
    pickle.loads(pickle.dumps(WritesAFile(target)))
    assert target.exists()


def test_a_whole_pickled_model_is_refused(tmp_path):
    torch.save(tutorial_cnn(), tmp_path / "method1.pth")   # the tutorial's method 1
    with pytest.raises(WeightsError, match="state_dict"):
        load_checkpoint(tmp_path / "method1.pth")


@pytest.mark.parametrize("content", [b"\x89PNG\r\n\x1a\n" + bytes(100), b"hello, not weights", b""])
def test_files_that_are_not_checkpoints_are_refused(tmp_path, content):
    path = tmp_path / "x.safetensors"
    path.write_bytes(content)
    with pytest.raises(WeightsError, match="not a"):
        load_checkpoint(path)


def test_a_truncated_safetensors_file_is_refused(tmp_path):
    path = save_checkpoint(tmp_path / "ok.safetensors", tutorial_cnn().state_dict())
    path.write_bytes(path.read_bytes()[:5000])
    with pytest.raises(WeightsError, match="not a valid safetensors"):
        load_checkpoint(path)


def test_wrong_architecture_and_wrong_shapes_are_refused(tmp_path):
    torch.save(torch.nn.Linear(3, 4).state_dict(), tmp_path / "linear.pth")
    with pytest.raises(WeightsError, match="different network"):
        load_weights(load_checkpoint(tmp_path / "linear.pth"), tutorial_cnn())
    path = save_checkpoint(tmp_path / "five.safetensors", tutorial_cnn(num_classes=5).state_dict())
    with pytest.raises(WeightsError, match=r"fc2\.\w+ has shape"):
        load_weights(load_checkpoint(path), tutorial_cnn())


def test_nan_weights_are_refused(tmp_path):
    state = tutorial_cnn().state_dict()
    state["fc1.weight"][0, 0] = float("nan")
    save_file({k: v.contiguous() for k, v in state.items()}, str(tmp_path / "nan.safetensors"))
    with pytest.raises(WeightsError, match="NaN"):
        load_weights(load_checkpoint(tmp_path / "nan.safetensors"), tutorial_cnn())
