"""Issue 28: the Layer explorer's server work for one picture while a slider is held (the page's "pictures" part,
ui.explorer.tab.show_view), in-process: kernel_size dragged back and forth over 20 values, 64 CIFAR-10 images,
Conv2d 3->6. With --before PATH (a worktree of an earlier commit) both run in the same session, alternating
rounds, and print side by side.

    python benchmarks/explorer_held.py [ARCHIVE] [--before PATH] [--rounds N] [--cache FOLDER]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DRAG = [3, 4, 5, 6, 7, 8, 9, 10, 11, 10, 9, 8, 7, 6, 5, 4, 3, 4, 5, 6]   # kernel_size values a hand passes


def held_times(archive: str, cache: str, passes: int) -> list[float]:
    """Seconds per held-slider pictures update, `passes` drags over DRAG, in the checkout on sys.path."""
    from nets.data.cifar import load_cifar10
    from ui.common import dataset
    from ui.explorer.inputs import KEPT
    from ui.explorer.tab import DEFAULTS, Shown, show_view
    data = load_cifar10(archive, cache)
    dataset.require_data = lambda: data   # the handler reads the same dataset the app would
    shown = Shown()

    def held(kernel_size):
        controls = dict(DEFAULTS, kernel_size=kernel_size)
        kept = {**{name: controls[name] for name in KEPT}, "moving": True}
        show_view(shown, None, kept, controls["grid"], controls["chain"], controls["step"], None,
                  follow_moving=True)

    for k in (3, 5, 3):   # warm-up: imports, first allocations, the first picture
        held(k)
    times = []
    for _ in range(passes):
        for k in DRAG:
            start = time.perf_counter()
            held(k)
            times.append(time.perf_counter() - start)
    return times


def run_in(root: Path, archive: str, cache: str, passes: int) -> list[float]:
    """held_times in a fresh interpreter importing from `root`."""
    out = subprocess.run([sys.executable, str(Path(__file__).resolve()), archive, "--child", str(root),
                          "--cache", cache, "--passes", str(passes)], check=True, capture_output=True, text=True,
                         cwd=root, env=dict(os.environ, PYTHONPATH=str(root)))
    return json.loads(out.stdout.strip().splitlines()[-1])


def summary(label: str, seconds: list[float]) -> str:
    ms = sorted(s * 1000 for s in seconds)
    p90 = ms[min(len(ms) - 1, round(0.9 * (len(ms) - 1)))]
    return f"{label}: median {statistics.median(ms):.1f} ms, p90 {p90:.1f} ms over {len(ms)} pictures"


def main() -> None:
    sys.path.insert(0, str(ROOT))
    from tests.conftest import add_archive_argument
    p = argparse.ArgumentParser()
    add_archive_argument(p)
    p.add_argument("--before", type=Path, help="a worktree of the commit to compare with")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--passes", type=int, default=2)
    p.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--cache", help="a folder for the decoded dataset, kept between runs (default: a new one)")
    args = p.parse_args()
    if args.child:
        sys.path.insert(0, str(args.child))
        print(json.dumps(held_times(args.archive, args.cache, args.passes)))
        return
    roots = {"before": args.before.resolve(), "after": ROOT} if args.before else {"now": ROOT}
    times = {label: [] for label in roots}
    with tempfile.TemporaryDirectory() as temporary:
        cache = args.cache or temporary
        for _ in range(args.rounds):   # alternating, so a change in the machine's load falls on both
            for label, root in roots.items():
                times[label] += run_in(root, args.archive, cache, args.passes)
    print(f"load: {os.getloadavg()[0]:.2f} (1 min) at the end")
    for label, seconds in times.items():
        print(summary(f"{label:>6}: held slider, pictures part", seconds))


if __name__ == "__main__":
    main()
