"""Issue 12's 8-user figure: gradio_client programs calling /explore at once, as fast as the answers come.

    python benchmarks/explorer_api.py [ARCHIVE] [--users 8] [--seconds 20] [--url URL]

Prints updates/s in all three times: the users as threads of one Python process (one GIL: the client's own
JSON decoding can be the limit), as separate processes, and as processes that give gradio_client one TLS
context to reuse (it builds one per HTTP request otherwise); each with the CPU seconds the clients and the
server used, and the load average before the run (the 2 cores are shared by clients and server).
"""
import argparse
import contextlib
import multiprocessing
import os
import random
import ssl
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.conftest import add_archive_argument, start_app, stop_app  # noqa: E402
from ui.explorer.tab import API_DEFAULTS  # noqa: E402


def api_user(url: str, until: float, seed: int, done: list, errors: list, one_tls: bool = False) -> None:
    """One program moving the explorer's layer controls as fast as the answers come. one_tls: the program
    gives gradio_client one TLS context to reuse (it makes a new one, loading the certificate bundle, for
    each HTTP request of each call: tens of ms of the client's CPU each, on the same 2 cores as the server)."""
    from gradio_client import Client
    try:
        tls = dict(ssl_verify=ssl.create_default_context()) if one_tls else {}   # passed on as httpx verify=
        client, rng = Client(url, verbose=False, **tls), random.Random(seed)
    except Exception as e:   # a loaded machine can time out the client's start-up calls
        return errors.append(f"connecting: {e}"[:200])
    while time.time() < until:
        change = dict(out_channels=rng.randint(1, 16), kernel_size=rng.choice([3, 5]), init_seed=rng.randint(0, 99))
        start = time.time()
        try:
            client.predict(**{**API_DEFAULTS, **change}, api_name="/explore")
            done.append((time.time(), time.time() - start))
        except Exception as e:
            errors.append(str(e)[:200])


def threads_user_group(url: str, start: float, until: float, seeds: range, queue, one_tls: bool) -> None:
    """Users as threads of this process; to `queue`: the answers' (end, seconds), the errors and this
    process's CPU seconds from `start` to `until` (its start-up and connecting left out)."""
    done, errors, cpu = [], [], []
    threads = [threading.Thread(target=api_user, args=(url, until, s, done, errors, one_tls)) for s in seeds]
    threads += [threading.Timer(t - time.time(), lambda: cpu.append(time.process_time())) for t in (start, until)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    queue.put((done, errors, cpu[1] - cpu[0]))


def api_rate(url: str, users: int, seconds: float, processes: int, server_pid: int | None,
             one_tls: bool = False) -> str:
    """Run `users` users spread over `processes` client processes; one line with the figures."""
    ctx, load = multiprocessing.get_context("fork"), os.getloadavg()[0]   # fork: no second start-up
    queue, start = ctx.Queue(), time.time() + 5   # 5 s for the users to connect before the count starts
    until = start + seconds
    groups = [range(i, users, processes) for i in range(processes)]
    procs = [ctx.Process(target=threads_user_group, args=(url, start, until, g, queue, one_tls)) for g in groups]
    for p in procs:
        p.start()
    time.sleep(max(0.0, start - time.time()))
    server_cpu = cpu_seconds(server_pid)
    time.sleep(max(0.0, until - time.time()))
    server_cpu = cpu_seconds(server_pid) - server_cpu
    results = [queue.get() for _ in procs]
    for p in procs:
        p.join()
    times = [t for done, _, _ in results for end, t in done if start <= end <= until]
    errors = sorted({e for _, errs, _ in results for e in errs})
    client_cpu = sum(cpu for _, _, cpu in results)
    p50, n = (statistics.median(times) if times else float("nan")), max(1, len(times))
    where = "threads of one process" if processes == 1 else f"{processes} processes"
    where += ", each reusing one TLS context" if one_tls else ""
    return (f"{users} gradio_client user{'s' * (users != 1)} on /explore ({where}): {len(times) / seconds:.1f} updates/s in all "
            f"(goal >= 12), p50 {p50 * 1000:.0f} ms; CPU per update: clients {client_cpu / n * 1000:.0f} ms, "
            f"server {server_cpu / n * 1000:.0f} ms; load average before {load:.2f}; errors {len(errors)}"
            + "".join(f"\n  error: {e}" for e in errors[:3]))


def cpu_seconds(pid: int | None) -> float:
    """User + system CPU seconds of process `pid` so far (0 when not known: an app started elsewhere)."""
    if pid is None:
        return 0.0
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_for_data(url: str, timeout: float = 300) -> None:
    """Return once the app has decoded CIFAR-10 (the first start decodes the archive)."""
    from gradio_client import Client
    client, deadline = Client(url, verbose=False), time.monotonic() + timeout
    while True:
        try:
            client.predict("test", "all", 1, 0, api_name="/browse_data")
            return
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(1)


@contextlib.contextmanager
def app_with_data(archive: str):
    """(url, pid) of `python app.py` started on archive, once it has decoded CIFAR-10; stopped afterwards."""
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, LAYERLAB_TEST_LOG=str(Path(tmp) / "app.log"))
        env.setdefault("LAYERLAB_CACHE", tmp)   # set it to keep the decoded dataset between runs
        proc, url = start_app(["--data", archive], env)
        try:
            wait_for_data(url)
            yield url, proc.pid
        finally:
            stop_app(proc)


def report(url: str, args, server_pid: int | None) -> None:
    api_rate(url, args.users, 3, 1, None)   # warm-up: the server's first updates build caches
    print(api_rate(url, args.users, args.seconds, 1, server_pid), flush=True)
    print(api_rate(url, args.users, args.seconds, args.users, server_pid), flush=True)
    print(api_rate(url, args.users, args.seconds, args.users, server_pid, one_tls=True), flush=True)


def main() -> None:
    p = argparse.ArgumentParser()
    add_archive_argument(p)
    p.add_argument("--users", type=int, default=8)
    p.add_argument("--seconds", type=float, default=20)
    p.add_argument("--url", help="time an app already running there instead of starting one")
    p.add_argument("--pid", type=int, help="with --url: the app's process id, to count its CPU")
    args = p.parse_args()
    if args.url:
        return report(args.url, args, args.pid)
    with app_with_data(args.archive) as (url, pid):
        report(url, args, pid)


if __name__ == "__main__":
    main()
