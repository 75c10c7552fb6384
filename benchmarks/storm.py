"""Issue 24: a class of N visitors (40 by default) on the explorer, then every tab closing at once; GET / is timed
every half second throughout, as a visitor who stays would feel it.

Prints GET /'s maximum and p95 while the class works and after the tabs close (through the memory pass that
follows, LAYERLAB_CLOSED_SESSION_SECONDS + 2 s later), the explorer's p95 and errors, the server's peak and final
RSS and thread count, and the load average. Goal: GET / under 1 s during and after the storm.

    python benchmarks/storm.py [ARCHIVE] [--clients 40] [--arrive 20] [--seconds 30] [--think 2] [--settle 90]
"""
import argparse
import os
import random
import ssl
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gradio_client import Client  # noqa: E402

from benchmarks.soak import print_end, rss_mb  # noqa: E402
from tests.conftest import add_archive_argument, start_app, stop_app  # noqa: E402
from ui.explorer.tab import API_DEFAULTS  # noqa: E402

PING_S = 0.5   # between two timed GET /
TLS = ssl.create_default_context()   # one for every client (gradio_client reads the certificates per request)


def connect(url: str) -> Client:
    return Client(url, verbose=False, ssl_verify=TLS, httpx_kwargs={"timeout": 120})


def student(url: str, arrive: float, until: float, seed: int, think: float, clients: list, latencies: list,
            errors: list) -> None:
    """One visitor: arrives, opens the page (a session), then moves the explorer's controls, reading each answer."""
    rng = random.Random(seed)
    time.sleep(arrive)
    try:
        client = connect(url)
    except Exception as e:   # noqa: BLE001 - every failure is reported
        errors.append(f"connect: {str(e)[:160]}")
        return
    clients.append(client)
    while time.perf_counter() < until:
        change = rng.choice([dict(kind="Conv2d", out_channels=rng.randint(1, 16), kernel_size=rng.choice([3, 5])),
                             dict(kind="MaxPool2d", pool_kernel=rng.choice([2, 3])), dict(kind="ReLU")])
        began = time.perf_counter()
        try:
            client.predict(**{**API_DEFAULTS, **change}, api_name="/explore")
            latencies.append(time.perf_counter() - began)
        except Exception as e:   # noqa: BLE001
            errors.append(f"/explore: {str(e)[:160]}")
        time.sleep(rng.uniform(0.5, 1.5) * think)


def pinger(url: str, stop: threading.Event, pings: list, errors: list, pid: int, threads: list) -> None:
    """GET / every PING_S: (when it was sent, seconds it took); the server's thread count beside it."""
    while not stop.is_set():
        began = time.perf_counter()
        try:
            with urllib.request.urlopen(url, timeout=120) as answer:
                answer.read()
            pings.append((began, time.perf_counter() - began))
        except Exception as e:   # noqa: BLE001
            errors.append(f"GET /: {str(e)[:160]}")
        threads.append(int(status_field(pid, "Threads")))
        stop.wait(max(0.0, PING_S - (time.perf_counter() - began)))


def status_field(pid: int, name: str) -> str:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(name + ":"):
            return line.split()[1]
    return "0"


def start(archive: str, env: dict, tries: int = 3):
    """start_app, tried again when Gradio's own start-up check of localhost times out on a loaded host."""
    for attempt in range(tries):
        try:
            return start_app(["--data", archive, "--host", "127.0.0.1"], env, timeout=300)
        except RuntimeError as e:
            if attempt == tries - 1 or "localhost is not accessible" not in str(e):
                raise
            print("the server did not start (Gradio found localhost too slow); starting it again")


def wait_for_data(client: Client, seconds: float = 600) -> None:
    """Until CIFAR-10 has loaded (decoded the first time, from the cache later)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            client.predict("test", "all", 1, 0, api_name="/browse_data")
            return
        except Exception:   # noqa: BLE001 - "still loading"
            if time.monotonic() > deadline:
                raise
            time.sleep(2)


def figures(seconds: list[float]) -> str:
    if not seconds:
        return "no answers"
    ms = sorted(1000 * s for s in seconds)
    return f"max {ms[-1]:,.0f} ms, p95 {ms[round(0.95 * (len(ms) - 1))]:,.0f} ms over {len(ms)}"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_archive_argument(p)
    p.add_argument("--clients", type=int, default=40)
    p.add_argument("--arrive", type=float, default=20, help="seconds over which the students arrive")
    p.add_argument("--seconds", type=float, default=30, help="how long the class works, once all have arrived")
    p.add_argument("--think", type=float, default=2.0, help="a student's mean pause between two explorer moves")
    p.add_argument("--settle", type=float, default=90, help="seconds timed after the tabs close")
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, LAYERLAB_TEST_LOG=str(Path(tmp) / "app.log"))
        proc, url = start(args.archive, env)
        try:
            warm = connect(url)
            wait_for_data(warm)
            warm.predict(**API_DEFAULTS, api_name="/explore")
            warm.close()
            start_rss = rss_mb(proc.pid)
            stop, pings, threads, errors, latencies, clients = threading.Event(), [], [], [], [], []
            timer = threading.Thread(target=pinger, args=(url, stop, pings, errors, proc.pid, threads))
            timer.start()
            until = time.perf_counter() + args.arrive + args.seconds
            students = [threading.Thread(target=student, args=(url, i * args.arrive / args.clients, until, i,
                                                               args.think, clients, latencies, errors))
                        for i in range(args.clients)]
            for th in students:
                th.start()
            for th in students:
                th.join()
            closed_at = time.perf_counter()
            for client in clients:
                client.close()   # every tab at once: their heartbeats end, the server runs each unload
            time.sleep(args.settle)
            stop.set()
            timer.join()
            before = [s for t, s in pings if t < closed_at]
            after = [s for t, s in pings if t >= closed_at]
            print(f"{args.clients} clients ({len(clients)} connected) over {args.arrive:.0f} s, then {args.seconds:.0f} s of explorer moves "
                  f"({len(latencies)} answered, {figures(latencies)}), then all closed; {args.settle:.0f} s timed after")
            print(f"GET / while the class works: {figures(before)}")
            print(f"GET / after every tab closed: {figures(after)}")
            # The closed tabs' memory pass comes LAYERLAB_CLOSED_SESSION_SECONDS + 2 s (32 s) after they close;
            # the first seconds hold the answers still in flight for the students who left.
            windows = [max((s for t, s in pings if a <= t - closed_at < a + 5), default=None) for a in
                       range(0, int(args.settle), 5)]   # None: no GET / sent then, the one before still waiting
            print("  slowest GET / sent in each 5 s after closing: " +
                  ", ".join("-" if s is None else f"{1000 * s:,.0f}" for s in windows) + " ms")
            print(f"  GET / over 1 s after closing: {sum(s > 1 for s in after)} of {len(after)}")
            print(f"server RSS: start {start_rss:,.0f} MB, peak {rss_mb(proc.pid, 'VmHWM'):,.0f} MB, final "
                  f"{rss_mb(proc.pid):,.0f} MB; threads: most {max(threads, default=0)}, final {threads[-1] if threads else 0}")
            print_end(proc, errors)
        finally:
            stop_app(proc)


if __name__ == "__main__":
    main()
