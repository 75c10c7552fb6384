"""The same few training steps on every device this machine has (the CPU here and in CI; CUDA when
a GPU is present), checked against the CPU as the reference."""
import pytest
import torch

from nets.data.cifar import normalize
from nets.train.config import TrainConfig
from nets.train.device import BF16_ENV, bf16_is_fast_on_cpu, use_bf16
from nets.train.engine import cpu_model, pick, seeded_model, train

DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
TINY = dict(train_images=2048, test_images=1000, batch_size=128, epochs=2, log_every=4, seed=3)


@pytest.mark.arithmetic   # against torch under the engine's arithmetic: .ci/run runs it under both
@pytest.mark.parametrize("device", DEVICES)
def test_a_few_epochs_learn_on_each_device(cifar, device):
    model = seeded_model(3)
    events = list(train(TrainConfig(device=device, **TINY), cifar, model))
    start = next(ev for ev in events if ev["event"] == "start")
    epochs = [ev for ev in events if ev["event"] == "epoch"]
    assert (start["device"].lower().startswith("cpu")) == (device == "cpu")
    assert epochs[-1]["train_loss"] < epochs[0]["train_loss"] and epochs[-1]["test_acc"] > 0.15
    # the model handed to the other tabs is on the CPU and agrees with what was evaluated
    net = cpu_model(model)
    keep = pick(len(cifar.test_y), TINY["test_images"], 0)   # the engine's own test subset
    with torch.inference_mode():
        acc = (net(normalize(cifar.test_x[keep])).argmax(1) == cifar.test_y[keep]).float().mean().item()
    assert next(net.parameters()).device.type == "cpu"
    assert abs(acc - epochs[-1]["test_acc"]) < 0.05   # bf16 on the device vs float32 here


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU (runs on the device machine)")
def test_gpu_keeps_the_dataset_on_the_gpu(cifar):
    torch.cuda.reset_peak_memory_stats()
    list(train(TrainConfig(device="cuda", **{**TINY, "train_images": 0, "epochs": 1, "max_steps": 2}), cifar))
    assert torch.cuda.max_memory_allocated() >= cifar.train_x.numel()   # the uint8 images went over once


@pytest.mark.arithmetic   # against torch under the engine's arithmetic: .ci/run runs it under both
@pytest.mark.parametrize("value, expected", [("0", False), ("1", True), ("auto", bf16_is_fast_on_cpu()),
                                             ("", bf16_is_fast_on_cpu())])
def test_layerlab_bf16_picks_the_cpu_arithmetic(monkeypatch, value, expected):
    monkeypatch.setenv(BF16_ENV, value)
    assert use_bf16(torch.device("cpu")) is expected


def test_an_unknown_layerlab_bf16_names_the_allowed_values(monkeypatch):
    monkeypatch.setenv(BF16_ENV, "yes")
    with pytest.raises(ValueError, match="LAYERLAB_BF16 must be one of auto, 0, 1, got 'yes'"):
        use_bf16(torch.device("cpu"))
