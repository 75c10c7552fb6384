"""Issue 26 figures: what the Layer explorer's figures (histogram, kernel or curve, sliding window) add to the
server's time for "Explore one layer of your network", in one run: before, the part drew the maps, statistics and
formula only (visual.explorer.draw(..., figures=False), as commit 537614e); after, draw() with the figures.

    python benchmarks/own_layer.py [--repeats 7] [--batch 8] [ARCHIVE]

Each time is the median of --repeats (after one warm-up) of compute_own_layer (the hooked forward on a batch of
test images) and the drawing, before and after taken in turn; the load average is printed beside each line.
"""
import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.conftest import add_archive_argument  # noqa: E402
from nets import own  # noqa: E402
from nets.data.cifar import load_cifar10  # noqa: E402
from nets.own.explore import compute_own_layer  # noqa: E402
from visual.explorer import ViewOptions, draw  # noqa: E402

MODELS = ROOT / "tests" / "own_models"
CASES = [("residual.py", "block1.conv2"), ("residual.py", "block1.relu"),
         ("torchvision_resnet.py:make_model", "conv1"), ("torchvision_resnet.py:make_model", "layer2.0.conv1"),
         ("torchvision_resnet.py:make_model", "maxpool")]


def seconds(model, name: str, x_u8, figures: bool) -> float:
    start = time.perf_counter()
    view = compute_own_layer(x_u8, model, name, "", 0)
    draw(view, ViewOptions(step=100), "en", figures=figures)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--batch", type=int, default=8)
    add_archive_argument(parser)
    args = parser.parse_args()
    x_u8 = load_cifar10(args.archive).test_x[:args.batch]
    print(f"{'network':34} {'layer':16} {'before (no figures)':>20} {'after (figures)':>16}  load")
    for file, name in CASES:
        model = own.load_own(str(MODELS / file)).start
        runs = {False: [], True: []}
        for figures in (False, True):
            seconds(model, name, x_u8, figures)   # warm-up
        for _ in range(args.repeats):
            for figures in (False, True):
                runs[figures].append(seconds(model, name, x_u8, figures))
        before, after = (statistics.median(runs[f]) for f in (False, True))
        print(f"{file:34} {name:16} {before * 1000:17.1f} ms {after * 1000:13.1f} ms  {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
