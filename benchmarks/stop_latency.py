"""Issue 11 figure: seconds from Stop to the Training tab's final update, p50/p95 over 10 stops per batch size.

Drives ui.training.run.start_training and request_stop, the handlers the Stop button and the /train and
/stop_training endpoints call, so the time includes the engine's last step and the work after it
(scoring, the checkpoint, charts, gallery). Goal: p95 under 1 s at every batch size. With --cancels N it
also starts the app and times gradio_client's job.cancel() on a /train run until a run queued behind it starts.

    python benchmarks/stop_latency.py [--stops 10] [--batch-sizes 64 1024] [--after 2.0] [--cancels 0] [ARCHIVE]
"""
import argparse
import os
import socket
import statistics
import subprocess
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

from tests.conftest import add_archive_argument  # noqa: E402
from nets.train.config import TrainConfig  # noqa: E402
from ui.common import dataset
from ui.training import run as training_run  # noqa: E402


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


def api_settings(batch_size: int) -> dict:
    """settings(batch_size) as the /train endpoint's parameters."""
    from ui.training.tab import CONTROL_NAMES
    return {k: v for k, v in settings(batch_size).items() if k in CONTROL_NAMES}


def one_cancel(client, batch_size: int, after: float) -> float:
    """Seconds from job.cancel() on a running /train job until the run queued behind it starts training."""
    from gradio_client.utils import Status
    running = client.submit(**api_settings(batch_size), api_name="/train")
    while len(running.outputs()) < 2:   # streaming: training has started
        time.sleep(0.02)
    waiting = client.submit(**{**api_settings(64), "max_steps": 1, "test_images": 100}, api_name="/train")
    time.sleep(after)
    pressed = time.perf_counter()
    running.cancel()
    while waiting.status().code in (Status.STARTING, Status.JOINING_QUEUE, Status.QUEUE_FULL, Status.IN_QUEUE,
                                    Status.SENDING_DATA):
        time.sleep(0.01)
    seconds = time.perf_counter() - pressed
    waiting.result(timeout=300)
    return seconds


def cancels(archive: str, batch_sizes: list[int], count: int, after: float) -> None:
    """Start `python app.py`, then print cancel → next run started, p50/p95 per batch size."""
    from gradio_client import Client
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = subprocess.Popen([sys.executable, "app.py", "--data", archive, "--port", str(port)], cwd=ROOT,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        client = None
        while client is None:
            try:
                client = Client(f"http://127.0.0.1:{port}/", verbose=False)
                client.predict("test", "all", 1, 0, api_name="/browse_data")   # the dataset has loaded
            except Exception:
                client = None
                time.sleep(0.5)
        for batch_size in batch_sizes:
            report("job.cancel() → next run starts", batch_size,
                   [one_cancel(client, batch_size, after) for _ in range(count)])
    finally:
        app.terminate()
        app.wait(30)


def report(what: str, batch_size: int, times: list[float]) -> None:
    times = sorted(times)
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"batch {batch_size:5d}: {what} p50 {statistics.median(times):.2f} s, p95 {p95:.2f} s, "
          f"max {times[-1]:.2f} s over {len(times)} (goal p95 < {GOAL_S:g} s); load average {load} "
          f"on {os.cpu_count()} CPUs", flush=True)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_archive_argument(p)
    p.add_argument("--stops", type=int, default=10)
    p.add_argument("--batch-sizes", type=int, nargs="+", default=[64, 1024])
    p.add_argument("--after", type=float, default=2.0, help="seconds of training before each Stop")
    p.add_argument("--cancels", type=int, default=0, help="job.cancel() calls per batch size through the API")
    args = p.parse_args()
    dataset.configure(args.archive)
    if dataset.LOADER.wait(600) is None:
        sys.exit("The dataset did not load: give the CIFAR-10 archive or set LAYERLAB_TEST_DATA.")
    for batch_size in args.batch_sizes:
        times = sorted(one_stop(batch_size, args.after) for _ in range(args.stops))
        p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
        before = f"{BASELINE_S[batch_size]:.1f} s" if batch_size in BASELINE_S else "not measured"
        load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
        print(f"batch {batch_size:5d}: Stop → last update p50 {statistics.median(times):.2f} s, "
              f"p95 {p95:.2f} s, max {times[-1]:.2f} s over {len(times)} stops (goal p95 < {GOAL_S:g} s; "
              f"issue 11 baseline, one stop: {before}); load average {load} on {os.cpu_count()} CPUs",
              flush=True)
    if args.cancels:
        cancels(args.archive, args.batch_sizes, args.cancels, args.after)


if __name__ == "__main__":
    main()
