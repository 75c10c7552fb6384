"""Folders of files written for one response (Gradio copies each into its cache): the oldest deleted first.

One policy, the newest kept, with the budget each kind of folder can afford to check on every write:
pictures are many and small, so a picture folder is capped by count (counting names costs one directory
read; reading 512 sizes took 20 ms on the busy 2-core host, on every save of a gallery) and its bytes stay
under count x one picture. Checkpoints and downloads are few and large (up to 400 MB each), so their folder
is capped by bytes, exactly: its handful of sizes are cheap to read and one file too many can fill a disk."""
import os
import shutil
from pathlib import Path


def keep_newest_files(folder: str | Path, count: int) -> None:
    """Once folder holds over count entries, delete the oldest down to count // 2 (in bulk, not each save)."""
    held = len(os.listdir(folder))
    if held > count:
        for entry in oldest_first(folder)[:held - count // 2]:
            delete(entry)


def keep_newest_bytes(folder: str | Path, max_bytes: int, counted=lambda entry: True,
                      kept=lambda entry: False) -> None:
    """Delete folder's oldest entries (those counted says) until they take at most max_bytes; those kept says (a
    file still in use) count towards max_bytes but are never deleted."""
    entries = [e for e in oldest_first(folder) if counted(e)]
    sizes = [size(e) for e in entries]
    total = sum(sizes)
    for entry, n in zip(entries, sizes):
        if total <= max_bytes:
            return
        if not kept(entry):
            delete(entry)
            total -= n


def oldest_first(folder: str | Path) -> list[Path]:
    """folder's entries (files, or folders holding one file each), the oldest first."""
    return sorted(Path(folder).iterdir(), key=modified)


def modified(entry: Path) -> float:
    """When entry last changed; 0 for one another thread has just deleted (it sorts first, deleted again)."""
    try:
        return entry.stat().st_mtime
    except FileNotFoundError:
        return 0.0


def size(entry: Path) -> int:
    """Bytes in a file, or in every file under a folder."""
    if entry.is_file():
        return entry.stat().st_size
    return sum(f.stat().st_size for f in entry.rglob("*") if f.is_file())


def delete(entry: Path) -> None:
    """Remove a file or a folder; one already gone (another thread pruned it) is fine."""
    if entry.is_dir():
        shutil.rmtree(entry, ignore_errors=True)
    else:
        entry.unlink(missing_ok=True)
