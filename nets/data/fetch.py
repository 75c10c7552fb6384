"""Getting CIFAR-10 in the background: torchvision's download, progress, and a status to show."""
import os
import threading
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from nets.data.cifar import CIFAR10_ARCHIVE, CIFAR10_MD5, CIFAR10_URL, Cifar10, DataError, load_cifar10

DOWNLOAD_TIMEOUT_S = 20   # seconds without a byte before a download counts as failed
CHUNK = 1 << 16


@dataclass
class LoadStatus:
    """What the loader is doing, for the UI: state is 'idle', 'downloading', 'decoding', 'ready' or 'failed'."""
    state: str = "idle"
    message: str = ""
    fraction: float = 0.0   # progress of the current step, 0..1


def download_cifar10(root: Path, on_progress=lambda done, total: None) -> Path:
    """Download the official archive into root (skipped when a good copy is there); returns its path."""
    from torchvision.datasets.utils import check_integrity
    root.mkdir(parents=True, exist_ok=True)
    target = root / CIFAR10_ARCHIVE
    if check_integrity(str(target), CIFAR10_MD5):
        return target
    url = os.environ.get("LAYERLAB_CIFAR10_URL", CIFAR10_URL)
    partial = target.with_suffix(".part")
    try:
        with urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT_S) as response, open(partial, "wb") as f:
            total = int(response.headers.get("Content-Length") or 0)
            done = 0
            while chunk := response.read(CHUNK):
                f.write(chunk)
                done += len(chunk)
                on_progress(done, total)
    except OSError as e:
        partial.unlink(missing_ok=True)
        reason = getattr(e, "reason", None) or e
        raise DataError(f"Could not download CIFAR-10 from {url} ({reason}). Start LayerLab with "
                        f"--data PATH pointing at a copy, or put {CIFAR10_ARCHIVE} into {root.resolve()}, "
                        "then press Retry.") from None
    if not check_integrity(str(partial), CIFAR10_MD5):
        partial.unlink(missing_ok=True)
        raise DataError(f"The download from {url} is incomplete or altered (wrong MD5 sum). "
                        "Press Retry, or start LayerLab with --data PATH pointing at a copy.")
    os.replace(partial, target)
    return target


class DatasetLoader:
    """Loads CIFAR-10 on a background thread so the page is served at once; retry after a failure."""

    def __init__(self, path=None, root="./data", cache_dir=None):
        self.path, self.root, self.cache_dir = path, Path(root), cache_dir
        self.status = LoadStatus()
        self.data: Cifar10 | None = None
        self._lock = threading.Lock()
        self._thread = None

    def start(self) -> None:
        """Begin loading unless a load is running or done."""
        with self._lock:
            if self.data is not None or (self._thread and self._thread.is_alive()):
                return
            self.status = LoadStatus("decoding" if self.path else "downloading", "Starting…")
            self._thread = threading.Thread(target=self._run, name="cifar10-loader", daemon=True)
            self._thread.start()

    def wait(self, timeout: float | None = None) -> Cifar10 | None:
        """Block until the current load ends (for the CLI and tests)."""
        if self._thread:
            self._thread.join(timeout)
        return self.data

    def _run(self) -> None:
        try:
            path = self.path or self._download()
            self.status = LoadStatus("decoding", f"Decoding {path} (first time only; later starts use the cache)…")
            data = load_cifar10(path, self.cache_dir)
            self.data = data
            self.status = LoadStatus("ready", describe_data(data), 1.0)
        except DataError as e:
            self.status = LoadStatus("failed", str(e))
        except Exception as e:  # the app must outlive any loader bug; say what happened
            self.status = LoadStatus("failed", f"Loading CIFAR-10 failed unexpectedly: {type(e).__name__}: {e}")
        print(f"[layerlab] data: {self.status.state}: {self.status.message}", flush=True)

    def _download(self) -> Path:
        started = time.perf_counter()

        def on_progress(done, total):
            mb = done / 1e6
            rate = mb / max(time.perf_counter() - started, 1e-6)
            of = f" of {total / 1e6:.0f} MB" if total else " MB"
            self.status = LoadStatus("downloading", f"Downloading CIFAR-10 with torchvision's URL: "
                                     f"{mb:.1f}{of} ({rate:.1f} MB/s)", done / total if total else 0.0)

        self.status = LoadStatus("downloading", f"Connecting to download CIFAR-10 into {self.root}…")
        download_cifar10(self.root, on_progress)
        return self.root


def describe_data(data: Cifar10) -> str:
    """One line on where the data came from, for the status panel and console."""
    origin = "from LayerLab's cache" if data.from_cache else "decoded from the source"
    return (f"{len(data.train_y):,} train + {len(data.test_y):,} test images, {len(data.classes)} classes, "
            f"read from {data.source} ({origin}, {data.seconds:.2f} s).")
