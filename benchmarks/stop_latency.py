"""Issue 11 figure: seconds from Stop to the Training tab's final update, p50/p95 over 10 stops per batch size.

Drives ui.training_run.start_training and request_stop, the handlers the Stop button and the /train and
/stop_training endpoints call, so the time includes the engine's last step and the work after it
(scoring, the checkpoint, charts, gallery). Goal: p95 under 1 s at every batch size.

    python benchmarks/stop_latency.py [--stops 10] [--batch-sizes 64 1024] [--after 2.0] [ARCHIVE]
"""
import argparse
import os
import statistics
import sys
import threading
import time
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
# Issue 11's measurements before Stop was read every step (one stop each, 2-core host): through the API.
BASELINE_S = {128: 5.4, 1024: 21.2}
GOAL_S = 1.0
sys.path.insert(0, str(ROOT))

from nets.train.config import TrainConfig  # noqa: E402
from ui import dataset, training_run  # noqa: E402


def settings(batch_size: int) -> dict:
    """The tab's default controls at batch_size: all 50,000 images, so no stop lands near an epoch's end."""
    return {**TrainConfig(batch_size=batch_size).to_dict(), "from_current": False}


def one_stop(batch_size: int, after: float) -> float:
    """Seconds from request_stop to the handler's last update, Stop pressed `after` s into training."""
    request = SimpleNamespace(session_hash=f"bench-{batch_size}", headers={})
    updates, ended = [], threading.Event()

    def run():
        for out in training_run.start_training(None, None, [], request, lambda *a, **k: None,
                                               **settings(batch_size)):
            updates.append(out)
        ended.set()

    threading.Thread(target=run, daemon=True).start()
    while not updates:   # the first chart update: training has started
        time.sleep(0.01)
    time.sleep(after)
    pressed = time.perf_counter()
    training_run.request_stop(request)
    ended.wait()
    seconds = time.perf_counter() - pressed
    assert "Stopped" in updates[-1][0], updates[-1][0]
    return seconds


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("archive", nargs="?", default=os.environ.get("LAYERLAB_DATA"))
    p.add_argument("--stops", type=int, default=10)
    p.add_argument("--batch-sizes", type=int, nargs="+", default=[64, 1024])
    p.add_argument("--after", type=float, default=2.0, help="seconds of training before each Stop")
    args = p.parse_args()
    dataset.configure(args.archive)
    if dataset.LOADER.wait(600) is None:
        sys.exit("The dataset did not load: give the CIFAR-10 archive or set LAYERLAB_DATA.")
    for batch_size in args.batch_sizes:
        times = sorted(one_stop(batch_size, args.after) for _ in range(args.stops))
        p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
        before = f"{BASELINE_S[batch_size]:.1f} s" if batch_size in BASELINE_S else "not measured"
        load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
        print(f"batch {batch_size:5d}: Stop → last update p50 {statistics.median(times):.2f} s, "
              f"p95 {p95:.2f} s, max {times[-1]:.2f} s over {len(times)} stops (goal p95 < {GOAL_S:g} s; "
              f"issue 11 baseline, one stop: {before}); load average {load} on {os.cpu_count()} CPUs",
              flush=True)


if __name__ == "__main__":
    main()
