"""Issue 4 figures: training images/s of LayerLab's engine vs the tutorial's loop, and the cost of the live UI.

The tutorial's loop: a torchvision-style dataset that turns each image into a PIL image and then a
tensor with ToTensor, DataLoader(batch_size=64, shuffle=True), the same CNN, SGD, on the same device.
LayerLab's engine: uint8 tensors on the device, index-slice batches, channels_last, bf16 autocast.

    python benchmarks/train_throughput.py [--device auto|cpu|cuda] [--steps 300] [--batch 64]
                                          [--stream-steps N] [--skip-ui] [ARCHIVE]
"""
import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402
from PIL import Image  # noqa: E402
from torch.utils.data import DataLoader, Dataset  # noqa: E402
from torchvision.transforms import ToTensor  # noqa: E402

from nets.data.cifar import load_cifar10  # noqa: E402
from nets.train.device import cpu_cores, resolve_device  # noqa: E402
from nets.models import tutorial_cnn  # noqa: E402
from nets.train.config import TrainConfig  # noqa: E402
from nets.train.engine import train  # noqa: E402
from nets.train.runs import log_event, new_run  # noqa: E402

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


def engine(data, device, steps: int, batch: int, augment: bool, ui: bool = False) -> float:
    """Images/s of nets.train.engine over `steps` steps; ui=True also redraws the charts as the tab does."""
    # Wall clock from the engine's start event: its warm-up and per-epoch augmentation are counted.
    images = min(steps * batch, len(data.train_y))
    cfg = TrainConfig(optimizer="sgd", lr=0.01, schedule="constant", batch_size=batch, augment=augment,
                      device=device.type, epochs=-(-steps * batch // images), max_steps=steps,
                      train_images=images, test_images=1000, log_every=10)
    run, next_draw = new_run(cfg, "bench"), 0.0
    if ui:
        from visual.training import live_figures, redraw_after
    for ev in train(cfg, data):
        if ev["event"] == "start":
            start = time.perf_counter()
        if ev["event"] == "step" and ev["step"] == steps:
            seconds = time.perf_counter() - start
        if ui:
            log_event(run, ev)
            if time.perf_counter() >= next_draw:   # as ui/training_run.py does
                began = time.perf_counter()
                for fig in live_figures(run):
                    fig.to_json()   # what Gradio serialises for the browser
                next_draw = time.perf_counter() + redraw_after(time.perf_counter() - began)
    return steps * batch / seconds


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("archive", nargs="?", default=os.environ.get(
        "LAYERLAB_TEST_DATA", str(ROOT.parent / "shared" / "data" / "cifar10-jpeg.tar.gz")))
    p.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"))
    p.add_argument("--steps", type=int, default=300, help="timed steps per measurement")
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--skip-ui", action="store_true", help="skip the UI-streaming measurement")
    p.add_argument("--stream-steps", type=int, default=0,
                   help="steps for the UI-streaming comparison (default: --steps; use a few epochs on a GPU)")
    args = p.parse_args()
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
        steps = args.stream_steps or args.steps
        headless = ours_aug if steps == args.steps else engine(data, device, steps, args.batch, augment=True)
        streamed = engine(data, device, steps, args.batch, augment=True, ui=True)
        print(f"{steps} steps headless vs streamed to the UI (charts rebuilt as the tab does): {headless:,.0f} vs "
              f"{streamed:,.0f} images/s, {100 * (1 - streamed / headless):.1f}% lost to the live plots")
    if device.type == "cuda":
        cfg = TrainConfig(batch_size=512, device="cuda", epochs=2, test_images=1000, log_every=50)
        epochs = [ev for ev in train(cfg, data) if ev["event"] == "epoch"]
        per_epoch = epochs[-1]["elapsed_s"] - epochs[0]["elapsed_s"]
        print(f"one epoch of 50,000 images at batch 512 on the GPU: {per_epoch:.2f} s (second epoch, with eval)")


if __name__ == "__main__":
    main()
