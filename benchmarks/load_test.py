"""Issue 6 figures: 8 concurrent gradio_client users drive the Layer explorer for 60 s while one visitor
trains; requests served, p50/p95 latency, errors, and whether training kept progressing. A short
single-user phase without training, in the same run, is the baseline.

    python benchmarks/load_test.py [ARCHIVE] [--users 8] [--seconds 60] [--baseline-seconds 15]
"""
import argparse
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gradio_client import Client  # noqa: E402

from tests.conftest import add_archive_argument, start_app, stop_app  # noqa: E402
from ui.explorer.tab import API_DEFAULTS  # noqa: E402

TRAINING = dict(optimizer="adam", epochs=20, batch_size=64)   # longer than the test: it must still run at the end


def explorer_user(url: str, until: float, seed: int, latencies: list, errors: list) -> None:
    """One visitor moving the explorer's controls as fast as the answers come."""
    client, rng = Client(url, verbose=False), random.Random(seed)
    while time.perf_counter() < until:
        change = rng.choice([dict(kind="Conv2d", out_channels=rng.randint(1, 16), kernel_size=rng.choice([3, 5])),
                             dict(kind="MaxPool2d", pool_kernel=rng.choice([2, 3])),
                             dict(kind="ReLU"), dict(kind="Conv2d", seed=rng.randint(0, 999))])
        start = time.perf_counter()
        try:
            client.predict(**{**API_DEFAULTS, **change}, api_name="/explore")
            latencies.append(time.perf_counter() - start)
        except Exception as e:
            errors.append(str(e)[:200])


def drive(url: str, users: int, seconds: float) -> tuple[list, list]:
    latencies, errors = [], []
    until = time.perf_counter() + seconds
    threads = [threading.Thread(target=explorer_user, args=(url, until, i, latencies, errors)) for i in range(users)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return latencies, errors


def report(label: str, latencies: list, errors: list, seconds: float) -> None:
    ms = sorted(x * 1000 for x in latencies) or [float("nan")]
    p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
    print(f"{label}: {len(latencies)} requests served in {seconds:.0f} s ({len(latencies) / seconds:.1f}/s), "
          f"p50 {statistics.median(ms):.0f} ms, p95 {p95:.0f} ms, errors {len(errors)}")
    for e in sorted(set(errors))[:5]:
        print(f"  error: {e}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_archive_argument(p)
    p.add_argument("--users", type=int, default=8)
    p.add_argument("--seconds", type=float, default=60)
    p.add_argument("--baseline-seconds", type=float, default=15)
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, LAYERLAB_TEST_LOG=str(Path(tmp) / "app.log"))
        proc, url = start_app(["--data", args.archive], env)
        try:
            Client(url, verbose=False).predict("test", "all", 1, 0, api_name="/browse_data")   # data loaded
            report("baseline: 1 explorer user, no training", *drive(url, 1, args.baseline_seconds),
                   args.baseline_seconds)
            trainer = Client(url, verbose=False)
            job = trainer.submit(**TRAINING, api_name="/train")
            time.sleep(5)   # let the run start
            before = len(job.outputs())
            latencies, errors = drive(url, args.users, args.seconds)
            after = len(job.outputs())
            report(f"{args.users} explorer users while training", latencies, errors, args.seconds)
            status = job.outputs()[-1][0] if job.outputs() else "(no update)"
            print(f"training during the load: {after - before} streamed updates; last status: "
                  f"{status.splitlines()[0][:160]}")
            print(f"training still running at the end: {not job.done()}; server alive: {proc.poll() is None}")
            trainer.predict(api_name="/stop_training")
        finally:
            stop_app(proc)


if __name__ == "__main__":
    main()
