"""Issue 2 figures: seconds from `python app.py --data ARCHIVE` to the page answering (first start and
cached), and seconds to decode the archive the first time vs to load it from the cache.

    python benchmarks/startup.py [ARCHIVE]   (default: $LAYERLAB_TEST_DATA or ../shared/data/cifar10-jpeg.tar.gz)
"""
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from nets.data.cifar import load_cifar10  # noqa: E402
from tests.conftest import free_port  # noqa: E402


def time_app_start(archive: str, cache: str) -> tuple[float, float]:
    """Seconds until the page answers, and until the dataset is reported ready on the console."""
    port = free_port()
    env = dict(os.environ, LAYERLAB_CACHE=cache, PYTHONUNBUFFERED="1")
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "app.py", "--data", archive, "--port", str(port)], cwd=ROOT,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    page = ready = None
    try:
        while page is None:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1)
                page = time.perf_counter() - start
            except OSError:
                time.sleep(0.05)
        for line in proc.stdout:
            if "[layerlab] data:" in line:
                ready = time.perf_counter() - start
                break
    finally:
        proc.terminate()
        proc.wait()
    return page, ready


def main() -> None:
    archive = sys.argv[1] if len(sys.argv) > 1 else os.environ.get(
        "LAYERLAB_TEST_DATA", str(ROOT.parent / "shared" / "data" / "cifar10-jpeg.tar.gz"))
    with tempfile.TemporaryDirectory() as cache:
        t = time.perf_counter()
        first = load_cifar10(archive, cache)
        decode_s = time.perf_counter() - t
        t = time.perf_counter()
        cached = load_cifar10(archive, cache)
        cache_s = time.perf_counter() - t
        assert cached.from_cache and not first.from_cache
        print(f"load_cifar10: decode first time {decode_s:.2f} s, from cache {cache_s:.2f} s "
              f"({len(first.train_y) + len(first.test_y):,} images)")
    with tempfile.TemporaryDirectory() as cache:
        for label in ("first start (no cache)", "cached start"):
            page, ready = time_app_start(archive, cache)
            print(f"python app.py --data: {label}: page answers after {page:.2f} s, data ready after {ready:.2f} s")


if __name__ == "__main__":
    main()
