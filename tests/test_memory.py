"""The server's memory budget: work that would take the process past it is refused before it allocates."""
import io
from pathlib import Path

import gradio as gr
import numpy as np
import pytest
import torch
from PIL import Image

from nets import limits, memory
from nets.builder.spec import build_model
from nets.data.images import ImageError, decode_image
from nets.estimates import network_bytes, training_bytes
from nets.memory import OverBudgetError, check_memory, give_memory_back, rss_bytes
from nets.train.device import tune_allocator
from ui.common import dataset
from ui.network import tab as network_tab
from ui import saving_tab
from ui.training import model as training_model
from ui.training import run as training_run

MB = limits.MB
# Flatten, then Linear(3072, 2000): 6.2M weights, 25 MB, enough that every check reads the process's memory.
WIDE = [{"type": "Flatten"}, {"type": "Linear", "in_features": 3072, "out_features": 2000}, {"type": "ReLU"},
        {"type": "Linear", "in_features": 2000, "out_features": 10}]
SETTINGS = dict(optimizer="adam", lr=0.002, momentum=0.9, weight_decay=0.0, batch_size=64, epochs=2,
                schedule="constant", augment=False, seed=0, device="cpu", train_images=128, test_images=100,
                max_steps=0, from_current=False)


@pytest.fixture
def room(monkeypatch):
    """Sets the server's budget to what the process holds now plus `mb` megabytes."""
    def set_room(mb: float) -> None:
        monkeypatch.setattr(limits, "MAX_SERVER_MEMORY_BYTES", rss_bytes() + int(mb * MB))
    return set_room


def status_bytes(field: str = "VmRSS") -> int:
    """A figure of /proc/self/status in bytes: VmRSS, what `top` shows; VmHWM, its peak."""
    line = next(s for s in Path("/proc/self/status").read_text().splitlines() if s.startswith(field + ":"))
    return int(line.split()[1]) * 1024


def training_peak(arch, batch_size: int, epochs: int, images: int) -> int:
    """Bytes this process's memory rose above where it stood while the Training tab's handler trained arch
    (None: the tutorial's CNN) to the end, the dataset already loaded (dataset.LOADER.data)."""
    Path("/proc/self/clear_refs").write_text("5")   # the peak (VmHWM) starts again from what is held now
    start = status_bytes()
    settings = {**SETTINGS, "batch_size": batch_size, "epochs": epochs, "train_images": images,
                "test_images": 1000}
    final = list(training_run.start_training(None, arch, [], None, lambda *a, **k: None, **settings))[-1]
    assert "Done" in final.status, final.status
    return status_bytes("VmHWM") - start


