"""Issue 11 soak: 8 explorer users, the largest network the Builder allows trained for a few epochs, and zip-bomb
uploads, all at once against one server on loopback; its peak RSS, its RSS 60 s after the clients leave,
requests served and errors.

Goals: peak RSS under the server's memory budget (LAYERLAB_MAX_SERVER_MEMORY_MB, the same environment
reaches the server), printed beside it; back within 10% of the start 60 s after the clients
close (their tabs' state is dropped, ui/common/sessions.py); 0 errors (a refused bomb is the expected answer).
The start is read once the server has served one browse, one explore, one tiny training run and 8 explorer
users for 15 s: what their first use loads (imports, worker threads with their allocator arenas, kernels)
stays for the process's life and is nobody's; the figures read before each are printed too.

    python benchmarks/soak.py [ARCHIVE] [--users 8] [--seconds 60] [--epochs 3] [--train-images 320]
                              [--bombs 4] [--settle 60]
"""
import argparse
import io
import json
import os
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402
from gradio_client import Client, handle_file  # noqa: E402

from benchmarks.load_test import explorer_user  # noqa: E402
from nets import limits  # noqa: E402
from nets.builder.shapes import MAX_LINEAR_PARAMS, MAX_PARAMS  # noqa: E402
from nets.builder.spec import check_spec  # noqa: E402
from nets.models import tutorial_cnn  # noqa: E402
from tests.conftest import add_archive_argument, start_app, stop_app  # noqa: E402
from ui.explorer.tab import API_DEFAULTS  # noqa: E402

MB = 2**20
WARM_UP_S = 15   # the first concurrent explorer users, before the start is read
# Two Linears at the Builder's per-layer limit and the class scores: 99.9M weights, the most parameters it
# allows (convolutions that large would exceed its multiply-add limit first).
HIDDEN = MAX_LINEAR_PARAMS // 3073                                 # Linear(3072, HIDDEN) with its bias
WIDTH = (MAX_PARAMS - 3073 * HIDDEN) // (HIDDEN + 1) - 10          # room left for the 10 class scores
LARGEST = [{"type": "Flatten"}, {"type": "Linear", "in_features": 3072, "out_features": HIDDEN}, {"type": "ReLU"},
           {"type": "Linear", "in_features": HIDDEN, "out_features": WIDTH}, {"type": "ReLU"},
           {"type": "Linear", "in_features": WIDTH, "out_features": 10}]


def largest_network() -> list[dict]:
    """LARGEST, checked by the Builder's own rules."""
    result = check_spec(LARGEST)
    assert result.ok, result.error
    return LARGEST


def write_bomb(path: Path, inflated_mb: int) -> Path:
    """A torch-format zip (a real tutorial state_dict) plus one entry of zeros that inflates to inflated_mb."""
    source = io.BytesIO()
    torch.save(tutorial_cnn().state_dict(), source)
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(path, "w") as out:
        for info in src.infolist():
            out.writestr(info, src.read(info))
        info = zipfile.ZipInfo("archive/data/bomb")
        info.compress_type = zipfile.ZIP_DEFLATED
        with out.open(info, "w", force_zip64=True) as entry:
            for _ in range(inflated_mb):
                entry.write(bytes(MB))
    return path


