"""Issue 26 figures: the Network view's server time on one image and training images/s, for the tutorial's CNN
(LayerLab's own network, the view before --model) beside torchvision's resnet18 started with --model, in one run.

    python benchmarks/own_model.py [--repeats 5] [--steps 12] [ARCHIVE]

The view's time is what the server computes for one request (every module's output, the pictures, the torchinfo
summary): the median of --repeats after one warm-up. Training runs --steps steps of 64 images on the CPU with the
Training tab's engine. The load average is printed beside each figure: on a shared machine read them side by side.
"""
import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.conftest import add_archive_argument  # noqa: E402
from nets import own  # noqa: E402
from nets.data.cifar import load_cifar10  # noqa: E402
from nets.models import seeded, tutorial_cnn  # noqa: E402
from nets.train.config import TrainConfig  # noqa: E402
from nets.train.engine import train  # noqa: E402
from visual.network import flow_html, module_views, network_views, summary_rows  # noqa: E402

RESNET = ROOT / "tests" / "own_models" / "torchvision_resnet.py:make_model"


def load() -> str:
    return f"load {os.getloadavg()[0]:.2f}"


def view_seconds(model, x, repeats: int) -> float:
    """Median seconds of the Network view's compute for one image: outputs, pictures, summary."""
    views = network_views if isinstance(model, torch.nn.Sequential) else module_views
    times = []
    for _ in range(repeats + 1):
        began = time.perf_counter()
        shown, _ = views(model, x)
        flow_html(shown)
        summary_rows(model)
        times.append(time.perf_counter() - began)
    return statistics.median(times[1:])


def images_per_s(model, data, steps: int) -> float:
    """The engine's own images/s over `steps` steps of 64 images (no augmentation, a small test)."""
    cfg = TrainConfig(batch_size=64, epochs=1, augment=False, device="cpu", train_images=64 * steps,
                      test_images=64, max_steps=steps, log_every=1)
    rate = 0.0
    for ev in train(cfg, data, model, resumable=False):
        if ev["event"] == "step":
            rate = ev["images_per_s"]
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_archive_argument(parser)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--steps", type=int, default=12)
    args = parser.parse_args()
    data = load_cifar10(args.archive)
    x = data.test_x[0]
    net = own.load_own(str(RESNET))
    models = {"tutorial CNN (LayerLab's own)": (seeded(0, tutorial_cnn).eval(), lambda: seeded(0, tutorial_cnn)),
              "resnet18 (--model)": (net.start, lambda: net.fresh(0))}
    print(f"{'network':32} {'params':>12} {'view s':>8} {'':12} {'train img/s':>12} {'':12}")
    for name, (model, fresh) in models.items():
        seconds, during_view = view_seconds(model, x, args.repeats), load()
        rate, during_train = images_per_s(fresh(), data, args.steps), load()
        params = sum(p.numel() for p in model.parameters())
        print(f"{name:32} {params:12,} {seconds:8.3f} {during_view:12} {rate:12.1f} {during_train:12}", flush=True)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; {load()}")


if __name__ == "__main__":
    main()
