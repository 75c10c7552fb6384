"""Issue 12 figures: the Training tab's quick first run beside the defaults, trained one after the other in one
process, with each epoch's test accuracy (all 10,000 test images), elapsed seconds and the machine's load.

On a shared machine the wall time depends on who else runs; the CPU seconds this process used, divided by its
threads, do much less: they estimate the wall time on the same machine with nothing else running.

    python benchmarks/quick_run.py [--device auto|cpu|cuda] [--default-epochs 10] [--default-seconds 600] [ARCHIVE]

The defaults run 10 epochs; they are stopped once they reach the highest target (TARGETS), after --default-epochs
epochs or after --default-seconds, whichever comes first, so the benchmark ends in minutes. Their schedule is the
full run's: what they reach is what a learner sees. The table gives each run's seconds to each target (issue 12:
the quick run at 60% within 90 s on a 2-core AVX2 CPU; the defaults took 206 s to 65%).
"""
import argparse
import os
import sys
import time
from functools import partial
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.conftest import add_archive_argument  # noqa: E402
from nets.data.cifar import load_cifar10  # noqa: E402
from nets.train.config import QUICK_RUN, TrainConfig  # noqa: E402
from nets.train.engine import train  # noqa: E402

TARGETS = (0.60, 0.65)   # test accuracies whose time each run reports


def load() -> str:
    """The 1-minute load average: on a shared machine every time below is read beside it."""
    return f"load {os.getloadavg()[0]:.2f}"


def timed_run(name: str, cfg: TrainConfig, data, max_epochs: int, max_seconds: float,
              stop_at: float = 1.0) -> list[dict]:
    """Each epoch's {epoch, acc, seconds, cpu_seconds, images_per_s, load} of cfg, stopped after max_epochs or
    max_seconds or once its test accuracy reaches stop_at."""
    print(f"{name}: {cfg}  ({load()})", flush=True)
    epochs, start, cpu_start = [], time.perf_counter(), time.process_time()
    for ev in train(cfg, data):
        if ev["event"] == "start":
            threads = torch.get_num_threads()   # train() has set them for this run
        if ev["event"] != "epoch":
            continue
        epochs.append(dict(epoch=ev["epoch"], acc=ev["test_acc"], seconds=time.perf_counter() - start,
                           cpu_seconds=(time.process_time() - cpu_start) / threads,
                           images_per_s=ev["images_per_s"], load=os.getloadavg()[0]))
        print(f"  epoch {ev['epoch']:2d}: test accuracy {ev['test_acc']:6.1%}  {epochs[-1]['seconds']:6.1f} s  "
              f"(CPU s / {threads} threads: {epochs[-1]['cpu_seconds']:6.1f})  "
              f"{ev['images_per_s']:,.0f} training images/s  ({load()})", flush=True)
        if len(epochs) >= max_epochs or epochs[-1]["seconds"] >= max_seconds or ev["test_acc"] >= stop_at:
            break
    return epochs


def seconds_to(epochs: list[dict], target: float) -> str:
    """Seconds (and CPU seconds / threads) at the first epoch whose test accuracy reaches target."""
    reached = next((e for e in epochs if e["acc"] >= target), None)
    if reached is None:
        return f"not in {epochs[-1]['epoch']} epochs"
    return f"{reached['seconds']:.1f} ({reached['cpu_seconds']:.1f} CPU)"


def side_by_side(quick: list[dict], defaults: list[dict], default_epochs: int) -> None:
    """Both runs in one table, and the quick run's time as a share of a default epoch's (load-independent)."""
    print(f"\n{'':22}{'quick first run':>22}{'defaults':>22}")
    rows = [("epochs run", lambda r: f"{r[-1]['epoch']} of {default_epochs if r is defaults else r[-1]['epoch']}"),
            ("test accuracy", lambda r: f"{r[-1]['acc']:.1%}"),
            ("seconds", lambda r: f"{r[-1]['seconds']:.1f}"),
            ("CPU seconds / threads", lambda r: f"{r[-1]['cpu_seconds']:.1f}"),
            ("training images/s", lambda r: f"{r[-1]['images_per_s']:,.0f}"),
            ("load at the end", lambda r: f"{r[-1]['load']:.2f}"),
            *((f"seconds to {target:.0%}", partial(seconds_to, target=target)) for target in TARGETS)]
    for label, cell in rows:
        print(f"{label:22}{cell(quick):>22}{cell(defaults):>22}")
    for clock in ("seconds", "cpu_seconds"):
        per_default_epoch = defaults[-1][clock] / len(defaults)
        print(f"By {clock.replace('_', ' ')}: the quick run took {quick[-1][clock] / per_default_epoch:.2f} default "
              f"epochs' time (one default epoch: {per_default_epoch:.1f}).")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_archive_argument(p)
    p.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"))
    p.add_argument("--default-epochs", type=int, default=TrainConfig().epochs)
    p.add_argument("--default-seconds", type=float, default=600)
    args = p.parse_args()
    data = load_cifar10(args.archive)
    quick = timed_run("quick first run", TrainConfig(**QUICK_RUN, device=args.device, log_every=100), data,
                      QUICK_RUN["epochs"], float("inf"))
    defaults = timed_run("defaults", TrainConfig(device=args.device, log_every=100), data,
                         args.default_epochs, args.default_seconds, stop_at=max(TARGETS))
    side_by_side(quick, defaults, TrainConfig().epochs)


if __name__ == "__main__":
    main()
