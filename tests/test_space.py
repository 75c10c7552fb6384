"""The repository is a valid Gradio Space, and the app honours what Spaces set."""
import copy
import importlib.machinery
import re
import sys
import types

import gradio
import torch
from huggingface_hub import SpaceCard
from packaging.requirements import Requirement

from tests.conftest import ROOT
from ui.common import hosting


def test_readme_front_matter_is_a_gradio_space():
    card = SpaceCard((ROOT / "README.md").read_text(encoding="utf-8"))
    meta = card.data.to_dict()
    assert meta["sdk"] == "gradio" and (ROOT / meta["app_file"]).is_file()
    assert meta["sdk_version"] == gradio.__version__
    assert re.fullmatch(r"3\.\d+", str(meta["python_version"]))
    assert 0 < len(meta["short_description"]) <= 60


def test_sdk_version_is_inside_the_requirements_range():
    line = next(line for line in (ROOT / "requirements.txt").read_text().splitlines() if line.startswith("gradio"))
    sdk_version = SpaceCard((ROOT / "README.md").read_text()).data.sdk_version
    assert Requirement(line.split("#")[0]).specifier.contains(sdk_version), (line, sdk_version)


def test_app_takes_host_and_port_from_spaces_environment(monkeypatch):
    import app
    monkeypatch.setenv("GRADIO_SERVER_NAME", "0.0.0.0")
    monkeypatch.setenv("GRADIO_SERVER_PORT", "7861")
    args = app.parse_args([])
    assert (args.host, args.port) == ("0.0.0.0", 7861)
    assert app.parse_args(["--port", "9000"]).port == 9000


def test_off_spaces_gpu_task_is_the_function_itself(monkeypatch):
    monkeypatch.delenv("SPACES_ZERO_GPU", raising=False)
    monkeypatch.delenv("SPACE_ID", raising=False)

    def train(epochs):
        yield epochs
    assert hosting.gpu_task(train, lambda epochs: 60) is train
    assert hosting.max_epochs_that_fit(50, 2.0) == 50


def test_a_cpu_space_limits_run_time_not_epochs(monkeypatch):
    # One mechanism everywhere but ZeroGPU: the run-time budget ends a run (tests/test_hosting.py).
    monkeypatch.setenv("SPACE_ID", "someone/layerlab")
    monkeypatch.delenv("SPACES_ZERO_GPU", raising=False)
    monkeypatch.setattr("torch.cuda.is_available", lambda: False)
    assert hosting.max_epochs_that_fit(20, 30.0) == 20


def test_zerogpu_duration_is_capped_at_the_quota():
    assert hosting.zerogpu_seconds(1, 4.0) == hosting.ZEROGPU_START_S + 6
    assert hosting.zerogpu_seconds(500, 4.0) == hosting.ZEROGPU_MAX_S


def fake_spaces(durations: list) -> types.ModuleType:
    """A stand-in for the `spaces` package: GPU(duration=f) records f's answer and runs the function
    on a copy of the model, as ZeroGPU's worker process would (nothing it changes comes back by itself)."""
    module = types.ModuleType("spaces")
    module.__spec__ = importlib.machinery.ModuleSpec("spaces", None)

    def GPU(duration):
        def wrap(fn):
            def in_worker(cfg, data, model, **options):
                durations.append(duration(cfg, data, model, **options))
                yield from fn(cfg, data, copy.deepcopy(model), **options)
            return in_worker
        return wrap
    module.GPU = GPU
    return module


def test_zerogpu_trains_inside_spaces_gpu_and_brings_the_weights_back(cifar, monkeypatch):
    from ui.common import dataset
    from ui.training import model as training_model
    from ui.training import run as training_run
    durations = []
    monkeypatch.setitem(sys.modules, "spaces", fake_spaces(durations))
    monkeypatch.setenv("SPACES_ZERO_GPU", "true")
    monkeypatch.setenv("SPACE_ID", "someone/layerlab")
    monkeypatch.setattr(dataset.LOADER, "data", cifar)
    updates = list(training_run.start_training(
        None, None, [], request=None, progress=lambda *a, **k: None, optimizer="adam", lr=0.002, momentum=0.9,
        weight_decay=0.0, batch_size=64, epochs=200, schedule="constant", augment=False, seed=0, device="cpu",
        train_images=1000, test_images=500, max_steps=40, from_current=False))
    trained = updates[-1].model_state
    epochs = len(trained.epoch_states)
    capped = hosting.max_epochs_that_fit(200, hosting.ZEROGPU_EPOCH_S)
    assert durations == [hosting.zerogpu_seconds(capped, hosting.ZEROGPU_EPOCH_S)]
    assert capped < 200 and durations[0] <= hosting.ZEROGPU_MAX_S
    assert epochs < 200 and "ZeroGPU" in updates[-1].status               # capped, and the status says why
    fresh = training_model.start_model(0, None)   # the start the run was drawn from
    for name, weights in trained.model.state_dict().items():          # the worker's weights, not the start
        assert torch.equal(weights, trained.epoch_states[-1][name])
    assert not torch.equal(trained.model.state_dict()["conv1.weight"], fresh.state_dict()["conv1.weight"])
