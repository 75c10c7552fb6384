"""The one loader for weights files: every check, in order and at bounded cost, before a tensor is used."""
import pickle
import re
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path

import torch
from safetensors import SafetensorError, safe_open
from torch import nn

from nets import limits
from nets.limits import MB
from nets.saving import pickle_globals
from nets.text import LearnerError, Phrase

SAFETENSORS_MAX_HEADER = 100 * MB    # the safetensors format's own limit on its JSON header
PICKLE_SCAN_BYTES = MB               # enough of a refused pickle to name what it imports
# A zip's directory holds 46 bytes per entry plus its name (torch's: "archive/data/123") and extra fields; an
# end record declaring fewer entries than the directory's size can hold lies (1,000,000 entries behind a
# claimed 3 took 9 s and 0.5 GB to list), so the directory is read only up to this much per declared entry.
DIRECTORY_ENTRY_BYTES = 1024
WRAPPER_PREFIXES = ("model1.", "module.", "model.")   # TutorialNet's attribute, DataParallel's, LayerLab checkpoints'
STATE_KEYS = ("state_dict", "model_state_dict", "model")   # where .pth checkpoints commonly keep the weights
DTYPES = (torch.float16, torch.bfloat16, torch.float32, torch.float64, torch.int64)   # int64: BatchNorm's counter

# What a file's first bytes say it is, for a .safetensors file that is something else.
CONTENTS = {"zip": "weights.content_zip", "pickle": "weights.content_pickle", None: "weights.content_other"}


class WeightsError(LearnerError):
    """A weights file LayerLab will not load; its message (assets/i18n/weights.json) names the file and limit."""

    def __init__(self, name: str, /, **params):
        super().__init__(f"weights.{name}", **params)


def message(name: str, /, **params) -> Phrase:
    """A note for the learner from assets/i18n/weights.json, such as what was adapted while loading."""
    return Phrase(f"weights.{name}", **params)


@dataclass
class Weights:
    """Every tensor a file holds, checked, and its safetensors metadata ({} for a .pth)."""
    tensors: dict[str, torch.Tensor]
    metadata: dict[str, str]
    name: str                     # the file's name, cut short, for messages


def read_weights(path) -> Weights:
    """A .pth/.pt (torch.load with weights_only=True) or .safetensors file, refused at the first failed check."""
    path = Path(path)
    name = path.name if len(path.name) <= 60 else path.name[:57] + "..."
    kind = file_kind(path, name)
    if kind == "safetensors":
        tensors, metadata = read_safetensors(path, name)
    else:
        if kind == "zip":
            check_zip(path, name)
        else:   # a raw pickle: torch's format before 1.6, tensors and all
            check_pickle_size(path.stat().st_size, name)
        tensors, metadata = state_dict_in(torch_load(path, name, kind == "pickle"), name), {}
    if not tensors:
        raise WeightsError("no_state_dict", name=name)
    check_tensors(tensors, name)
    return Weights(tensors, metadata, name)


def file_kind(path: Path, name: str) -> str:
    """'safetensors', 'zip' or 'pickle' for a file within the size limit whose content matches its name."""
    try:
        size = path.stat().st_size
        kind = sniff(path, size)
    except OSError as e:
        raise WeightsError("unreadable", name=name, reason=e.strerror or Phrase("weights.no_such_file")) from None
    if size > limits.MAX_UPLOAD_BYTES:
        raise WeightsError("too_big", name=name, size_mb=size / MB, limit_mb=limits.MAX_UPLOAD_BYTES / MB)
    if path.suffix.lower() == ".safetensors" and kind != "safetensors":
        raise WeightsError("not_safetensors", name=name, content=Phrase(CONTENTS[kind]))
    if kind is None:
        raise WeightsError("not_weights", name=name)
    return kind


def sniff(path: Path, size: int) -> str | None:
    """'safetensors', 'zip' or 'pickle' from the first bytes, whatever the file is named; None for anything else."""
    with open(path, "rb") as f:
        head = f.read(9)
    # safetensors first: an 8-byte little-endian header length, then the JSON header's "{". Its first byte
    # can be 0x80 like a pickle's (a header of 128, 384, ... bytes), but a pickle's ninth byte is never "{"
    # after a plausible length, and a pickle's second byte is its protocol.
    header = int.from_bytes(head[:8], "little")
    if len(head) == 9 and head[8:] == b"{" and 2 <= header <= min(SAFETENSORS_MAX_HEADER, size - 8):
        return "safetensors"
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    if head[:1] == b"\x80" and head[1:2] in (b"\x02", b"\x03", b"\x04", b"\x05"):   # PROTO 2-5 opens a pickle
        return "pickle"
    return None


def check_zip(path: Path, name: str) -> None:
    """Refuse a zip with too many entries or entries that unpack too large, reading only its directory."""
    with open(path, "rb") as f:
        end = zipfile._EndRecData(f)   # the stdlib's end-record reader: the count, before an object per entry
    if end is None:
        raise WeightsError("not_weights", name=name)
    count = end[zipfile._ECD_ENTRIES_TOTAL]
    count_entries(count, name)
    if end[zipfile._ECD_SIZE] > max(count, 1) * DIRECTORY_ENTRY_BYTES:
        raise WeightsError("directory_too_big", name=name, size_kb=end[zipfile._ECD_SIZE] / 1024, count=count,
                           entry_kb=DIRECTORY_ENTRY_BYTES / 1024)
    try:
        with zipfile.ZipFile(path) as archive:   # reads the directory's declared size, no more
            entries = archive.infolist()    # declared sizes: torch's reader never unpacks more than these
    except (zipfile.BadZipFile, OSError, ValueError):
        raise WeightsError("not_weights", name=name) from None
    count_entries(len(entries), name)
    biggest = max(entries, key=lambda e: e.file_size, default=None)
    if biggest is not None and biggest.file_size > limits.MAX_UNPACKED_BYTES:
        raise WeightsError("entry_too_big", name=name, entry=biggest.filename[-60:], size_mb=biggest.file_size / MB,
                           limit_mb=limits.MAX_UNPACKED_BYTES / MB)
    for entry in entries:
        if entry.filename.endswith(".pkl"):   # torch's data.pkl: the part torch.load unpickles
            check_pickle_size(entry.file_size, name)
    total = sum(e.file_size for e in entries)
    if total > limits.MAX_UNPACKED_BYTES:
        raise WeightsError("unpacks_too_big", name=name, size_mb=total / MB,
                           limit_mb=limits.MAX_UNPACKED_BYTES / MB)


