"""LayerLab's own temporary files: one root, one folder per process, stale folders removed, files capped by size."""
import os
import shutil
import tempfile
import time
import uuid
from pathlib import Path

import anyio
from starlette.requests import ClientDisconnect

from nets import limits
from nets.tempfolders import keep_newest_bytes, modified
from ui.common.gradio_hooks import sent_to_events

ROOT = Path(tempfile.gettempdir()) / "layerlab"   # visual/explorer.py writes under ROOT/<pid>/explorer too
PROCESS_DIR = ROOT / str(os.getpid())
UPLOAD_GRACE_S = 10   # an upload this recent is kept: its call may still be sending its other files


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
    oldest files first (Gradio itself deletes only files over an hour old: 40 visitors could leave 18 GB). An upload
    stays while its event waits in the queue or runs, and for UPLOAD_GRACE_S after it arrived (a client uploads
    all of a call's files before it joins the queue); the cache may exceed the cap by those alone."""

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
            held = queued_uploads(scope.get("app"), self.cache)
            await anyio.to_thread.run_sync(cut_cache, self.cache, limits.MAX_TEMP_BYTES, held)


def cut_cache(cache: Path, max_bytes: int, held: set[Path] = frozenset()) -> None:
    """Delete the cache's oldest stored files (a folder each) until the rest take max_bytes; uploads still
    arriving (Gradio's temporary files at its top), those held and those of the last UPLOAD_GRACE_S are left alone."""
    recent = time.time() - UPLOAD_GRACE_S
    keep_newest_bytes(cache, max_bytes, Path.is_dir, kept=lambda e: e in held or modified(e) >= recent)


def queued_uploads(app, cache: Path) -> set[Path]:
    """The cache's folders holding a file sent to an event that waits in Gradio's queue or runs."""
    root, held = cache.resolve(), set()
    for values in sent_to_events(app):
        for path in file_paths(values):
            try:
                stored = Path(path).resolve().parent   # cache/<sha256>/<name>, as Gradio stores an upload
            except (ValueError, OSError):   # a caller's path with a NUL in it: no file of the cache
                continue
            if stored.parent == root:
                held.add(cache / stored.name)
    return held


def file_paths(value) -> list[str]:
    """The "path" of every file (a FileData dict) anywhere in an event's values."""
    if isinstance(value, dict):
        return [value["path"]] if isinstance(value.get("path"), str) else \
            [p for v in value.values() for p in file_paths(v)]
    if isinstance(value, (list, tuple)):
        return [p for v in value for p in file_paths(v)]
    return []


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
