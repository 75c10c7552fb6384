"""Saving and loading, the tutorial's two ways: the whole pickled model (never loaded here) and the state_dict."""
import io
import json
import pickle
import pickletools
import re
import warnings
import zipfile
from pathlib import Path

import torch
from safetensors import safe_open
from safetensors.torch import load_file, save_file
from torch import nn

MAX_UPLOAD_BYTES = 450 * 2**20      # the largest network the builder allows (100M float32 values) fits
SPEC_KEY = "layerlab_spec"          # safetensors metadata entry holding the builder's layer list as JSON
SAFETENSORS_MAX_HEADER = 100 * 2**20


class LoadError(ValueError):
    """An uploaded file LayerLab will not load; the message says why and what to upload instead."""


def save_state_dict(model: nn.Module, path) -> Path:
    """Method 2, corrected: torch.save(model.state_dict(), path) - tensors only, loadable with weights_only=True."""
    torch.save(model.state_dict(), path)
    return Path(path)


def save_safetensors(model: nn.Module, path, spec: list[dict] | None = None) -> Path:
    """The state_dict as safetensors (no pickle at all), with the builder's layer list in the metadata."""
    state = {k: v.detach().contiguous() for k, v in model.state_dict().items()}
    save_file(state, str(path), metadata={SPEC_KEY: json.dumps(spec)} if spec is not None else None)
    return Path(path)


def whole_model_bytes(model: nn.Module) -> bytes:
    """Method 1: torch.save(model) pickles the module objects themselves, classes named by import path."""
    buffer = io.BytesIO()
    torch.save(model, buffer)
    return buffer.getvalue()


def pickle_globals(data: bytes) -> list[str]:
    """The importable names a pickle asks for on load: each is imported, and classes and functions get called."""
    if zipfile.is_zipfile(io.BytesIO(data)):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            data = archive.read(next(n for n in archive.namelist() if n.endswith("data.pkl")))
    names, strings = [], []
    for op, arg, _ in pickletools.genops(data):
        if op.name == "GLOBAL":
            names.append(arg.replace(" ", "."))
        elif op.name == "STACK_GLOBAL" and len(strings) >= 2:
            names.append(f"{strings[-2]}.{strings[-1]}")
        if isinstance(arg, str):
            strings.append(arg)
    return list(dict.fromkeys(names))


def _is_safetensors(path: Path) -> bool:
    """safetensors starts with an 8-byte little-endian header length, then a JSON object."""
    with open(path, "rb") as f:
        head = f.read(9)
    return len(head) == 9 and 2 <= int.from_bytes(head[:8], "little") <= SAFETENSORS_MAX_HEADER and head[8:] == b"{"


def _raw_pickle_globals(path: Path) -> list[str] | None:
    """The names a plain pickle file (not torch's zip format) asks for, read without unpickling; None if not one."""
    data = path.read_bytes()
    if not data.startswith(b"\x80"):             # the PROTO opcode every pickle of protocol 2+ starts with
        return None
    try:
        return pickle_globals(data)
    except Exception:  # noqa: BLE001 - a damaged pickle is still a pickle
        return []


def _refusal(asked: list[str]) -> LoadError:
    """Why a file that needs the full unpickler is refused, naming what it would have imported."""
    asked = sorted(asked, key=lambda n: n.startswith(("torch.", "collections.")))   # the unusual names first
    what = f" (it asks to import {asked[0]})" if asked else ""
    return LoadError(
        f"This file is a pickled Python object, not a state_dict{what}: loading it would run code from the file, "
        f"so LayerLab refuses it. Save the weights instead, with torch.save(model.state_dict(), 'model.pth') "
        f"or safetensors.")


def _tensor_dict(obj) -> dict[str, torch.Tensor] | None:
    if isinstance(obj, dict) and obj and all(isinstance(k, str) and isinstance(v, torch.Tensor)
                                             for k, v in obj.items()):
        return dict(obj)
    return None


def load_state_file(path) -> tuple[dict[str, torch.Tensor], list | None]:
    """An uploaded .pth/.pt (torch.load with weights_only=True) or .safetensors file: (state_dict, layer list)."""
    path = Path(path)
    size = path.stat().st_size
    if size > MAX_UPLOAD_BYTES:
        raise LoadError(f"The file is {size / 2**20:.0f} MB; the limit is {MAX_UPLOAD_BYTES / 2**20:.0f} MB.")
    if _is_safetensors(path):
        try:
            with safe_open(str(path), framework="pt") as f:
                spec_text = (f.metadata() or {}).get(SPEC_KEY)
            state = load_file(str(path))
        except Exception as e:  # noqa: BLE001 - any safetensors parsing failure means a damaged file
            raise LoadError(f"This safetensors file could not be read: {e}.") from None
        return state, _spec_from_json(spec_text)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")   # torch warns about pickle protocols before refusing
            obj = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as e:
        asked = re.findall(r"GLOBAL ([\w.]+)", str(e)) or _raw_pickle_globals(path)
        if asked is not None:
            raise _refusal(asked) from None
        raise LoadError("This is not a PyTorch state_dict (.pth/.pt) or safetensors file.") from None
    except Exception:  # noqa: BLE001 - torch raises many types for files that are not checkpoints
        raise LoadError("This is not a PyTorch state_dict (.pth/.pt) or safetensors file.") from None
    state = _tensor_dict(obj)
    if state is None and isinstance(obj, dict):   # a checkpoint such as {"state_dict": {...}, "epoch": 3}
        found = [s for s in map(_tensor_dict, obj.values()) if s is not None]
        state = found[0] if len(found) == 1 else None
    if state is None:
        raise LoadError("The file holds no state_dict (a dict of parameter names to tensors): save one with "
                        "torch.save(model.state_dict(), 'model.pth').")
    return state, None


def _spec_from_json(text: str | None) -> list | None:
    if text is None:
        return None
    try:
        spec = json.loads(text)
    except ValueError:
        raise LoadError("The layer list stored in this safetensors file is not valid JSON.") from None
    return spec


def fit_state(model: nn.Module, state: dict[str, torch.Tensor]) -> None:
    """Load state into model, or a LoadError naming the first keys and shapes that do not fit."""
    own = model.state_dict()
    missing = [k for k in own if k not in state]
    extra = [k for k in state if k not in own]
    wrong = [f"{k} is {tuple(state[k].shape)} in the file but {tuple(v.shape)} in the network"
             for k, v in own.items() if k in state and state[k].shape != v.shape]
    problems = ([f"missing {', '.join(missing[:3])}"] if missing else []) + \
               ([f"unexpected {', '.join(extra[:3])}"] if extra else []) + wrong[:2]
    if problems:
        raise LoadError(f"These weights do not fit the network: {'; '.join(problems)}.")
    model.load_state_dict({k: state[k].to(own[k].dtype) for k in own})
