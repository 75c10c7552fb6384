"""CIFAR-10 in memory (uint8 tensors), and loading it from a torchvision root, an ImageFolder tree or an archive."""
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

from nets.data.cache import default_cache_dir, read_cache, source_fingerprint, write_cache
from nets.data.archives import folder_entries, read_plain_tar, tar_entries, zip_entries
from nets.data.images import IMAGE_SUFFIXES, ImageError, decode_image
from nets.text import LearnerError, Phrase

CIFAR10_CLASSES = ("airplane", "automobile", "bird", "cat", "deer",
                   "dog", "frog", "horse", "ship", "truck")
CIFAR10_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
CIFAR10_ARCHIVE = "cifar-10-python.tar.gz"
CIFAR10_MD5 = "c58f30108f718f92721af3b95e74349a"
ARCHIVE_SUFFIXES = (".tar.gz", ".tgz", ".tar", ".zip")
# Per-channel mean and std of the training images, in 0..1 units (the usual CIFAR-10 values).
CIFAR_MEAN = (0.4914, 0.4822, 0.4465)
CIFAR_STD = (0.2470, 0.2435, 0.2616)
SPLITS = ("train", "test")
DECODE_BATCH = 2048        # images per decoding job


class DataError(LearnerError):
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
    notes: list[Phrase] = field(default_factory=list)  # things the user should know about the load

    def split(self, name: str) -> tuple[torch.Tensor, torch.Tensor]:
        """Images and labels of 'train' or 'test'."""
        if name not in SPLITS:
            raise DataError("data.err.split", name=repr(name))
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


def load_cifar10(path, cache_dir=None) -> Cifar10:
    """Load CIFAR-10 from a torchvision root, an ImageFolder tree, or an archive of either."""
    start = time.perf_counter()
    path = Path(path).expanduser()
    if not path.exists():
        raise DataError("data.err.missing", path=str(path))
    cache_file = Path(cache_dir or default_cache_dir()) / f"cifar10-{source_fingerprint(path)}.pt"
    notes = []
    cached = read_cache(cache_file, notes)
    if cached is not None:
        data = Cifar10(*cached["tensors"], classes=tuple(cached["classes"]), source="", from_cache=True,
                       converted=int(cached["converted"]))
    else:
        data = decode_source(path)
        write_cache(cache_file, [data.train_x, data.train_y, data.test_x, data.test_y], data.classes,
                    data.converted, notes)
    data.source, data.seconds = str(path), time.perf_counter() - start
    data.notes = notes + data.notes
    return data


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
    raise DataError("data.err.no_cifar", path=str(path), archive=CIFAR10_ARCHIVE)


def torchvision_order(source) -> bool:
    """Whether decode_source reads `source` from the official batches, in torchvision's CIFAR10 order (not an
    ImageFolder tree, or another archive, whose images come in their own order)."""
    path = Path(source)
    return path.name == CIFAR10_ARCHIVE or (path / "cifar-10-batches-py").is_dir() or \
        (path / CIFAR10_ARCHIVE).is_file()


def decode_torchvision_root(root: Path) -> Cifar10:
    """The official pickled batches, read by torchvision, which checks their MD5 sums before unpickling."""
    from torchvision.datasets import CIFAR10
    splits = []
    for train in (True, False):
        try:
            ds = CIFAR10(str(root), train=train, download=False)
        except RuntimeError:
            raise DataError("data.err.batches_altered", folder=str(root / "cifar-10-batches-py"),
                            archive=CIFAR10_ARCHIVE) from None
        x = torch.from_numpy(ds.data).permute(0, 3, 1, 2).contiguous()  # (N, 3, 32, 32)
        splits += [x, torch.tensor(ds.targets, dtype=torch.int64)]
    return Cifar10(*splits, classes=CIFAR10_CLASSES, source=str(root))


def decode_archive(path: Path) -> Cifar10:
    """A .tar.gz/.tgz/.tar/.zip holding either the official batches or an ImageFolder tree."""
    if not path.name.lower().endswith(ARCHIVE_SUFFIXES):
        raise DataError("data.err.not_archive", path=str(path))
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
        raise DataError("data.err.bad_archive", path=str(path), reason=str(e)) from None


def is_official_archive(path: Path) -> bool:
    """Whether the tarball holds cifar-10-batches-py/, looking only at its first member."""
    with tarfile.open(path, "r|*") as tf:
        first = next(iter(tf), None)
    return first is not None and first.name.strip("./").split("/")[0] == "cifar-10-batches-py"


def decode_official_archive(path: Path) -> Cifar10:
    """Unpack the official tarball (MD5-checked by torchvision) into a temporary folder and read it."""
    from torchvision.datasets.utils import check_integrity, extract_archive
    if path.name == CIFAR10_ARCHIVE and not check_integrity(str(path), CIFAR10_MD5):
        raise DataError("data.err.md5", path=str(path))
    with tempfile.TemporaryDirectory() as tmp:
        extract_archive(str(path), tmp)
        return decode_torchvision_root(Path(tmp))


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
                raise DataError("data.err.bad_image", reason=e.phrase) from None
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
            raise DataError("data.err.no_split", source=source, split=split)
        for cls, images in found[split].items():
            if not images:
                raise DataError("data.err.empty_class", source=source, split=split, cls=cls)
    if set(found["train"]) != set(found["test"]):
        raise DataError("data.err.class_mismatch", source=source,
                        classes=str(sorted(set(found["train"]) ^ set(found["test"]))))
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
        data.notes.append(Phrase("data.note.converted", count=converted))
    if skipped:
        data.notes.append(Phrase("data.note.skipped", count=len(skipped), example=skipped[0]))
    return data
