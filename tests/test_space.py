"""The repository is a valid Gradio Space, and the app honours what Spaces set."""
import os
import re
from pathlib import Path

import gradio
from huggingface_hub import SpaceCard

from tests.conftest import ROOT
from ui import hosting


def test_readme_front_matter_is_a_gradio_space():
    card = SpaceCard((ROOT / "README.md").read_text(encoding="utf-8"))
    meta = card.data.to_dict()
    assert meta["sdk"] == "gradio" and (ROOT / meta["app_file"]).is_file()
    assert meta["sdk_version"] == gradio.__version__
    assert re.fullmatch(r"3\.\d+", str(meta["python_version"]))
    assert 0 < len(meta["short_description"]) <= 60


def test_sdk_version_is_inside_the_requirements_range():
    req = next(line for line in (ROOT / "requirements.txt").read_text().splitlines() if line.startswith("gradio"))
    major = int(SpaceCard((ROOT / "README.md").read_text()).data.sdk_version.split(".")[0])
    low, high = re.findall(r">=(\d+)", req)[0], re.findall(r"<(\d+)", req)[0]
    assert int(low) <= major < int(high)


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
    assert hosting.max_epochs_that_fit(50, 2.0) == (50, "")


def test_cpu_space_caps_epochs_and_says_why(monkeypatch):
    monkeypatch.setenv("SPACE_ID", "someone/layerlab")
    monkeypatch.delenv("SPACES_ZERO_GPU", raising=False)
    monkeypatch.setattr("torch.cuda.is_available", lambda: False)
    epochs, why = hosting.max_epochs_that_fit(20, 30.0)
    assert epochs == hosting.CPU_SPACE_MAX_EPOCHS and "no GPU" in why


def test_zerogpu_duration_is_capped_at_the_quota():
    assert hosting.zerogpu_seconds(1, 4.0) == hosting.ZEROGPU_START_S + 6
    assert hosting.zerogpu_seconds(500, 4.0) == hosting.ZEROGPU_MAX_S
