"""Issue 4 figures: wall time until test accuracy first reaches 65% with the default settings, and the
best test accuracy within 10 epochs; next to it, the tutorial's own settings on the same engine.

    python benchmarks/time_to_accuracy.py [--device auto|cpu|cuda] [--epochs 10] [--target 0.65]
                                          [--set key=value ...] [--skip-baseline] [--stop-at-target] [ARCHIVE]
"""
import argparse
import sys
import time
from dataclasses import fields
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.conftest import add_archive_argument  # noqa: E402
from nets.data.cifar import load_cifar10  # noqa: E402
from nets.train.config import TrainConfig  # noqa: E402
from nets.train.engine import train  # noqa: E402

# The tutorial's settings: SGD lr 0.01, batch 64, no schedule, no augmentation, no weight decay.
TUTORIAL = dict(optimizer="sgd", lr=0.01, batch_size=64, schedule="constant", augment=False, weight_decay=0.0)


def parse_overrides(pairs: list[str]) -> dict:
    """key=value pairs typed like TrainConfig's fields."""
    types = {f.name: type(f.default) for f in fields(TrainConfig)}
    out = {}
    for pair in pairs:
        key, value = pair.split("=", 1)
        out[key] = value.lower() in ("1", "true", "yes") if types[key] is bool else types[key](value)
    return out


def time_to_accuracy(cfg: TrainConfig, data, target: float, stop_at_target: bool = False):
    """(seconds until test accuracy first reached target or None, best accuracy, epochs run, seconds)."""
    start, reached, best, epochs = time.perf_counter(), None, 0.0, 0
    for ev in train(cfg, data):
        if ev["event"] != "epoch":
            continue
        now = time.perf_counter() - start
        best, epochs = max(best, ev["test_acc"]), ev["epoch"]
        if reached is None and ev["test_acc"] >= target:
            reached = now
        print(f"  epoch {ev['epoch']:2d}: test accuracy {100 * ev['test_acc']:5.1f}%  test loss "
              f"{ev['test_loss']:.3f}  train loss {ev['train_loss']:.3f}  {now:6.1f} s  "
              f"{ev['images_per_s']:,.0f} images/s", flush=True)
        if reached is not None and stop_at_target:
            break
    return reached, best, epochs, time.perf_counter() - start


def report(name: str, cfg: TrainConfig, data, target: float, stop_at_target: bool = False) -> None:
    print(f"{name}: {cfg}", flush=True)
    reached, best, epochs, total = time_to_accuracy(cfg, data, target, stop_at_target)
    hit = f"{reached:.1f} s" if reached is not None else f"not reached in {epochs} epochs"
    print(f"{name}: time to {100 * target:.0f}% = {hit}; best {100 * best:.1f}% in the {epochs} epochs run "
          f"(of {cfg.epochs} scheduled; {total:.1f} s in all)\n", flush=True)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_archive_argument(p)
    p.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"))
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--target", type=float, default=0.65)
    p.add_argument("--set", nargs="*", default=[], metavar="KEY=VALUE", help="override TrainConfig fields")
    p.add_argument("--skip-baseline", action="store_true", help="skip the tutorial-settings run")
    p.add_argument("--stop-at-target", action="store_true", help="end each run once it reaches --target")
    args = p.parse_args()
    data = load_cifar10(args.archive)
    common = dict(device=args.device, epochs=args.epochs, log_every=100)
    report("LayerLab defaults", TrainConfig(**{**common, **parse_overrides(args.set)}), data, args.target,
           args.stop_at_target)
    if not args.skip_baseline:
        report("tutorial settings", TrainConfig(**{**common, **TUTORIAL}), data, args.target, args.stop_at_target)


if __name__ == "__main__":
    main()
