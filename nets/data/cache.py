"""The decoded dataset's cache: one torch file per source, loaded without unpickling code, checksummed."""
import hashlib
import os
import zlib
from pathlib import Path

import torch

from nets.text import Phrase

CACHE_FORMAT = 1          # bump when the cache file's layout changes


def default_cache_dir() -> Path:
    """Where decoded tensors live: $LAYERLAB_CACHE, else the user's cache folder."""
    base = os.environ.get("LAYERLAB_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "layerlab")
    return Path(base)


def source_fingerprint(path: Path) -> str:
    """A hash of the source's names, sizes and modification times: a changed source gets a new cache."""
    h = hashlib.sha1(f"{CACHE_FORMAT}|{path.resolve()}".encode())
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    for p in files:
        st = p.stat()
        h.update(f"|{p.relative_to(path) if p != path else p.name}|{st.st_size}|{st.st_mtime_ns}".encode())
    return h.hexdigest()[:16]


def tensors_digest(tensors: list[torch.Tensor]) -> str:
    """A CRC-32 of the tensors' bytes (fast: 0.05 s for all 60,000 images), so damage is noticed."""
    crc = 0
    for t in tensors:
        crc = zlib.crc32(t.contiguous().numpy().data, crc)
    return f"{crc:08x}"


def read_cache(cache_file: Path, notes: list[Phrase]) -> dict | None:
    """The cached tensors, classes and conversion count, or None (with a note saying why) when the cache
    is missing, stale or damaged."""
    if not cache_file.exists():
        return None
    try:
        blob = torch.load(cache_file, weights_only=True)
        if blob.get("format") != CACHE_FORMAT:
            notes.append(Phrase("data.note.cache_version", name=cache_file.name, found=blob.get("format"),
                                wanted=CACHE_FORMAT))
            return None
        tensors = [blob[k] for k in ("train_x", "train_y", "test_x", "test_y")]
        if tensors_digest(tensors) != blob["digest"]:
            raise ValueError("checksum mismatch")
    except Exception as e:
        notes.append(Phrase("data.note.cache_damaged", name=cache_file.name, reason=str(e)[:80]))
        return None
    return dict(tensors=tensors, classes=blob["classes"], converted=blob["converted"])


def write_cache(cache_file: Path, tensors: list[torch.Tensor], classes, converted: int,
                notes: list[Phrase]) -> None:
    """Save the decoded tensors atomically; a read-only cache folder only costs speed."""
    blob = dict(zip(("train_x", "train_y", "test_x", "test_y"), tensors),
                classes=list(classes), converted=converted,
                format=CACHE_FORMAT, digest=tensors_digest(tensors))
    try:
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache_file.with_suffix(f".tmp{os.getpid()}")
        torch.save(blob, tmp)
        os.replace(tmp, cache_file)
    except OSError as e:
        notes.append(Phrase("data.note.cache_unwritable", folder=str(cache_file.parent), reason=e.strerror))
