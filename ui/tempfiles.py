"""LayerLab's own temporary files: one root, one folder per process, stale folders removed, files capped by size."""
import os
import shutil
import tempfile
import uuid
from pathlib import Path

import anyio
from starlette.requests import ClientDisconnect

from nets import limits
from nets.tempfolders import keep_newest_bytes

ROOT = Path(tempfile.gettempdir()) / "layerlab"   # visual/explorer.py writes under ROOT/<pid>/explorer too
PROCESS_DIR = ROOT / str(os.getpid())


def folder(area: str) -> Path:
    """This process's folder for one kind of file (galleries, checkpoints, downloads)."""
    return PROCESS_DIR / area


def hold_gradio_cache() -> None:
    """Gradio's cache (uploads, the files it serves) in this process's folder, so the next start removes what a
    killed server left (2.3 GB after one SIGTERM restart). Call before any component is built: each reads the
    folder then. A folder the host chose (GRADIO_TEMP_DIR) is kept, unless a parent LayerLab set it to its own."""
    given = os.environ.get("GRADIO_TEMP_DIR")
    if not given or Path(given).resolve().is_relative_to(ROOT.resolve()):
        os.environ["GRADIO_TEMP_DIR"] = str(folder("gradio"))


class CacheCap:
    """ASGI middleware: after each upload, Gradio's cache in this process's folder is cut to limits.MAX_TEMP_BYTES,
    oldest files first (Gradio itself deletes only files over an hour old: 40 visitors could leave 18 GB). The
    upload just made is the newest, and every upload is smaller than the cap, so it stays for its handler."""

    def __init__(self, app, cache: Path | None = None):
        self.app = app
        self.cache = cache or folder("gradio")

    async def __call__(self, scope, receive, send):
        try:
            await self.app(scope, receive, send)
        except ClientDisconnect:   # the caller went away mid-request (an upload cut off): nobody to answer
            return
        if scope["type"] == "http" and scope["method"] == "POST" and scope["path"].endswith("/upload") and \
                os.environ.get("GRADIO_TEMP_DIR") == str(self.cache) and self.cache.is_dir():
            await anyio.to_thread.run_sync(cut_cache, self.cache, limits.MAX_TEMP_BYTES)


def cut_cache(cache: Path, max_bytes: int) -> None:
    """Delete the cache's oldest stored files (a folder each) until the rest take max_bytes; uploads still
    arriving (Gradio's temporary files at its top) are left alone."""
    keep_newest_bytes(cache, max_bytes, Path.is_dir)


def new_file(area: str, name: str, cap_bytes: int | None = None) -> Path:
    """A path for a new file called name (in a fresh subfolder, so names never clash); the area pruned first."""
    base = folder(area)
    base.mkdir(parents=True, exist_ok=True)
    keep_newest_bytes(base, limits.MAX_TEMP_BYTES if cap_bytes is None else cap_bytes)
    path = base / uuid.uuid4().hex[:16] / name
    path.parent.mkdir()
    return path


def remove_stale(root: Path = ROOT) -> list[Path]:
    """Remove the folders of LayerLab processes that have ended (a crash or a restart leaves them); what went."""
    stale = [d for d in root.glob("*") if d.is_dir() and d.name.isdigit() and not alive(int(d.name))]
    for d in stale:
        shutil.rmtree(d, ignore_errors=True)
    return stale


def alive(pid: int) -> bool:
    """Whether a process with this id is running (signal 0 checks without sending anything)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:   # someone else's process
        return True
    return True
