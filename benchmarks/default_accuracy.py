"""The test accuracy the Training tab's default settings reach here, beside what the tab says about them.

    python benchmarks/default_accuracy.py [--device auto|cpu|cuda] [ARCHIVE]

Trains the tutorial CNN with TrainConfig's defaults (the tab's controls start at them) and prints each epoch's
test accuracy, then the tab's sentence on epochs (train.epochs_info) and the figure: a number put into that
sentence must be one this prints.
"""
import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.conftest import add_archive_argument  # noqa: E402
from nets.data.cifar import load_cifar10  # noqa: E402
from nets.text import text  # noqa: E402
from nets.train.config import TrainConfig  # noqa: E402
from nets.train.engine import train  # noqa: E402


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_archive_argument(p)
    p.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"))
    args = p.parse_args()
    data = load_cifar10(args.archive)
    cfg = TrainConfig(device=args.device, log_every=100)
    start, last = time.perf_counter(), None
    for ev in train(cfg, data):
        if ev["event"] == "start":
            print(f"defaults on {ev['device']}: {cfg}", flush=True)
        if ev["event"] == "epoch":
            last = ev
            print(f"  epoch {ev['epoch']:2d}: test accuracy {ev['test_acc']:.1%}  {time.perf_counter() - start:6.1f} s",
                  flush=True)
    print(f"The tab says: {text('train.epochs_info')}")
    print(f"Measured: the defaults reach {last['test_acc']:.1%} test accuracy after {last['epoch']} epochs "
          f"({time.perf_counter() - start:.0f} s)")


if __name__ == "__main__":
    main()
