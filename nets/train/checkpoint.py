"""Checkpoints: the state_dict plus config, metrics and optimizer in one safetensors file, read by nets.weights."""
import json
from dataclasses import dataclass, field
from pathlib import Path

import torch
from safetensors.torch import save_file
from torch import nn

from nets import safejson
from nets.memory import check_memory, upload_bytes
from nets.saving import SPEC_KEY
from nets.weights import WeightsError, fit_weights, message, read_weights

FORMAT = "layerlab-checkpoint"
VERSION = 1
MODEL_PREFIX, OPTIM_PREFIX = "model.", "optim."
# A checkpoint's class names come back in every answer that shows a prediction and in every gallery caption
# (a 1 MB name made a 1.17 MB /network_view answer): as many as ImageNet's, each a short phrase.
MAX_CLASSES, MAX_CLASS_NAME = 1000, 60


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
    name: str = "the checkpoint"                  # the file's name, for messages


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
    """A LayerLab checkpoint, or any state_dict file, read and checked by nets.weights (nothing is unpickled),
    once the server's memory budget has room for it (nets.memory.OverBudgetError otherwise)."""
    check_memory(upload_bytes(path), "memory.work_upload")
    weights = read_weights(path)
    meta = weights.metadata
    try:
        if meta.get("format") != FORMAT:   # a plain state_dict; Save & load's safetensors keep their layer list
            spec = meta.get(SPEC_KEY)
            return Checkpoint(state_dict=weights.tensors, arch=safejson.loads(spec) if spec else None, name=weights.name,
                              notes=[message("weights_only", name=weights.name)])
        return checked_classes(from_metadata(weights.tensors, meta, weights.name))
    except safejson.TooDeep as e:   # json.loads would fail with RecursionError
        raise WeightsError("metadata_too_deep", name=weights.name, limit=e.limit) from None
    except WeightsError:
        raise   # it names what is wrong already (a WeightsError is a ValueError too)
    except (KeyError, ValueError, TypeError) as e:
        raise WeightsError("bad_metadata", name=weights.name, detail=str(e)[:120]) from None


def from_metadata(tensors: dict, meta: dict, name: str) -> Checkpoint:
    """A LayerLab checkpoint from its tensors (model., optim.) and JSON metadata (its nesting bounded first)."""
    weights = {k[len(MODEL_PREFIX):]: v for k, v in tensors.items() if k.startswith(MODEL_PREFIX)}
    optim_meta = safejson.loads(meta.get("optimizer") or "null")
    optim_tensors = {k: v for k, v in tensors.items() if k.startswith(OPTIM_PREFIX)}
    loads = safejson.loads
    return Checkpoint(
        state_dict=weights, config=loads(meta["config"]), metrics=loads(meta["metrics"]),
        classes=tuple(loads(meta["classes"])), arch=loads(meta["arch"]), epoch=int(meta["epoch"]),
        optimizer_state=unflatten_optimizer(optim_tensors, optim_meta) if optim_meta else None, name=name)


def checked_classes(ckpt: Checkpoint) -> Checkpoint:
    """ckpt, once its class names are at most MAX_CLASSES texts of at most MAX_CLASS_NAME characters."""
    if not all(isinstance(c, str) for c in ckpt.classes):
        raise TypeError("class names must be texts")
    longest = max(map(len, ckpt.classes), default=0)
    if len(ckpt.classes) > MAX_CLASSES or longest > MAX_CLASS_NAME:
        raise WeightsError("class_names", name=ckpt.name, most=MAX_CLASSES, longest=MAX_CLASS_NAME,
                           count=len(ckpt.classes), length=longest)
    return ckpt


def load_weights(ckpt: Checkpoint, model: nn.Module) -> nn.Module:
    """model with ckpt's weights, after nets.weights' checks of names, shapes and kinds."""
    state, notes = fit_weights(ckpt.state_dict, model, ckpt.name)
    model.load_state_dict(state)
    ckpt.state_dict = state   # under model's own names, as a resumed run loads them again
    ckpt.notes += notes
    return model
