"""CIFAR-10 from wherever the user has it, decoded once into uint8 tensors and cached."""
import hashlib
import os
import tarfile
import tempfile
import time
import zipfile
import zlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torchvision.io import decode_image as decode_torch_image

from nets.data.images import IMAGE_SUFFIXES, ImageError, decode_image

CIFAR10_CLASSES = ("airplane", "automobile", "bird", "cat", "deer",
                   "dog", "frog", "horse", "ship", "truck")
CIFAR10_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
CIFAR10_ARCHIVE = "cifar-10-python.tar.gz"
CIFAR10_MD5 = "c58f30108f718f92721af3b95e74349a"
CACHE_FORMAT = 1          # bump when the cache file's layout changes
ARCHIVE_SUFFIXES = (".tar.gz", ".tgz", ".tar", ".zip")
# Per-channel mean and std of the training images, in 0..1 units (the usual CIFAR-10 values).
CIFAR_MEAN = (0.4914, 0.4822, 0.4465)
CIFAR_STD = (0.2470, 0.2435, 0.2616)
SPLITS = ("train", "test")
DECODE_BATCH = 2048        # images per decoding job
FAST_TAR_MAX = 2 << 30     # archives read into memory whole; larger ones are streamed by tarfile


class DataError(Exception):
    """A dataset problem the user can fix: the message names the problem and the fix."""


@dataclass
class Cifar10:
    """CIFAR-10 in memory: uint8 images (N, 3, 32, 32), int64 labels, class names in label order."""
    train_x: torch.Tensor
    train_y: torch.Tensor
    test_x: torch.Tensor
    test_y: torch.Tensor
    classes: tuple[str, ...]
    source: str                      # the path it was read from
    from_cache: bool = False         # read from LayerLab's decoded cache instead of the source
    converted: int = 0               # images that were not 32x32 RGB and were converted
    seconds: float = 0.0             # time this load took
    notes: list[str] = field(default_factory=list)  # things the user should know about the load

    def split(self, name: str) -> tuple[torch.Tensor, torch.Tensor]:
        """Images and labels of 'train' or 'test'."""
        if name not in SPLITS:
            raise DataError(f"Unknown split {name!r}: use 'train' or 'test'.")
        return (self.train_x, self.train_y) if name == "train" else (self.test_x, self.test_y)

    def class_counts(self, name: str) -> list[int]:
        """Images per class in a split, in label order."""
        return torch.bincount(self.split(name)[1], minlength=len(self.classes)).tolist()


def to_unit(x: torch.Tensor) -> torch.Tensor:
    """uint8 images as floats in 0..1: what the tutorial's ToTensor() gives."""
    return x.float().div_(255)


def mean_std(device=None) -> tuple[torch.Tensor, torch.Tensor]:
    """CIFAR_MEAN and CIFAR_STD as (1, 3, 1, 1) tensors that broadcast over a batch."""
    return (torch.tensor(CIFAR_MEAN, device=device).view(1, 3, 1, 1),
            torch.tensor(CIFAR_STD, device=device).view(1, 3, 1, 1))


def normalize(x: torch.Tensor) -> torch.Tensor:
    """uint8 images (B, 3, H, W) as the normalised floats LayerLab's trained models take."""
    mean, std = mean_std(x.device)
    return (to_unit(x) - mean) / std


