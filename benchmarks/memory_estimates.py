"""Issue 11 figure: the memory a training run is checked against (nets.estimates.training_bytes) beside the
memory it really took, for small and large networks and batches.

Each case trains through ui.training.run.start_training, the handler the Training tab and /train call (so the
epoch snapshots it keeps are counted), in a fresh process: the dataset is loaded and one tiny run trained
first (one-time imports, kernels and thread pools are nobody's), then the peak is reset and read after the
run (tests/test_memory.py's training_peak: /proc/self/status's VmHWM, reset through clear_refs). Goal: the
estimate is never below what the run took, and not so far above it that the budget refuses runs that fit.

    python benchmarks/memory_estimates.py [ARCHIVE]
"""
import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.soak import largest_network  # noqa: E402
from tests.conftest import add_archive_argument  # noqa: E402

MB = 2**20
CONVS = [{"type": "Conv2d", "in_channels": 3, "out_channels": 64, "kernel_size": 3, "padding": 1}, {"type": "ReLU"},
         {"type": "Conv2d", "in_channels": 64, "out_channels": 64, "kernel_size": 3, "padding": 1}, {"type": "ReLU"},
         {"type": "MaxPool2d", "kernel_size": 2},
         {"type": "Conv2d", "in_channels": 64, "out_channels": 128, "kernel_size": 3, "padding": 1}, {"type": "ReLU"},
         {"type": "MaxPool2d", "kernel_size": 2}, {"type": "Flatten"},
         {"type": "Linear", "in_features": 128 * 8 * 8, "out_features": 10}]
# (name, layer list or None for the tutorial's CNN, batch size, epochs, training images)
CASES = [("tutorial CNN, batch 64", None, 64, 2, 2048),
         ("tutorial CNN, batch 1024", None, 1024, 2, 4096),
         ("3 convolutions of 64-128 channels, batch 256", CONVS, 256, 2, 2048),
         ("largest network the Builder allows (99.9M weights), batch 64", "largest", 64, 3, 256)]


def one_case(archive: str, index: int) -> dict:
    """Run CASES[index] in this process: its estimate and what it took, in bytes."""
    from nets.data.cifar import load_cifar10
    from nets.estimates import training_bytes
    from tests.test_memory import training_peak
    from ui.common import dataset
    from ui.training import run as training_run

    name, arch, batch, epochs, images = CASES[index]
    arch = largest_network() if arch == "largest" else arch
    dataset.LOADER.data = load_cifar10(archive, os.environ.get("LAYERLAB_CACHE"))
    training_peak(None, 64, 1, 256)   # one-time costs first
    took = training_peak(arch, batch, epochs, images)
    return {"name": name, "took": took,
            "estimate": training_bytes(arch, batch, min(epochs, training_run.MAX_EPOCH_STATES))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_archive_argument(parser)
    parser.add_argument("--case", type=int, help=argparse.SUPPRESS)   # one case, in the child process
    args = parser.parse_args()
    if args.case is not None:
        print(json.dumps(one_case(args.archive, args.case)))
        return
    print("| training run | estimate (checked against the budget) | took (peak RSS above the start) "
          "| estimate / took |")
    print("|---|---|---|---|")
    for i in range(len(CASES)):
        out = subprocess.run([sys.executable, __file__, args.archive, "--case", str(i)], capture_output=True,
                             text=True, check=True).stdout
        r = json.loads(out.strip().splitlines()[-1])
        print(f"| {r['name']} | {r['estimate'] / MB:,.0f} MB | {r['took'] / MB:,.0f} MB "
              f"| {r['estimate'] / max(r['took'], 1):.2f} |", flush=True)


if __name__ == "__main__":
    main()
