"""The kernel sliding over the padded input: which pixels one output value reads, and the sum it makes."""
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from visual.layer_figures import sliding_figure

CROP = 40   # larger inputs (an upload at its own size) are shown around the window, not whole
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


def explain_value(state: SlideState, channel: int, r: int, c: int) -> tuple[float, str]:
    """Recompute one output value from its window by hand, and say how."""
    cells = window(state, r, c)
    rows, cols = zip(*cells)
    if state.kind == "Conv2d":
        patch = state.padded[:, list(rows), list(cols)]                    # (C, taps)
        w = state.weight[channel].flatten(1)                               # (C, k*k), same order as cells
        total = float((w * patch).sum())
        bias = float(state.bias[channel]) if state.bias is not None else 0.0
        n = patch.numel()
        return total + bias, (f"Σ weight ⊙ window = {n} products "
                              f"({patch.shape[0]} channels × {state.k}×{state.k})"
                              f" = {total:.4f}, + bias {bias:.4f} = **{total + bias:.4f}**")
    ch = channel % state.padded.shape[0]
    patch = state.padded[ch, list(rows), list(cols)]
    if state.kind == "MaxPool2d":
        top = float(patch.max())
        return top, f"max of the {len(cells)} values in the window = **{top:.4f}**"
    return float(patch.mean()), (f"sum of the {len(cells)} values in the window (padding counts as 0) "
                                 f"/ {len(cells)}"
                                 f" = **{float(patch.mean()):.4f}**")


def slide_picture(state: SlideState | None, step: int, channel: int):
    """The figure and the sentence for one step of the window; step wraps around."""
    if state is None:
        return None, "The sliding window belongs to Conv2d and pooling layers."
    channel = min(max(channel, 0), state.output.shape[0] - 1)
    step = step % state.steps
    r, c = divmod(step, state.output.shape[2])
    value, how = explain_value(state, channel, r, c)
    real = float(state.output[channel, r, c])
    ok = "✓" if abs(value - real) <= 1e-4 * max(1.0, abs(real)) else "✗"
    shown = state.padded.mean(0) if state.kind == "Conv2d" else state.padded[channel % state.padded.shape[0]]
    cells = window(state, r, c)
    top, left = crop_origin(shown.shape, cells)
    out_top, out_left = crop_origin(state.output.shape[1:], [(r, c)])
    crop = shown[top:top + CROP, left:left + CROP]
    cells = [(a - top, b - left) for a, b in cells if top <= a < top + CROP and left <= b < left + CROP]
    out_crop = state.output[channel, out_top:out_top + CROP, out_left:out_left + CROP]
    what = ("mean of the input channels" if state.kind == "Conv2d"
            else f"channel {channel % state.padded.shape[0]}")
    title = (f"step {step + 1}/{state.steps}: output[{channel}, {r}, {c}] · padded input ({what}), "
             f"dotted: the image, red: the {state.k}×{state.k} window")
    pad = state.p if (top, left) == (0, 0) else 0
    figure = sliding_figure(crop, pad, cells, out_crop, (r - out_top, c - out_left), title)
    text = (f"**Step {step + 1} of {state.steps}**, output row {r}, column {c} (channel {channel}): {how}. "
            f"torch computed {real:.4f} {ok}")
    return figure, text


def crop_origin(shape, cells) -> tuple[int, int]:
    """Top-left corner of a CROP x CROP view that keeps the cells in sight."""
    h, w = shape[-2], shape[-1]
    rows = [a for a, _ in cells]
    cols = [b for _, b in cells]
    top = 0 if h <= CROP else min(max(0, min(rows) - CROP // 3), h - CROP)
    left = 0 if w <= CROP else min(max(0, min(cols) - CROP // 3), w - CROP)
    return top, left
