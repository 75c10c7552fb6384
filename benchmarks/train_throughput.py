"""Issue 4 and 12 figures: training images/s of LayerLab's engine vs the tutorial's loop, and the cost of the live UI.

The tutorial's loop: a torchvision-style dataset that turns each image into a PIL image and then a
tensor with ToTensor, DataLoader(batch_size=64, shuffle=True), the same CNN, SGD, on the same device.
LayerLab's engine: uint8 tensors on the device, index-slice batches, channels_last, bf16 autocast.
The live UI's cost: the Training tab's own handler (charts drawn and serialised as Gradio does) against the
engine alone, with the app's threads, alternating runs in one process; and the seconds between chart updates.

    python benchmarks/train_throughput.py [--device auto|cpu|cuda] [--steps 300] [--batch 64]
                                          [--stream-steps N] [--stream-batch 128] [--rounds 2] [--skip-ui | --ui-only]
                                          [ARCHIVE]
"""
import argparse
import os
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.conftest import add_archive_argument  # noqa: E402
import torch  # noqa: E402
from PIL import Image  # noqa: E402
from torch.utils.data import DataLoader, Dataset  # noqa: E402
from torchvision.transforms import ToTensor  # noqa: E402

from nets.data.cifar import load_cifar10  # noqa: E402
from nets.train.device import app_threads, cpu_cores, resolve_device  # noqa: E402
from nets.models import tutorial_cnn  # noqa: E402
from nets.train.config import TrainConfig  # noqa: E402
from nets.train.engine import train  # noqa: E402

WARMUP = 20   # tutorial steps not timed (allocator, kernel choice); the engine's warm-up is timed


class TutorialCifar(Dataset):
    """What torchvision.datasets.CIFAR10(transform=ToTensor()) does per item: PIL image → float tensor."""

    def __init__(self, x: torch.Tensor, y: torch.Tensor):
        self.images = x.permute(0, 2, 3, 1).numpy()   # (N, 32, 32, 3) uint8, as torchvision stores it
        self.targets = y.tolist()
        self.transform = ToTensor()

    def __len__(self):
        return len(self.targets)

    def __getitem__(self, i):
        return self.transform(Image.fromarray(self.images[i])), self.targets[i]


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize()


def tutorial_loop(data, device, steps: int, batch: int) -> float:
    """Images/s of the tutorial's loop (corrected: `.to(device)`, `optimizer.zero_grad()`)."""
    torch.manual_seed(0)
    loader = DataLoader(TutorialCifar(data.train_x, data.train_y), batch_size=batch, shuffle=True)
    model = tutorial_cnn().to(device)
    loss_fn = torch.nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    for i, (imgs, targets) in enumerate(loader):
        if i == WARMUP:
            sync(device)
            start = time.perf_counter()
        if i == WARMUP + steps:
            break
        imgs, targets = imgs.to(device), targets.to(device)
        loss = loss_fn(model(imgs), targets)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    sync(device)
    return steps * batch / (time.perf_counter() - start)


