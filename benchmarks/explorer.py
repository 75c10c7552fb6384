"""Issue 3 figures: one Layer-explorer update (64 CIFAR-10 images, Conv2d 3->16 k=3, every output rendered),
timed in the handler (server side) and end to end through gradio_client against a started app.

    python benchmarks/explorer.py [ARCHIVE] [--runs N]
    (ARCHIVE defaults to $LAYERLAB_TEST_DATA or ../shared/data/cifar10-jpeg.tar.gz)

Goals from the issue: server-side median < 50 ms, end to end median < 150 ms. Each update changes the init
seed (new weights, so every output changes and only the unchanged input picture is reused, as when a learner
moves a layer control); a second series also changes the batch (seed), so the input picture is drawn too.
"""
import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from nets.data.cifar import load_cifar10  # noqa: E402
from tests.conftest import add_archive_argument, start_app, stop_app  # noqa: E402
from ui.common import dataset  # noqa: E402
from ui.explorer.tab import API_DEFAULTS, DEFAULTS, answer  # noqa: E402

BASE = dict(DEFAULTS, batch_size=64, out_channels=16, kernel_size=3)


def summary(label: str, seconds: list[float], goal_ms: float) -> str:
    ms = sorted(s * 1000 for s in seconds)
    p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
    return (f"{label}: median {statistics.median(ms):.1f} ms, p95 {p95:.1f} ms over {len(ms)} updates "
            f"(goal: median < {goal_ms:.0f} ms)")


def variants(runs: int, new_batch: bool):
    """The control changes of successive updates."""
    for i in range(runs):
        change = dict(init_seed=i + 1)     # new weights: every output changes
        if new_batch:
            change["seed"] = i
        yield {**BASE, **change}


def time_handler(runs: int, new_batch: bool) -> list[float]:
    times = []
    for kwargs in variants(runs, new_batch):
        start = time.perf_counter()
        answer(None, kwargs)
        times.append(time.perf_counter() - start)
    return times


def time_layer_alone(data, runs: int) -> list[float]:
    """Baseline: only the layer math (normalise the batch, build Conv2d 3->16, run it), no pictures,
    on one thread as the explorer runs it (nets.explore.one_thread)."""
    import torch
    from nets.data.cifar import to_unit
    from nets.explorer.layer import one_thread
    x_u8 = data.test_x[:64]
    times = []
    for i in range(runs):
        start = time.perf_counter()
        torch.manual_seed(i)
        with torch.no_grad(), one_thread():
            torch.nn.Conv2d(3, 16, 3, padding=1)(to_unit(x_u8))
        times.append(time.perf_counter() - start)
    return times


def time_client(client, runs: int, new_batch: bool) -> list[float]:
    times = []
    for kwargs in variants(runs, new_batch):
        kwargs = {k: v for k, v in kwargs.items() if k in API_DEFAULTS}
        start = time.perf_counter()
        client.predict(**kwargs, api_name="/explore")
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    p = argparse.ArgumentParser()
    add_archive_argument(p)
    p.add_argument("--runs", type=int, default=60)
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as cache:
        data = load_cifar10(args.archive, cache)
        dataset.require_data = lambda: data          # the handler reads the same dataset the app would
        time_handler(5, False)                        # warm-up: first calls import and allocate
        print(summary("baseline: the layer alone, no rendering", time_layer_alone(data, args.runs), 50))
        print(summary("server side, layer control changed", time_handler(args.runs, False), 50))
        print(summary("server side, layer control and batch changed", time_handler(args.runs, True), 50))
        env = dict(os.environ, LAYERLAB_CACHE=cache,
                   LAYERLAB_TEST_LOG=str(Path(cache) / "app.log"))
        proc, url = start_app(["--data", args.archive], env)
        try:
            from gradio_client import Client
            client = Client(url, verbose=False)
            deadline = time.monotonic() + 60
            while True:
                try:
                    client.predict(**{**API_DEFAULTS, "batch_size": 1}, api_name="/explore")
                    break
                except Exception:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.5)
            time_client(client, 5, False)
            browse = []
            for i in range(args.runs):
                start = time.perf_counter()
                client.predict("test", "all", 64, i, api_name="/browse_data")
                browse.append(time.perf_counter() - start)
            print(summary("baseline: the Data tab's /browse_data, 64 images, end to end", browse, 150))
            trivial = []
            for i in range(args.runs):
                start = time.perf_counter()
                client.predict(i, 0, api_name="/explorer_step")   # no layer yet: one sentence back
                trivial.append(time.perf_counter() - start)
            print(summary("baseline: Gradio's round trip for a handler doing nothing", trivial, 150))
            print(summary("end to end (gradio_client), layer control changed",
                          time_client(client, args.runs, False), 150))
            print(summary("end to end (gradio_client), layer control and batch changed",
                          time_client(client, args.runs, True), 150))
            # The same without fetching the three PNGs to the client: how much of the above is file transfer.
            bare = Client(url, verbose=False, download_files=False)
            time_client(bare, 5, False)
            print(summary("end to end, layer control changed, PNGs not downloaded",
                          time_client(bare, args.runs, False), 150))
        finally:
            stop_app(proc)


if __name__ == "__main__":
    main()
