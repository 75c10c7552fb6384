"""The kernel sliding over the padded input: which pixels one output value reads, and the sum it makes."""
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from nets.text import Phrase

PAD_MODES = {"zeros": "constant", "reflect": "reflect", "replicate": "replicate", "circular": "circular"}


@dataclass
class SlideState:
    """What stepping the window needs: one image's padded input, the layer's numbers, its real output."""
    kind: str                      # Conv2d, MaxPool2d or AvgPool2d
    padded: torch.Tensor           # (C, H + 2p, W + 2p): the chosen image as the layer pads it
    output: torch.Tensor           # (O, H_out, W_out): the layer's real output for that image
    k: int
    s: int
    p: int
    d: int
    weight: torch.Tensor | None = None   # Conv2d: (O, C, k, k)
    bias: torch.Tensor | None = None

    @property
    def steps(self) -> int:
        return self.output.shape[1] * self.output.shape[2]


def slide_state(layer: nn.Module, x: torch.Tensor, y: torch.Tensor) -> SlideState | None:
    """The sliding picture's inputs for one image x (C, H, W) and its output y, or None for other layers."""
    if isinstance(layer, nn.Conv2d):
        p, mode = layer.padding[0], PAD_MODES[layer.padding_mode]
        padded = F.pad(x[None], (p, p, p, p), mode=mode)[0] if p else x
        return SlideState("Conv2d", padded, y, layer.kernel_size[0], layer.stride[0], p, layer.dilation[0],
                          layer.weight.detach(), None if layer.bias is None else layer.bias.detach())
    if isinstance(layer, (nn.MaxPool2d, nn.AvgPool2d)):
        p = layer.padding
        # Max pooling pads with -inf (a pad is never the maximum); average pooling counts zeros.
        fill = float("-inf") if isinstance(layer, nn.MaxPool2d) else 0.0
        padded = F.pad(x, (p, p, p, p), value=fill) if p else x
        d = layer.dilation if isinstance(layer, nn.MaxPool2d) else 1
        return SlideState(type(layer).__name__, padded, y, layer.kernel_size, layer.stride, p, d)
    return None


def window(state: SlideState, r: int, c: int) -> list[tuple[int, int]]:
    """Padded-input cells the window reads for output (r, c); ceil_mode windows may stop at the edge."""
    hp, wp = state.padded.shape[1:]
    top, left = r * state.s, c * state.s
    return [(top + a * state.d, left + b * state.d) for a in range(state.k) for b in range(state.k)
            if top + a * state.d < hp and left + b * state.d < wp]


def explain_value(state: SlideState, channel: int, r: int, c: int) -> tuple[float, Phrase]:
    """Recompute one output value from its window by hand, and say how."""
    cells = window(state, r, c)
    rows, cols = zip(*cells)
    if state.kind == "Conv2d":
        patch = state.padded[:, list(rows), list(cols)]                    # (C, taps)
        w = state.weight[channel].flatten(1)                               # (C, k*k), same order as cells
        total = float((w * patch).sum())
        bias = float(state.bias[channel]) if state.bias is not None else 0.0
        return total + bias, Phrase("explorer.slide_conv", n=patch.numel(), c=patch.shape[0], k=state.k,
                                    total=total, bias=bias, value=total + bias)
    ch = channel % state.padded.shape[0]
    patch = state.padded[ch, list(rows), list(cols)]
    if state.kind == "MaxPool2d":
        top = float(patch.max())
        return top, Phrase("explorer.slide_max", n=len(cells), value=top)
    return float(patch.mean()), Phrase("explorer.slide_avg", n=len(cells), value=float(patch.mean()))