def rss_mb(pid: int, field: str = "VmRSS") -> float:
    """The process's resident memory (VmHWM: its peak so far) in MB, from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"{field} not in /proc/{pid}/status")


def trainer(url: str, epochs: int, images: int, out: dict, clients: list) -> None:
    """One visitor: builds the largest network, trains it, then asks for the views that use it."""
    client = Client(url, verbose=False)
    clients.append(client)
    try:
        client.predict(json.dumps(largest_network()), api_name="/builder_set_layers")
        result = client.predict(optimizer="adam", epochs=epochs, batch_size=32, train_images=images,
                                test_images=200, api_name="/train")
        out["status"] = result[0].splitlines()[0][:200]
        out["served"] = 2
    except Exception as e:   # noqa: BLE001 - every failure is reported
        out["error"] = str(e)[:300]


def bomber(url: str, bomb: Path, count: int, refused: list, errors: list, clients: list) -> None:
    """Uploads the bomb to both checkpoint endpoints, count times in all; each must be refused unopened."""
    client = Client(url, verbose=False)
    clients.append(client)
    for i in range(count):
        api = "/load_checkpoint" if i % 2 == 0 else "/saving_upload"
        try:
            client.predict(handle_file(str(bomb)), api_name=api)
            errors.append(f"{api}: a zip bomb was accepted")
        except Exception as e:   # noqa: BLE001
            (refused if "refused" in str(e) else errors).append(f"{api}: {str(e)[:200]}")


def explorers(url: str, users: int, seconds: float, latencies: list, errors: list) -> list:
    """users explorer visitors for seconds (load_test's), each with its own client."""
    until = time.perf_counter() + seconds
    return [threading.Thread(target=explorer_user, args=(url, until, i, latencies, errors)) for i in range(users)]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_archive_argument(p)
    p.add_argument("--users", type=int, default=8)
    p.add_argument("--seconds", type=float, default=60, help="how long the explorer users keep asking")
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--train-images", type=int, default=320)
    p.add_argument("--bombs", type=int, default=4)
    p.add_argument("--bomb-mb", type=int, default=1024, help="what each bomb inflates to")
    p.add_argument("--settle", type=float, default=60, help="seconds after the clients leave before RSS is read")
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        bomb = write_bomb(Path(tmp) / "bomb.pth", args.bomb_mb)
        env = dict(os.environ, LAYERLAB_TEST_LOG=str(Path(tmp) / "app.log"))
        proc, url = start_app(["--data", args.archive, "--host", "127.0.0.1"], env, timeout=300)
        try:
            warm = Client(url, verbose=False)
            warm.predict("test", "all", 1, 0, api_name="/browse_data")   # the dataset is loaded
            warm.predict(**API_DEFAULTS, api_name="/explore")            # one-time imports and caches, not visitors'
            fresh = rss_mb(proc.pid)
            # A first, tiny run: the training path's one-time imports, thread pools and kernels, not a visitor's.
            warm.predict(epochs=1, batch_size=32, train_images=64, test_images=64, api_name="/train")
            warm.close()
            trained = rss_mb(proc.pid)
            # The first concurrent users: the server's worker threads, each with its own allocator arena and
            # oneDNN scratchpad, kept for the process's life (measured: +62, +24, +5 MB over three such bursts).
            warming = explorers(url, args.users, WARM_UP_S, [], [])
            for th in warming:
                th.start()
            for th in warming:
                th.join()
            start = rss_mb(proc.pid)
            latencies, errors, refused, clients, training = [], [], [], [], {}
            threads = explorers(url, args.users, args.seconds, latencies, errors)
            threads.append(threading.Thread(target=trainer, args=(url, args.epochs, args.train_images,
                                                                  training, clients)))
            threads.append(threading.Thread(target=bomber, args=(url, bomb, args.bombs, refused, errors, clients)))
            began = time.perf_counter()
            for th in threads:
                th.start()
            for th in threads:
                th.join()
            seconds = time.perf_counter() - began
            peak = rss_mb(proc.pid, "VmHWM")
            for client in clients:
                client.close()   # the visitors leave: their heartbeats end, as a closed tab's does
            time.sleep(args.settle)
            after = rss_mb(proc.pid)
            errors += [f"/train: {training['error']}"] if "error" in training else []
            served = len(latencies) + len(refused) + training.get("served", 0)
            print(f"bomb: {bomb.stat().st_size / MB:.1f} MB file inflating to {args.bomb_mb:,} MB; network: "
                  f"{check_spec(largest_network()).params:,} parameters, {args.epochs} epochs on "
                  f"{args.train_images} images")
            print(f"{served} requests served in {seconds:.0f} s ({len(latencies)} explorer, {len(refused)} bombs "
                  f"refused, training: {training.get('status', '(none)')})")
            budget = limits.MAX_SERVER_MEMORY_BYTES / MB
            print(f"server RSS: start {start:,.0f} MB, peak {peak:,.0f} MB (LAYERLAB_MAX_SERVER_MEMORY_MB "
                  f"{budget:,.0f} MB: {'under' if peak < budget else 'OVER'}; LAYERLAB_MAX_VISITOR_MB "
                  f"{limits.MAX_VISITOR_BYTES / MB:,.0f} MB), {args.settle:.0f} s after the clients left "
                  f"{after:,.0f} MB ({100 * (after - start) / start:+.0f}% of the start; goal within 10%)")
            print(f"  the start read earlier: {fresh:,.0f} MB before the first training run "
                  f"({100 * (after - fresh) / fresh:+.0f}%), "
                  f"{trained:,.0f} MB after it ({100 * (after - trained) / trained:+.0f}%), before the first "
                  f"{args.users} users' {WARM_UP_S:.0f} s")
            print_end(proc, errors)
        finally:
            stop_app(proc)


def print_end(proc, errors: list) -> None:
    """The closing lines of a load benchmark: the load average, errors (a few named), and whether the server lives."""
    print(f"load average at the end: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    print(f"errors: {len(errors)}; server alive: {proc.poll() is None}")
    for e in sorted(set(errors))[:8]:
        print(f"  error: {e}")


if __name__ == "__main__":
    main()