def default_cache_dir() -> Path:
    """Where decoded tensors live: $LAYERLAB_CACHE, else the user's cache folder."""
    base = os.environ.get("LAYERLAB_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "layerlab")
    return Path(base)


def load_cifar10(path, cache_dir=None) -> Cifar10:
    """Load CIFAR-10 from a torchvision root, an ImageFolder tree, or an archive of either."""
    start = time.perf_counter()
    path = Path(path).expanduser()
    if not path.exists():
        raise DataError(f"{path} does not exist: give --data a CIFAR-10 folder or archive "
                        "(or leave --data out to download CIFAR-10).")
    cache_file = Path(cache_dir or default_cache_dir()) / f"cifar10-{source_fingerprint(path)}.pt"
    notes = []
    data = read_cache(cache_file, notes)
    if data is None:
        data = decode_source(path)
        write_cache(cache_file, data, notes)
    data.source, data.seconds = str(path), time.perf_counter() - start
    data.notes = notes + data.notes
    return data


def source_fingerprint(path: Path) -> str:
    """A hash of the source's names, sizes and modification times: a changed source gets a new cache."""
    h = hashlib.sha1(f"{CACHE_FORMAT}|{path.resolve()}".encode())
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    for p in files:
        st = p.stat()
        h.update(f"|{p.relative_to(path) if p != path else p.name}|{st.st_size}|{st.st_mtime_ns}".encode())
    return h.hexdigest()[:16]


# ---- the cache: one torch file, loaded without unpickling code, with a checksum of its contents


def tensors_digest(tensors: list[torch.Tensor]) -> str:
    """A CRC-32 of the tensors' bytes (fast: 0.05 s for all 60,000 images), so damage is noticed."""
    crc = 0
    for t in tensors:
        crc = zlib.crc32(t.contiguous().numpy().data, crc)
    return f"{crc:08x}"


def read_cache(cache_file: Path, notes: list[str]) -> Cifar10 | None:
    """The cached dataset, or None (with a note saying why) when it is missing, stale or damaged."""
    if not cache_file.exists():
        return None
    try:
        blob = torch.load(cache_file, weights_only=True)
        if blob.get("format") != CACHE_FORMAT:
            notes.append(f"The cache {cache_file.name} was written by another LayerLab version "
                         f"(format {blob.get('format')}, this one reads {CACHE_FORMAT}); it was rebuilt.")
            return None
        tensors = [blob[k] for k in ("train_x", "train_y", "test_x", "test_y")]
        if tensors_digest(tensors) != blob["digest"]:
            raise ValueError("checksum mismatch")
    except Exception as e:
        notes.append(f"The cache {cache_file.name} was damaged ({str(e)[:80]}); it was rebuilt from the source.")
        return None
    return Cifar10(*tensors, classes=tuple(blob["classes"]), source="", from_cache=True,
                   converted=int(blob["converted"]))


def write_cache(cache_file: Path, data: Cifar10, notes: list[str]) -> None:
    """Save the decoded tensors atomically; a read-only cache folder only costs speed."""
    tensors = [data.train_x, data.train_y, data.test_x, data.test_y]
    blob = dict(zip(("train_x", "train_y", "test_x", "test_y"), tensors),
                classes=list(data.classes), converted=data.converted,
                format=CACHE_FORMAT, digest=tensors_digest(tensors))
    try:
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache_file.with_suffix(f".tmp{os.getpid()}")
        torch.save(blob, tmp)
        os.replace(tmp, cache_file)
    except OSError as e:
        notes.append(f"Could not write the cache to {cache_file.parent} ({e.strerror}); "
                     "set LAYERLAB_CACHE to a writable folder to make later starts fast.")


# ---- decoding the sources


def decode_source(path: Path) -> Cifar10:
    """Decode whichever layout path holds."""
    if path.is_file():
        return decode_archive(path)
    if (path / "cifar-10-batches-py").is_dir():
        return decode_torchvision_root(path)
    if (path / CIFAR10_ARCHIVE).is_file():
        return decode_archive(path / CIFAR10_ARCHIVE)
    if (path / "train").is_dir() or (path / "test").is_dir():
        return decode_image_folder(folder_entries(path), str(path))
    inner = [p for p in path.iterdir() if p.is_dir() and (p / "train").is_dir()]
    if len(inner) == 1:
        return decode_image_folder(folder_entries(inner[0]), str(inner[0]))
    raise DataError(f"{path} holds no CIFAR-10: expected cifar-10-batches-py/, {CIFAR10_ARCHIVE}, "
                    "or train/<class>/ and test/<class>/ image folders.")


def decode_torchvision_root(root: Path) -> Cifar10:
    """The official pickled batches, read by torchvision, which checks their MD5 sums before unpickling."""
    from torchvision.datasets import CIFAR10
    splits = []
    for train in (True, False):
        try:
            ds = CIFAR10(str(root), train=train, download=False)
        except RuntimeError:
            raise DataError(f"{root / 'cifar-10-batches-py'} is incomplete or altered (its MD5 sums do not "
                            f"match CIFAR-10's): delete it and put the original {CIFAR10_ARCHIVE} there.") from None
        x = torch.from_numpy(ds.data).permute(0, 3, 1, 2).contiguous()  # (N, 3, 32, 32)
        splits += [x, torch.tensor(ds.targets, dtype=torch.int64)]
    return Cifar10(*splits, classes=CIFAR10_CLASSES, source=str(root))


def decode_archive(path: Path) -> Cifar10:
    """A .tar.gz/.tgz/.tar/.zip holding either the official batches or an ImageFolder tree."""
    if not path.name.lower().endswith(ARCHIVE_SUFFIXES):
        raise DataError(f"{path} is a file but not an archive: give --data a folder, or a "
                        f".tar.gz, .tgz or .zip of one.")
    try:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as zf:
                return decode_image_folder(zip_entries(zf), str(path))
        if is_official_archive(path):
            return decode_official_archive(path)
        members = read_plain_tar(path)
        if members is not None:
            return decode_image_folder(members, str(path))
        with tarfile.open(path, "r|*") as tf:
            return decode_image_folder(tar_entries(tf), str(path))
    except (tarfile.TarError, EOFError, zipfile.BadZipFile, zlib.error, OSError) as e:
        raise DataError(f"{path} is truncated or not a valid archive ({e}): download or pack it again.") from None


def is_official_archive(path: Path) -> bool:
    """Whether the tarball holds cifar-10-batches-py/, looking only at its first member."""
    with tarfile.open(path, "r|*") as tf:
        first = next(iter(tf), None)
    return first is not None and first.name.strip("./").split("/")[0] == "cifar-10-batches-py"


def decode_official_archive(path: Path) -> Cifar10:
    """Unpack the official tarball (MD5-checked by torchvision) into a temporary folder and read it."""
    from torchvision.datasets.utils import check_integrity, extract_archive
    if path.name == CIFAR10_ARCHIVE and not check_integrity(str(path), CIFAR10_MD5):
        raise DataError(f"{path} does not match CIFAR-10's MD5 sum (a partial or altered download): "
                        "delete it and download it again.")
    with tempfile.TemporaryDirectory() as tmp:
        extract_archive(str(path), tmp)
        return decode_torchvision_root(Path(tmp))


# Each entry source yields (relative path parts, function returning the file's bytes).

def folder_entries(root: Path):
    for p in sorted(root.rglob("*")):
        yield p.relative_to(root).parts, (p.read_bytes if p.is_file() else None)


def tar_entries(tf: tarfile.TarFile):
    for m in tf:
        if m.isdir():
            yield Path(m.name).parts, None
        elif m.isfile():
            data = tf.extractfile(m).read()  # streamed: read now, before the next member
            yield Path(m.name).parts, (lambda d=data: d)


def read_plain_tar(path: Path) -> list | None:
    """The entries of a gzipped or plain ustar/PAX tarball, read in one pass over its bytes; None for
    anything else, which tarfile then reads. (tarfile spends ~2.5 s on CIFAR-10's 60,000 headers.)"""
    raw = path.read_bytes() if path.stat().st_size < FAST_TAR_MAX else b""
    if raw[:2] == b"\x1f\x8b":
        raw = zlib.decompress(raw, 31)            # gzip; a truncated stream raises zlib.error
    elif raw[257:262] != b"ustar":
        return None
    entries, offset, long_name = [], 0, None
    view = memoryview(raw)
    while offset + 512 <= len(raw) and raw[offset:offset + 512].strip(b"\0"):
        header = raw[offset:offset + 512]
        size_field = header[124:136].strip(b"\0 ")
        if header[257:262] != b"ustar" or (size_field and size_field[0] & 0x80):
            return None                              # old or base-256 headers: leave them to tarfile
        size, kind = int(size_field or b"0", 8), header[156:157]
        start = offset + 512
        offset = start + -(-size // 512) * 512
        if offset > len(raw):
            raise EOFError("unexpected end of data")
        name = header[0:100].split(b"\0")[0]
        prefix = header[345:500].split(b"\0")[0]
        name = (prefix + b"/" + name if prefix else name).decode("utf-8", "replace")
        if kind == b"x":                             # PAX: this member's own header carries the long path
            long_name = pax_path(bytes(view[start:start + size])) or long_name
            continue
        if kind in (b"L", b"g"):
            long_name = bytes(view[start:start + size]).rstrip(b"\0").decode() if kind == b"L" else long_name
            continue
        name, long_name = long_name or name, None
        if kind == b"5":
            entries.append((Path(name).parts, None))
        elif kind in (b"0", b"\0", b"7"):
            entries.append((Path(name).parts, (lambda a=start, b=start + size: bytes(view[a:b]))))
        else:
            return None                              # links and devices: tarfile knows them
    return entries


def pax_path(records: bytes) -> str | None:
    """The 'path' value of a PAX extended header, if it has one."""
    for line in records.decode("utf-8", "replace").split("\n"):
        key_value = line.split(" ", 1)[-1]
        if key_value.startswith("path="):
            return key_value[5:]
    return None


def zip_entries(zf: zipfile.ZipFile):
    for info in zf.infolist():
        read = None if info.is_dir() else (lambda n=info.filename: zf.read(n))
        yield Path(info.filename).parts, read


def decode_image_folder(entries, source: str) -> Cifar10:
    """Decode train/<class>/* and test/<class>/* (under any top folder) into tensors."""
    found = {s: {} for s in SPLITS}   # split -> class -> [(name, tensor)]
    skipped, batch, jobs = [], [], []
    # Decoding overlaps with reading the archive: the decoders release the GIL.
    with ThreadPoolExecutor(max_workers=2) as pool:
        for parts, read in entries:
            if read is None:  # a folder: note empty class folders too
                if len(parts) >= 2 and parts[-2] in SPLITS:
                    found[parts[-2]].setdefault(parts[-1], [])
                continue
            split_at = next((i for i, p in enumerate(parts[:-1]) if p in SPLITS and len(parts) - i == 3), None)
            if split_at is None or parts[-1].startswith("."):
                continue
            split, cls, name = parts[split_at:]
            found[split].setdefault(cls, [])
            if not name.lower().endswith(IMAGE_SUFFIXES):
                skipped.append(f"{split}/{cls}/{name}")
                continue
            batch.append((split, cls, name, read()))
            if len(batch) == DECODE_BATCH:
                jobs.append(pool.submit(decode_batch, batch))
                batch = []
        jobs.append(pool.submit(decode_batch, batch))
        converted = 0
        for job in jobs:
            for split, cls, name, x, was_converted in job.result():
                found[split][cls].append((name, x))
                converted += was_converted
    return assemble(found, source, converted, skipped)


def decode_batch(batch: list[tuple]) -> list[tuple]:
    """Decode (split, class, name, bytes) items; torchvision's decoder first, PIL for everything else."""
    out = []
    for split, cls, name, data in batch:
        x = fast_decode(data)
        converted = False
        if x is None:
            try:
                x, converted = decode_image(data, f"{split}/{cls}/{name}")
            except ImageError as e:
                raise DataError(f"{e} Remove or replace that file, then load again.") from None
        out.append((split, cls, name, x, converted))
    return out


def fast_decode(data: bytes) -> torch.Tensor | None:
    """A 32x32 8-bit RGB JPEG or PNG via libjpeg/libpng, or None to take the general path."""
    try:
        x = decode_torch_image(torch.frombuffer(bytearray(data), dtype=torch.uint8))
    except RuntimeError:
        return None
    return x if x.dtype == torch.uint8 and x.shape == (3, 32, 32) else None


def assemble(found: dict, source: str, converted: int, skipped: list[str]) -> Cifar10:
    """Check the folder tree is complete and consistent, then stack it in class order."""
    for split in SPLITS:
        if not found[split]:
            raise DataError(f"{source} has no {split}/<class>/ images: an ImageFolder copy needs both "
                            "train/ and test/, each with one folder per class.")
        for cls, images in found[split].items():
            if not images:
                raise DataError(f"{split}/{cls} in {source} holds no images: add images or remove the folder.")
    if set(found["train"]) != set(found["test"]):
        raise DataError(f"train/ and test/ in {source} have different class folders "
                        f"({sorted(set(found['train']) ^ set(found['test']))}): give both the same classes.")
    names = set(found["train"])
    classes = CIFAR10_CLASSES if names == set(CIFAR10_CLASSES) else tuple(sorted(names))
    tensors = []
    for split in SPLITS:
        xs, ys = [], []
        for label, cls in enumerate(classes):
            for _, x in sorted(found[split][cls], key=lambda item: item[0]):
                xs.append(x)
                ys.append(label)
        tensors += [torch.stack(xs), torch.tensor(ys, dtype=torch.int64)]
    data = Cifar10(*tensors, classes=classes, source=source, converted=converted)
    if converted:
        data.notes.append(f"{converted} images were not 32x32 RGB and were converted (resized, made RGB).")
    if skipped:
        data.notes.append(f"{len(skipped)} non-image files were ignored, e.g. {skipped[0]}.")
    return data
