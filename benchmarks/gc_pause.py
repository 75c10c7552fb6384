"""Issue 28: how long one of Python's full garbage collections holds every thread of a LayerLab server (no
visitor's update runs meanwhile), before and after app.keep_startup_out_of_collections, in one process.

    python benchmarks/gc_pause.py [ARCHIVE] [--views 20] [--runs 5]

The page is built and served as `python app.py` does, the dataset loaded and --views explorer views kept, as
visitors' sessions keep theirs; after, --views more (visitors who come once the server runs: their objects are
walked). A drag over a full collection showed no picture for 0.6 s (benchmarks/explorer_browser.py, a new batch
each drag: "lowest 0.0/s")."""
import argparse
import gc
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import app  # noqa: E402  (builds the page)
from tests.conftest import add_archive_argument, free_port  # noqa: E402
from ui.common import dataset  # noqa: E402
from ui.explorer.tab import DEFAULTS, answer  # noqa: E402


def full_collections(runs: int) -> list[float]:
    """Milliseconds each of `runs` full collections took."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        gc.collect()
        times.append(1000 * (time.perf_counter() - start))
    return times


def views(seeds) -> list:
    """Explorer views of the default layer on the batches of these seeds, as visitors' sessions keep theirs."""
    return [answer(None, {**DEFAULTS, "seed": seed}) for seed in seeds]


def main() -> None:
    p = argparse.ArgumentParser()
    add_archive_argument(p)
    p.add_argument("--views", type=int, default=20)
    p.add_argument("--runs", type=int, default=5)
    args = p.parse_args()
    dataset.configure(args.archive)
    if dataset.LOADER.wait(600) is None:
        sys.exit("The dataset did not load: give the CIFAR-10 archive or set LAYERLAB_TEST_DATA.")
    app.demo.queue().launch(server_port=free_port(), prevent_thread_lock=True, quiet=True)   # as app.main runs it
    kept = views(range(args.views))
    for label in ("as built", "startup left out (app.keep_startup_out_of_collections)"):
        if label != "as built":
            app.keep_startup_out_of_collections()
            kept += views(range(args.views, 2 * args.views))   # visitors who came after the start: walked
        ms = full_collections(args.runs)
        print(f"{label}, {len(kept)} explorer views kept: a full collection {statistics.median(ms):.0f} ms median, "
              f"{max(ms):.0f} max over {args.runs}; {len(gc.get_objects()):,} objects it walks; "
              f"load {os.getloadavg()[0]:.2f}")
    app.demo.close()


if __name__ == "__main__":
    main()
