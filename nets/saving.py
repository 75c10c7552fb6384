"""Saving, the tutorial's two ways: the whole pickled model (never loaded here) and the state_dict; nets.weights loads."""
import io
import json
import pickletools
import zipfile
from pathlib import Path

import torch
from safetensors.torch import save_file
from torch import nn

SPEC_KEY = "layerlab_spec"          # safetensors metadata entry holding the builder's layer list as JSON
STATE_FILE = "layerlab_model.pth"   # the name the Save & load tab downloads a state_dict under (its code loads it)


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
    if data.startswith(b"PK\x03\x04"):      # torch.save's zip: the pickle is its data.pkl
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            data = archive.read(next(n for n in archive.namelist() if n.endswith("data.pkl")))
    names, strings = [], []
    try:
        for op, arg, _ in pickletools.genops(data):
            if op.name == "GLOBAL":
                names.append(arg.replace(" ", "."))
            elif op.name == "STACK_GLOBAL" and len(strings) >= 2:
                names.append(f"{strings[-2]}.{strings[-1]}")
            if isinstance(arg, str):
                strings.append(arg)
    except ValueError:   # a damaged or cut-short pickle: the names read so far
        pass
    return list(dict.fromkeys(names))
