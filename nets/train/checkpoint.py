"""Checkpoints: the state_dict plus config and metrics in one safetensors file; nothing is unpickled."""
import json
import pickle
from dataclasses import dataclass, field
from pathlib import Path

import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import save_file
from torch import nn

FORMAT = "layerlab-checkpoint"
VERSION = 1
MODEL_PREFIX, OPTIM_PREFIX = "model.", "optim."
WRAPPER_PREFIXES = ("model1.", "module.", "model.")   # TutorialNet's attribute, DataParallel's, ours
STATE_KEYS = ("state_dict", "model_state_dict", "model")   # where .pth files commonly keep the weights


class CheckpointError(ValueError):
    """A file that is not a usable checkpoint for this network; the message says what is wrong."""


@dataclass
class Checkpoint:
    """What a checkpoint holds, read without running any code from the file."""
    state_dict: dict[str, torch.Tensor]      # the model's weights (CPU)
    config: dict = field(default_factory=dict)    # the TrainConfig it was trained with, as a dict
    metrics: dict = field(default_factory=dict)   # the last epoch's metric dict
    classes: tuple[str, ...] = ()                 # class names in label order
    arch: list | None = None                      # the builder's layer list; None = the tutorial's CNN
    epoch: int = 0                                # completed epochs: a resumed run continues from here
    optimizer_state: dict | None = None           # the optimizer's state_dict, for an exact resume
    notes: list[str] = field(default_factory=list)  # what was adapted while loading


def save_checkpoint(path, state_dict: dict, *, config: dict | None = None, metrics: dict | None = None,
                    classes=(), arch=None, epoch: int = 0, optimizer_state: dict | None = None) -> Path:
    """Write weights (and optimizer tensors) as safetensors, everything else as JSON metadata."""
    tensors = {MODEL_PREFIX + k: v.detach().cpu().contiguous() for k, v in state_dict.items()}
    optim_meta = None
    if optimizer_state is not None:
        optim_tensors, optim_meta = flatten_optimizer(optimizer_state)
        tensors.update(optim_tensors)
    metrics = {k: v for k, v in (metrics or {}).items() if k not in ("state_dict", "optimizer_state")}
    meta = {"format": FORMAT, "version": str(VERSION), "config": json.dumps(config or {}),
            "metrics": json.dumps(metrics), "classes": json.dumps(list(classes)), "arch": json.dumps(arch),
            "epoch": str(int(epoch)), "optimizer": json.dumps(optim_meta)}
    path = Path(path)
    save_file(tensors, str(path), metadata=meta)
    return path


def flatten_optimizer(state: dict) -> tuple[dict, dict]:
    """An optimizer state_dict as flat tensors plus the JSON-able rest (param groups, scalars)."""
    tensors, scalars = {}, {}
    for pid, entries in state["state"].items():
        for k, v in entries.items():
            if isinstance(v, torch.Tensor):
                tensors[f"{OPTIM_PREFIX}{pid}.{k}"] = v.detach().cpu().contiguous()
            else:
                scalars.setdefault(str(pid), {})[k] = v
    return tensors, {"param_groups": state["param_groups"], "scalars": scalars}


def unflatten_optimizer(tensors: dict, meta: dict) -> dict:
    """The inverse of flatten_optimizer."""
    state = {int(pid): dict(v) for pid, v in meta.get("scalars", {}).items()}
    for key, v in tensors.items():
        pid, name = key[len(OPTIM_PREFIX):].split(".", 1)
        state.setdefault(int(pid), {})[name] = v
    return {"state": state, "param_groups": meta["param_groups"]}


def load_checkpoint(path) -> Checkpoint:
    """A LayerLab checkpoint, a plain safetensors state_dict, or a .pth state_dict (weights only)."""
    path = Path(path)
    try:
        with open(path, "rb") as f:
            head = f.read(16)
    except OSError as e:
        raise CheckpointError(f"Could not read {path.name}: {e.strerror}.") from None
    if head.startswith(b"PK\x03\x04") or head[:1] == b"\x80":
        return load_torch_file(path)
    if len(head) >= 9 and head[8:9] == b"{":
        return load_safetensors(path)
    raise CheckpointError(f"{path.name} is not a checkpoint: expected a .safetensors file saved by "
                          "LayerLab, or a .pth/.pt file holding a model's state_dict().")


