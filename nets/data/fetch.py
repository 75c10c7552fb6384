"""Getting CIFAR-10 in the background: torchvision's download, progress, and a status to show."""
import os
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from nets.data.cifar import CIFAR10_ARCHIVE, CIFAR10_MD5, CIFAR10_URL, Cifar10, DataError, load_cifar10
from nets.text import Phrase

DOWNLOAD_TIMEOUT_S = 20   # seconds without a byte before a download counts as failed
CHUNK = 1 << 16


@dataclass
class LoadStatus:
    """What the loader is doing, for the UI: state is 'idle', 'downloading', 'decoding', 'ready' or 'failed'."""
    state: str = "idle"
    message: Phrase = field(default_factory=lambda: Phrase("data.status_starting"))
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
        raise DataError("data.err.download", url=url, reason=str(reason), archive=CIFAR10_ARCHIVE,
                        folder=str(root.resolve())) from None
    if not check_integrity(str(partial), CIFAR10_MD5):
        partial.unlink(missing_ok=True)
        raise DataError("data.err.download_md5", url=url)
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
            self.status = LoadStatus("decoding" if self.path else "downloading")
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
            self.status = LoadStatus("decoding", Phrase("data.load.decoding", path=str(path)))
            data = load_cifar10(path, self.cache_dir)
            self.data = data
            self.status = LoadStatus("ready", describe_data(data), 1.0)
        except DataError as e:
            self.status = LoadStatus("failed", e.phrase)
        except Exception as e:  # the app must outlive any loader bug; say what happened
            self.status = LoadStatus("failed", Phrase("data.load.unexpected", kind=type(e).__name__, error=str(e)))
        print(f"[layerlab] data: {self.status.state}: {self.status.message}", flush=True)

    def _download(self) -> Path:
        started = time.perf_counter()

        def on_progress(done, total):
            mb = done / 1e6
            rate = mb / max(time.perf_counter() - started, 1e-6)
            message = Phrase("data.load.downloading", mb=mb, total_mb=total / 1e6, rate=rate) if total else \
                Phrase("data.load.downloading_size_unknown", mb=mb, rate=rate)
            self.status = LoadStatus("downloading", message, done / total if total else 0.0)

        self.status = LoadStatus("downloading", Phrase("data.load.connecting", folder=str(self.root)))
        download_cifar10(self.root, on_progress)
        return self.root


def describe_data(data: Cifar10) -> Phrase:
    """One line on where the data came from, for the status panel and console."""
    origin = Phrase("data.origin.cache" if data.from_cache else "data.origin.source")
    return Phrase("data.load.ready", train=len(data.train_y), test=len(data.test_y), classes=len(data.classes),
                  source=data.source, origin=origin, seconds=data.seconds)