def engine(data, device, steps: int, batch: int, augment: bool) -> float:
    """Images/s of nets.train.engine over `steps` steps."""
    # Wall clock from the engine's start event: its warm-up and per-epoch augmentation are counted.
    images = min(steps * batch, len(data.train_y))
    cfg = TrainConfig(optimizer="sgd", lr=0.01, schedule="constant", batch_size=batch, augment=augment,
                      device=device.type, epochs=-(-steps * batch // images), max_steps=steps,
                      train_images=images, test_images=1000, log_every=10)
    for ev in train(cfg, data):
        if ev["event"] == "start":
            start = time.perf_counter()
        if ev["event"] == "step" and ev["step"] == steps:
            seconds = time.perf_counter() - start
    return steps * batch / seconds


def clocked(train_fn, marks: list):
    """train_fn, its start and step events' times (wall, and CPU of the thread making them) noted in marks."""
    def run(*args, **kwargs):
        for ev in train_fn(*args, **kwargs):
            if ev["event"] in ("start", "step"):
                marks.append((time.perf_counter(), ev.get("step", 0), time.thread_time()))
            yield ev
    return run


def tab_settings(steps: int, batch: int) -> dict:
    """The Training tab's defaults, stopped after `steps` steps (a run long enough never to reach an epoch's end)."""
    return {**TrainConfig(batch_size=batch, max_steps=steps).to_dict(), "from_current": False}


def images_per_s(marks: list, batch: int) -> float:
    """Training images/s between the start event and the last step event."""
    (began, _, _), (ended, step, _) = marks[0], marks[-1]
    return step * batch / (ended - began)


def headless_run(steps: int, batch: int) -> float:
    """Images/s of the engine alone, with the app's threads and the tab's settings."""
    from ui.common import dataset
    from ui.training.run import config_from_controls
    marks = []
    cfg = config_from_controls(tab_settings(steps, batch))   # threads: the app's, as a run in the tab
    for _ in clocked(train, marks)(cfg, dataset.require_data(), stop=threading.Event()):
        pass
    return images_per_s(marks, batch)


def live_run(steps: int, batch: int) -> tuple[float, list[float], float]:
    """Images/s of the same run through the Training tab's handler, the seconds between chart updates, and
    the handler's CPU seconds per CPU second of training (where the run trains in a thread of its own)."""
    from types import SimpleNamespace
    from ui.training import run as training_run
    marks, charts = [], []
    request = SimpleNamespace(session_hash="throughput", headers={})
    real_train, training_run.train = training_run.train, clocked(training_run.train, marks)
    handler_cpu = time.thread_time()
    try:
        for out in training_run.start_training(None, None, [], request, lambda *a, **k: None,
                                               **tab_settings(steps, batch)):
            if hasattr(out[1], "to_json"):   # a chart update: Gradio serialises every figure for the browser
                for fig in out[1:3]:
                    fig.to_json()
                charts.append(time.perf_counter())
    finally:
        training_run.train = real_train
    handler_cpu = time.thread_time() - handler_cpu
    return images_per_s(marks, batch), [b - a for a, b in zip(charts, charts[1:-1])], \
        handler_cpu / (marks[-1][2] - marks[0][2])


def live_cost(archive: str, steps: int, batch: int, rounds: int) -> None:
    """Print the engine alone vs the Training tab's handler, alternating, and the gaps between chart updates."""
    from ui.common import dataset
    dataset.configure(archive)
    dataset.LOADER.wait(600)
    headless_run(20, batch)   # warm-up
    alone, live, gaps, shares = [], [], [], []
    for _ in range(rounds):
        alone.append(headless_run(steps, batch))
        rate, run_gaps, share = live_run(steps, batch)
        live.append(rate)
        gaps += run_gaps
        shares.append(share)
    a, b = statistics.median(alone), statistics.median(live)
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"Training tab, {steps} steps at batch {batch}, {app_threads()} thread(s), median of {rounds}: "
          f"engine alone {a:,.0f} vs with live charts {b:,.0f} images/s, {100 * (1 - b / a):.1f}% lost to the "
          f"charts (goal < 5%); runs alone {[round(x) for x in alone]}, live {[round(x) for x in live]}")
    print(f"chart updates every {statistics.median(gaps):.2f} s (median), {min(gaps):.2f}-{max(gaps):.2f} s, "
          f"{len(gaps)} gaps; the handler's CPU time {100 * statistics.median(shares):.1f}% of the training "
          f"thread's (a load-independent cost where the run trains in a thread of its own); load average {load} "
          f"on {os.cpu_count()} CPUs")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_archive_argument(p)
    p.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"))
    p.add_argument("--steps", type=int, default=300, help="timed steps per measurement")
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--skip-ui", action="store_true", help="skip the UI-streaming measurement")
    p.add_argument("--stream-steps", type=int, default=0,
                   help="steps for the live-charts comparison (default: --steps)")
    p.add_argument("--stream-batch", type=int, default=TrainConfig().batch_size,
                   help="batch size for the live-charts comparison (default: the tab's)")
    p.add_argument("--rounds", type=int, default=2, help="alternating runs alone and live")
    p.add_argument("--ui-only", action="store_true", help="only the live-charts comparison")
    args = p.parse_args()
    if args.ui_only:
        return live_cost(args.archive, args.stream_steps or args.steps, args.stream_batch, args.rounds)
    device = resolve_device(args.device)
    data = load_cifar10(args.archive)
    print(f"device: {device} ({torch.cuda.get_device_name() if device.type == 'cuda' else cpu_cores()} "
          f"{'' if device.type == 'cuda' else 'cores'}), batch {args.batch}, {args.steps} timed steps each")
    tutorial = tutorial_loop(data, device, args.steps, args.batch)
    print(f"tutorial loop (ToTensor + DataLoader):   {tutorial:9,.0f} images/s")
    engine(data, device, 50, args.batch, augment=True)   # warm-up: kernel choice, allocator, caches
    ours = engine(data, device, args.steps, args.batch, augment=False)
    print(f"LayerLab engine, no augmentation:        {ours:9,.0f} images/s  ({ours / tutorial:.1f}x the tutorial)")
    ours_aug = engine(data, device, args.steps, args.batch, augment=True)
    print(f"LayerLab engine, crop+flip augmentation: {ours_aug:9,.0f} images/s  ({ours_aug / tutorial:.1f}x)")
    if not args.skip_ui:
        live_cost(args.archive, args.stream_steps or args.steps, args.stream_batch, args.rounds)
    if device.type == "cuda":
        cfg = TrainConfig(batch_size=512, device="cuda", epochs=2, test_images=1000, log_every=50)
        epochs = [ev for ev in train(cfg, data) if ev["event"] == "epoch"]
        per_epoch = epochs[-1]["elapsed_s"] - epochs[0]["elapsed_s"]
        print(f"one epoch of 50,000 images at batch 512 on the GPU: {per_epoch:.2f} s (second epoch, with eval)")


if __name__ == "__main__":
    main()