def load_safetensors(path: Path) -> Checkpoint:
    """Tensors and JSON metadata from a safetensors file (the format has no code in it)."""
    try:
        with safe_open(str(path), framework="pt") as f:
            meta = f.metadata() or {}
            tensors = {k: f.get_tensor(k) for k in f.keys()}
    except (SafetensorError, OSError, ValueError) as e:
        raise CheckpointError(f"{path.name} is not a valid safetensors checkpoint ({str(e)[:120]}).") from None
    if meta.get("format") != FORMAT:
        return Checkpoint(state_dict=tensors, notes=["A plain safetensors state_dict: no config or metrics."])
    try:
        weights = {k[len(MODEL_PREFIX):]: v for k, v in tensors.items() if k.startswith(MODEL_PREFIX)}
        optim_meta = json.loads(meta.get("optimizer") or "null")
        optim_tensors = {k: v for k, v in tensors.items() if k.startswith(OPTIM_PREFIX)}
        return Checkpoint(
            state_dict=weights, config=json.loads(meta["config"]), metrics=json.loads(meta["metrics"]),
            classes=tuple(json.loads(meta["classes"])), arch=json.loads(meta["arch"]), epoch=int(meta["epoch"]),
            optimizer_state=unflatten_optimizer(optim_tensors, optim_meta) if optim_meta else None)
    except (KeyError, ValueError, TypeError) as e:
        raise CheckpointError(f"{path.name} has damaged LayerLab metadata ({e}).") from None


def load_torch_file(path: Path) -> Checkpoint:
    """A torch.save file, read with weights_only=True: anything but tensors and plain data is refused."""
    try:
        obj = torch.load(path, map_location="cpu", weights_only=True)
    except (pickle.UnpicklingError, RuntimeError, AttributeError, TypeError, ValueError, EOFError) as e:
        if "weights_only" in str(e) or "Unsupported" in str(e) or isinstance(e, pickle.UnpicklingError):
            raise CheckpointError(
                f"{path.name} was refused: it holds Python objects, not only tensors, and loading it would run "
                "code from the file (a whole pickled model - the tutorial's method 1 - or something malicious). "
                "Save model.state_dict() (method 2) or use a LayerLab .safetensors checkpoint.") from None
        raise CheckpointError(f"{path.name} is not a readable torch file ({str(e)[:120]}).") from None
    if isinstance(obj, dict):
        for key in STATE_KEYS:
            if isinstance(obj.get(key), dict):
                obj = obj[key]
                break
    if not isinstance(obj, dict) or not obj or not all(isinstance(v, torch.Tensor) for v in obj.values()):
        raise CheckpointError(f"{path.name} holds no state_dict (a dict of weight tensors) to load.")
    return Checkpoint(state_dict=dict(obj), notes=["A torch state_dict: no config or metrics."])


def fit_state_dict(ckpt: Checkpoint, model: nn.Module) -> dict[str, torch.Tensor]:
    """ckpt's weights renamed and checked for model, or a CheckpointError naming the mismatch."""
    expected = model.state_dict()
    state = strip_wrapper(ckpt.state_dict, expected)
    if set(state) != set(expected):
        if [tuple(v.shape) for v in state.values()] != [tuple(v.shape) for v in expected.values()]:
            missing, extra = sorted(set(expected) - set(state)), sorted(set(state) - set(expected))
            raise CheckpointError(
                "This checkpoint is for a different network: it lacks "
                f"{', '.join(missing[:4]) or 'nothing'} and has {', '.join(extra[:4]) or 'nothing'} that this "
                "network does not. Load it with the network it was trained on.")
        # Same tensors in the same order under other names (e.g. an unnamed nn.Sequential: 0, 2, 4, ...).
        state = dict(zip(expected, state.values()))
        ckpt.notes.append("Layer names differed but every shape matched in order; loaded by position.")
    for k, v in state.items():
        if v.shape != expected[k].shape:
            raise CheckpointError(f"{k} has shape {tuple(v.shape)} in the checkpoint but {tuple(expected[k].shape)} "
                                  "in this network: it was trained on a different architecture.")
        if not (v.is_floating_point() or v.dtype == expected[k].dtype):
            raise CheckpointError(f"{k} holds {v.dtype} values where this network needs {expected[k].dtype}.")
        if v.is_floating_point() and not torch.isfinite(v).all():
            raise CheckpointError(f"{k} holds NaN or infinite weights: the run that saved it had diverged.")
    return {k: v.to(expected[k].dtype) for k, v in state.items()}


def strip_wrapper(state: dict, expected: dict) -> dict:
    """Drop a prefix such as TutorialNet's 'model1.' when the keys only match without it."""
    for prefix in WRAPPER_PREFIXES:
        if set(state) != set(expected) and state and all(k.startswith(prefix) for k in state):
            state = {k[len(prefix):]: v for k, v in state.items()}
    return state


def load_weights(ckpt: Checkpoint, model: nn.Module) -> nn.Module:
    """model with ckpt's weights, after fit_state_dict's checks."""
    model.load_state_dict(fit_state_dict(ckpt, model))
    return model