def test_the_process_memory_is_read_as_the_system_reports_it():
    assert abs(rss_bytes() - status_bytes()) < 8 * MB
    before = rss_bytes()
    held = torch.ones(64 * MB // 4)          # 64 MB written, so resident
    assert rss_bytes() - before > 56 * MB and held[-1] == 1


def test_a_refusal_names_the_setting_and_the_figures_in_both_languages(room):
    room(10)
    with pytest.raises(OverBudgetError) as refused:
        check_memory(100 * MB, "memory.work_picture")
    english, chinese = str(refused.value), refused.value.phrase.words("zh-CN")
    assert english.startswith("Decoding this picture needs about 100 MB of memory, and the server already holds")
    assert f"of its {limits.MAX_SERVER_MEMORY_BYTES / MB:,.0f} MB budget" in english
    assert "`LAYERLAB_MAX_SERVER_MEMORY_MB`" in english and "`--max-server-memory-mb`" in english
    assert chinese.startswith("解码这张图像大约需要 100 MB 内存") and "`LAYERLAB_MAX_SERVER_MEMORY_MB`" in chinese
    check_memory(5 * MB, "memory.work_picture")   # what fits passes
    room(1000)
    check_memory(100 * MB, "memory.work_picture")


def test_the_estimates_count_what_the_work_holds(monkeypatch):
    weights = sum(p.numel() for p in build_model(WIDE).parameters()) * 4
    assert network_bytes(WIDE) == weights
    monkeypatch.setattr(limits, "MAX_VISITOR_BYTES", 3 * weights)   # the visitor's budget holds 3 snapshots
    per_image = 3072 + 2000 + 2000 + 10          # each layer's output for one image
    test_pass = 1000 * (3072 + 3072)             # a test pass: Flatten's input and output, for 1000 images
    kept = 512 * MB                              # the freed buffers glibc keeps during a run
    # weights, gradients, Adam's two moments and the next snapshot; the snapshots kept; the larger of a step's
    # activations (with their gradients and a temporary) and a test pass's
    values = max(3 * 64 * per_image, test_pass)
    assert training_bytes(WIDE, 64, 8) == 5 * weights + 3 * weights + 4 * values + kept
    assert training_bytes(WIDE, 64, 2) == 5 * weights + 2 * weights + 4 * values + kept
    # A CPU step holds one slice of 128 images at a time; with BatchNorm, the whole batch
    conv = [{"type": "Conv2d", "in_channels": 3, "out_channels": 8, "kernel_size": 3}, {"type": "Flatten"},
            {"type": "Linear", "in_features": 8 * 30 * 30, "out_features": 10}]
    normed = [conv[0], {"type": "BatchNorm2d", "num_features": 8}, *conv[1:]]
    assert training_bytes(conv, 4096, 2) == training_bytes(conv, 128, 2)
    grown = training_bytes(normed, 4096, 2) - training_bytes(normed, 1024, 2)
    assert grown == 4 * 3 * (4096 - 1024) * (3 * 7200 + 10)


def test_a_training_run_takes_no_more_than_its_estimate(cifar, monkeypatch):
    monkeypatch.setattr(dataset.LOADER, "data", cifar)
    training_peak(None, 64, 1, 256)                                       # one-time costs are nobody's
    took = training_peak(WIDE, 64, 3, 512)
    estimate = training_bytes(WIDE, 64, 3)
    assert took <= estimate, f"the run took {took / MB:.0f} MB, its estimate says {estimate / MB:.0f} MB"


def test_training_that_would_pass_the_budget_is_refused_before_it_starts(cifar, monkeypatch, room):
    monkeypatch.setattr(dataset.LOADER, "data", cifar)
    room(10)
    needed = f"{training_bytes(WIDE, 64, 2) / MB:,.0f} MB"
    with pytest.raises(gr.Error, match=f"Training this network needs about {needed} of memory.*`LAYERLAB_MAX_SER"):
        next(training_run.start_training(None, WIDE, [], None, lambda *a, **k: None, **SETTINGS))
    room(2000)
    final = list(training_run.start_training(None, WIDE, [], None, lambda *a, **k: None, **SETTINGS))[-1]
    assert final.model_state.state_epochs == [1, 2]


def test_building_or_loading_a_big_network_is_refused_past_the_budget(tmp_path, room):
    path = tmp_path / "wide.pth"
    torch.save(build_model(WIDE).state_dict(), path)
    room(10)
    with pytest.raises(gr.Error, match="Building this network needs about 24 MB"):
        network_tab.random_model(WIDE)
    with pytest.raises(gr.Error, match="Building this network"):
        saving_tab.current_model(None, WIDE)
    with pytest.raises(gr.Error, match="Loading this weights file needs about 71 MB"):
        training_model.load_uploaded({"path": str(path)}, WIDE)
    with pytest.raises(gr.Error, match="Loading this weights file"):
        saving_tab.upload_weights({"path": str(path)}, WIDE)
    room(2000)
    model, _ = saving_tab.current_model(None, WIDE)
    assert sum(p.numel() for p in model.parameters()) * 4 == network_bytes(WIDE)
    assert saving_tab.upload_weights({"path": str(path)}, WIDE).arch_state == WIDE


def test_a_big_picture_is_refused_before_it_is_decoded(room):
    buf = io.BytesIO()
    Image.fromarray(np.zeros((1000, 2000, 3), dtype=np.uint8)).save(buf, "PNG")
    room(10)
    with pytest.raises(ImageError, match="Decoding this picture needs about 19 MB"):
        decode_image(buf.getvalue(), "big.png")
    room(1000)
    assert decode_image(buf.getvalue(), "big.png")[0].shape == (3, 32, 32)
    assert memory.PICTURE_BYTES_PER_PIXEL * 2_000_000 // MB == 19


def freed_in_the_heap() -> int:
    """200 MB allocated and freed in 4 MB blocks (glibc's heap, not mmap) as training tunes glibc to keep
    them; the process's RSS with them still kept."""
    tune_allocator()
    give_memory_back()   # what earlier tests freed: the blocks below then take pages of their own
    start = rss_bytes()
    blocks = [torch.ones(4 * MB // 4) for _ in range(50)]
    assert rss_bytes() - start > 150 * MB
    del blocks
    return rss_bytes()


def test_freed_buffers_glibc_keeps_go_back_to_the_system():
    """Training asks glibc to keep freed buffers (up to 512 MB); a finished run hands them back with this."""
    kept = freed_in_the_heap()
    give_memory_back()
    assert rss_bytes() < kept - 150 * MB