def check_pickle_size(size: int, name: str) -> None:
    if size > limits.MAX_PICKLE_BYTES:
        raise WeightsError("pickle_too_big", name=name, size_mb=size / MB,
                           limit_mb=limits.MAX_PICKLE_BYTES / MB)


def read_safetensors(path: Path, name: str) -> tuple[dict, dict]:
    """Tensors and metadata of a safetensors file (the format holds no code), after counting its tensors."""
    try:
        with safe_open(str(path), framework="pt") as f:
            metadata, keys = f.metadata() or {}, list(f.keys())
            count_entries(len(keys), name)
            return {k: f.get_tensor(k) for k in keys}, metadata
    except (SafetensorError, OSError, RuntimeError) as e:
        raise WeightsError("bad_safetensors", name=name, detail=str(e)[:120]) from None


def count_entries(count: int, name: str) -> None:
    if count > limits.MAX_ENTRIES:
        raise WeightsError("too_many_entries", name=name, count=count, limit=limits.MAX_ENTRIES)


def torch_load(path: Path, name: str, raw_pickle: bool):
    """torch.load with weights_only=True: tensors and plain data only; anything else is refused, never run."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")   # torch warns about pickle protocols before refusing
            return torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as e:
        asked = re.findall(r"GLOBAL ([\w.]+)", str(e))
        if not asked and raw_pickle:          # torch's zip format names the import in the error; a raw pickle may not
            with open(path, "rb") as f:
                asked = pickle_globals(f.read(PICKLE_SCAN_BYTES))
        if asked:
            asked.sort(key=lambda n: n.startswith(("torch.", "collections.")))   # the unusual names first
            raise WeightsError("code", name=name, imports=asked[0]) from None
        raise WeightsError("not_weights", name=name) from None
    except Exception:  # noqa: BLE001 - torch raises many types for files that are not checkpoints
        raise WeightsError("not_weights", name=name) from None


def is_state_dict(obj) -> bool:
    return isinstance(obj, dict) and bool(obj) and all(isinstance(k, str) and isinstance(v, torch.Tensor)
                                                       for k, v in obj.items())


def state_dict_in(obj, name: str) -> dict[str, torch.Tensor]:
    """The state_dict itself, or the one a checkpoint such as {"epoch": 3, "model_state_dict": {...}} holds."""
    if is_state_dict(obj):
        return dict(obj)
    if isinstance(obj, dict):
        found = [obj[k] for k in STATE_KEYS if is_state_dict(obj.get(k))][:1] or \
                [v for v in obj.values() if is_state_dict(v)]
        if len(found) == 1:
            return dict(found[0])
    raise WeightsError("no_state_dict", name=name)


def check_tensors(tensors: dict[str, torch.Tensor], name: str) -> None:
    """Only the dtypes a state_dict holds, and only finite values (dtype first: isfinite needs a known dtype)."""
    for key, v in tensors.items():
        if v.dtype not in DTYPES:
            raise WeightsError("dtype", name=name, key=key[:80], dtype=str(v.dtype).removeprefix("torch."))
        if v.is_floating_point() and not torch.isfinite(v).all():
            raise WeightsError("not_finite", name=name, key=key[:80])


def fit_weights(state: dict, model: nn.Module, name: str) -> tuple[dict[str, torch.Tensor], list[str]]:
    """state renamed and checked for model's state_dict, and notes on what was adapted; else a WeightsError."""
    expected, notes = model.state_dict(), []
    state = strip_wrapper(state, expected)
    if set(state) != set(expected):
        if [v.shape for v in state.values()] != [v.shape for v in expected.values()]:
            missing, extra = [k for k in expected if k not in state], [k for k in state if k not in expected]
            nothing = Phrase("weights.nothing")
            raise WeightsError("other_network", name=name, missing=", ".join(missing[:4]) or nothing,
                               extra=", ".join(extra[:4])[:200] or nothing)
        # The same tensors in the same order under other names (e.g. an unnamed nn.Sequential: 0, 2, 4, ...).
        state = dict(zip(expected, state.values()))
        notes.append(message("loaded_by_position"))
    for key, want in expected.items():
        got = state[key]
        if got.shape != want.shape:
            raise WeightsError("shape", name=name, key=key, got=tuple(got.shape), want=tuple(want.shape))
        if got.is_floating_point() != want.is_floating_point():
            raise WeightsError("kind", name=name, key=key, got=got.dtype, want=want.dtype)
    return {k: state[k].to(expected[k].dtype) for k in expected}, notes


def strip_wrapper(state: dict, expected: dict) -> dict:
    """Drop a prefix such as TutorialNet's 'model1.' when the keys only match without it."""
    for prefix in WRAPPER_PREFIXES:
        if set(state) != set(expected) and all(k.startswith(prefix) for k in state):
            state = {k[len(prefix):]: v for k, v in state.items()}
    return state
