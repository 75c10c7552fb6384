"""The one shape walker and the one set of limits: a layer list run layer by layer on the meta device."""
from dataclasses import dataclass

import torch

from nets.builder.layers import MAX_CHANNELS, MAX_KERNEL, MAX_PADDING, format_args, layer_names, make_layer
from nets.text import Phrase

MAX_LAYERS = 64
MAX_LINEAR_PARAMS = 50_000_000
MAX_PARAMS = 100_000_000         # weights in one network (400 MB of float32)
MAX_ACTIVATION = 1 << 22         # values one layer may output per image (16 MB of float32)
MAX_MACS = 2_000_000_000         # multiply-adds of one forward pass, so it runs well under a second on a CPU
# The explorer runs its chain on a whole batch (up to 64 images) on every slider move and keeps every stage's
# output to draw it, so it bounds the batch, not the image: as much as the Builder allows for 4 images (about
# a second of one CPU core at most). It also builds fresh seeded weights on every move, so it initialises at
# most a twentieth of the Builder's weights (5M, about 0.1 s).
CHAIN_MAX_VALUES = 4 * MAX_ACTIVATION
CHAIN_MAX_MACS = 4 * MAX_MACS
CHAIN_MAX_PARAMS = MAX_PARAMS // 20
LIMITS_PHRASE = Phrase("builder.limits_values", layers=MAX_LAYERS, channels=MAX_CHANNELS, kernel=MAX_KERNEL,
                padding=MAX_PADDING, linear=MAX_LINEAR_PARAMS, params=MAX_PARAMS, macs=MAX_MACS,
                values=MAX_ACTIVATION)


def numel(shape) -> int:
    """Number of values in a tensor of this shape."""
    n = 1
    for s in shape:
        n *= s
    return n


def layer_params(d: dict) -> int:
    """Trainable parameters of a normalised layer, computed without building it."""
    kind = d["type"]
    if kind == "Conv2d":
        return d["out_channels"] * (d["in_channels"] * d["kernel_size"] ** 2 + 1)
    if kind == "Linear":
        return d["out_features"] * (d["in_features"] + 1)
    if kind == "BatchNorm2d":
        return 2 * d["num_features"]
    return 0


def layer_macs(d: dict, out_shape: tuple) -> int:
    """Multiply-adds of one layer for its whole input, counted as torchinfo counts them (bias included)."""
    if d["type"] == "Conv2d":
        return out_shape[0] * out_shape[2] * out_shape[3] * layer_params(d)
    if d["type"] == "Linear":
        return numel(out_shape) // d["out_features"] * layer_params(d)
    return out_shape[0] * layer_params(d)   # BatchNorm2d scales and shifts; the other layers multiply nothing


@dataclass
class LayerCheck:
    """One layer as the walk saw it: every layer gets one, whether it ran, failed or was never reached."""
    index: int
    name: str
    type: str
    args: str                        # its arguments as PyTorch code
    in_shape: tuple | None           # None: an earlier layer failed, so this one was not reached
    out_shape: tuple | None          # None where the layer failed or was not reached
    params: int
    macs: int = 0
    error: Exception | None = None   # what torch raised for this layer on the meta device

    @property
    def reached(self) -> bool:
        return self.in_shape is not None


def walk(layers: list[dict], shape: tuple) -> list[LayerCheck]:
    """Each normalised layer's input and output shape for an input of this shape, computed on the meta device.

    Nothing is allocated or computed, so any size is safe to walk; the walk stops at the first layer torch
    refuses, and the layers after it are returned unreached."""
    checks, x = [], torch.empty(shape, device="meta")
    for i, (d, name) in enumerate(zip(layers, layer_names(layers))):
        check = LayerCheck(i, name, d["type"], format_args(d), tuple(x.shape) if x is not None else None,
                           None, layer_params(d))
        checks.append(check)
        if x is None:
            continue
        with torch.device("meta"):
            layer = make_layer(d).eval()
        try:
            x = layer(x)
        except Exception as e:  # noqa: BLE001 - torch raises RuntimeError, ValueError or IndexError here
            check.error, x = e, None
            continue
        check.out_shape = tuple(x.shape)
        check.macs = layer_macs(d, check.out_shape)
    return checks
