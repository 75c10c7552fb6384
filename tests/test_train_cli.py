"""`python -m nets.train` as a user runs it: a tiny run with --tensorboard, checked through its outputs."""
import os
import subprocess
import sys

import pytest
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from nets.train.checkpoint import load_checkpoint, load_weights
from nets.train.cli import parse_args
from nets.train.engine import seeded_model
from tests.conftest import ROOT, TINY_TRAINING

FLAGS = {"train-images": TINY_TRAINING["train_images"], "test-images": TINY_TRAINING["test_images"],
         "batch-size": TINY_TRAINING["batch_size"], "epochs": 1, "device": "cpu", "threads": 1}


def test_the_cli_trains_saves_a_checkpoint_and_logs_to_tensorboard(cifar, cifar_archive, cache_dir, tmp_path):
    out, logdir = tmp_path / "tiny.safetensors", tmp_path / "runs"
    args = [f"--{k}={v}" for k, v in FLAGS.items()]
    env = dict(os.environ, LAYERLAB_CACHE=str(cache_dir))   # the decoded dataset the cifar fixture cached
    done = subprocess.run([sys.executable, "-m", "nets.train", *args, "--data", str(cifar_archive), "--out", str(out),
                           "--tensorboard", str(logdir)], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    assert "Final test accuracy:" in done.stdout and "after 1 epochs" in done.stdout
    ckpt = load_checkpoint(out)
    assert ckpt.epoch == 1 and ckpt.config["train_images"] == FLAGS["train-images"]
    load_weights(ckpt, seeded_model(0))   # the tutorial's CNN takes the saved weights
    events = EventAccumulator(str(logdir)).Reload()
    steps = FLAGS["train-images"] // FLAGS["batch-size"]
    assert [e.step for e in events.Scalars("train/loss")] == list(range(1, steps + 1))   # one loss per step
    assert [(e.step, e.value) for e in events.Scalars("test/acc")] == [(steps, pytest.approx(ckpt.metrics["test_acc"]))]
    assert events.Tags()["images"] == ["train images"]


def test_data_comes_from_the_flag_or_layerlab_data_never_the_test_variable(monkeypatch):
    monkeypatch.delenv("LAYERLAB_DATA", raising=False)
    monkeypatch.setenv("LAYERLAB_TEST_DATA", "/somewhere/cifar10.tar.gz")
    assert parse_args([]).data is None   # None: download into ./data
    monkeypatch.setenv("LAYERLAB_DATA", "/data/cifar10")
    assert parse_args([]).data == "/data/cifar10"
    assert parse_args(["--data", "x.tar.gz"]).data == "x.tar.gz"
