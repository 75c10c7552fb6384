"""LayerLab's own temporary files: one root, one folder per process, stale folders removed, files capped by size."""
import os
import shutil
import tempfile
import uuid
from pathlib import Path

from nets.weights import MB, limit_from_env

ROOT = Path(tempfile.gettempdir()) / "layerlab"   # visual/explorer.py writes under ROOT/<pid>/explorer too
PROCESS_DIR = ROOT / str(os.getpid())
# Checkpoints and downloads only need to outlive one response (Gradio copies an output file into its own
# cache), so each area keeps the newest files up to this size: the largest network's weights fit.
MAX_AREA_BYTES = limit_from_env("LAYERLAB_MAX_TEMP_MB", 1024) * MB


def folder(area: str) -> Path:
    """This process's folder for one kind of file (galleries, checkpoints, downloads)."""
    return PROCESS_DIR / area


def new_file(area: str, name: str, cap_bytes: int | None = None) -> Path:
    """A path for a new file called name (in a fresh subfolder, so names never clash); the area pruned first."""
    base = folder(area)
    base.mkdir(parents=True, exist_ok=True)
    prune(base, MAX_AREA_BYTES if cap_bytes is None else cap_bytes)
    path = base / uuid.uuid4().hex[:16] / name
    path.parent.mkdir()
    return path


def prune(base: Path, cap_bytes: int) -> None:
    """Delete base's oldest entries until the rest take at most cap_bytes."""
    entries = sorted(base.iterdir(), key=lambda e: e.stat().st_mtime)
    sizes = [size(e) for e in entries]
    total = sum(sizes)
    for entry, n in zip(entries, sizes):
        if total <= cap_bytes:
            return
        shutil.rmtree(entry, ignore_errors=True) if entry.is_dir() else entry.unlink(missing_ok=True)
        total -= n


def size(entry: Path) -> int:
    """Bytes in a file, or in every file under a folder."""
    if entry.is_file():
        return entry.stat().st_size
    return sum(f.stat().st_size for f in entry.rglob("*") if f.is_file())


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
