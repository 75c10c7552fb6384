"""The layer the explorer shows: its settings, the checks behind impossible ones, and the real torch layer."""
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from nets.data.cifar import normalize, to_unit
from nets.explorer.kernels import PRESETS, KernelError, parse_grid, per_channel_weight, preset_kernel
from nets.models import seeded
from nets.text import LearnerError, Phrase

CONVS = ("Conv2d",)
POOLS = ("MaxPool2d", "AvgPool2d")
ACTIVATIONS = ("ReLU", "Sigmoid", "Tanh", "LeakyReLU", "GELU")
KINDS = (*CONVS, *POOLS, *ACTIVATIONS, "Linear", "Sequential")
PADDING_MODES = ("zeros", "reflect", "replicate", "circular")
WEIGHT_SOURCES = ("default", "preset", "grid", "trained")   # where a Conv2d's weights come from
INPUT_SCALES = ("unit", "normalize")  # ToTensor()'s 0..1, or Normalize(CIFAR_MEAN, CIFAR_STD)
MAX_LINEAR_WEIGHTS = 8_000_000        # a Linear over a 512x512 upload would hold hundreds of MB


@contextmanager
def one_thread():
    """Run the explorer's small tensors on the calling thread only, then restore its thread count.

    On two cores shared with other visitors (and their training), torch's thread pool spins instead of
    working: Conv2d on 64 images took 11 ms with 2 threads and 1.2 ms with 1 under load. torch's count
    (OpenMP's) is per thread, so a training loop in another thread keeps its own."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


class LayerError(LearnerError):
    """An impossible layer setting; the message names the constraint and the way out."""


@dataclass
class LayerConfig:
    """Everything that defines the explored layer; the UI, the code generator and the tests build this."""
    kind: str = "Conv2d"          # one of KINDS
    out_channels: int = 6         # Conv2d: feature maps it makes (the tutorial's first example uses 6)
    kernel_size: int = 3          # Conv2d and pooling: the window is kernel_size x kernel_size
    stride: int = 1               # Conv2d and pooling: pixels the window moves per step
    padding: int = 1              # Conv2d and pooling: pixels added on every side
    padding_mode: str = "zeros"   # Conv2d: what the added pixels hold
    dilation: int = 1             # Conv2d and MaxPool2d: gap between the window's taps
    bias: bool = True             # Conv2d and Linear: add a learned constant per output
    weights: str = "default"      # Conv2d (WEIGHT_SOURCES): seeded init, an image preset, the grid or trained conv1
    preset: str = "sobel x"       # Conv2d with weights="preset": one of nets.explorer.kernels.PRESETS
    grid: object = None           # Conv2d with weights="grid": k x k numbers typed by the learner
    seed: int = 0                 # seeds PyTorch's default init, so the same view gives the same weights
    ceil_mode: bool = False       # pooling: round the output size up instead of down
    negative_slope: float = 0.01  # LeakyReLU: slope for negative inputs
    approximate: str = "none"     # GELU: exact ("none") or the "tanh" approximation
    out_features: int = 10        # Linear: outputs per image
    scale: str = "unit"           # how uint8 images become floats: one of INPUT_SCALES


def windows(span: int, s: int, ceil_mode: bool) -> int:
    """floor(span/s) + 1, or ceil(span/s) + 1: the windows before torch's ceil_mode rule below."""
    return (-(-span // s) if ceil_mode else span // s) + 1


def out_size(n: int, k: int, s: int = 1, p: int = 0, d: int = 1, ceil_mode: bool = False) -> int:
    """Output length along one axis: floor((n + 2p - d(k-1) - 1)/s) + 1, as torch computes it."""
    out = windows(n + 2 * p - d * (k - 1) - 1, s, ceil_mode)
    if ceil_mode and (out - 1) * s >= n + p:
        out -= 1   # the last window would start in the right padding: torch drops it
    return out


def pair(v) -> tuple[int, int]:
    """A layer's int-or-tuple argument as (height, width)."""
    return (v, v) if isinstance(v, int) else tuple(v)


def window_of(layer: nn.Module) -> dict | None:
    """The real layer's window per axis, (H, W) pairs: kernel k, stride s, padding p, dilation d, ceil_mode.

    Read from the layer, not the controls: the trained conv1 brings its own kernel size (5)."""
    if isinstance(layer, nn.Conv2d) and isinstance(layer.padding, tuple):
        return dict(k=layer.kernel_size, s=layer.stride, p=layer.padding, d=layer.dilation, ceil_mode=False)
    if isinstance(layer, (nn.MaxPool2d, nn.AvgPool2d)):
        d = layer.dilation if isinstance(layer, nn.MaxPool2d) else 1
        return dict(k=pair(layer.kernel_size), s=pair(layer.stride), p=pair(layer.padding), d=pair(d),
                    ceil_mode=layer.ceil_mode)
    return None


def formula_line(axis: str, n: int, k: int, s: int, p: int, d: int, ceil_mode: bool) -> str:
    """One axis of the output-size formula with the numbers filled in; every step evaluates to the next."""
    span = n + 2 * p - d * (k - 1) - 1
    rnd = "ceil" if ceil_mode else "floor"
    out = out_size(n, k, s, p, d, ceil_mode)
    dropped = " - 1" if out < windows(span, s, ceil_mode) else ""   # see dropped_window_notes
    return (f"{axis}_out = {rnd}(({axis} + 2p - d(k-1) - 1)/s) + 1{dropped} = "
            f"{rnd}(({n} + 2·{p} - {d}·({k}-1) - 1)/{s}) + 1{dropped} = {rnd}({span}/{s}) + 1{dropped} = {out}")


def formula_lines(layer: nn.Module, h: int, w: int) -> list[str]:
    """The output-size formula for the real layer on an h x w input, one line per axis ([] for other layers)."""
    win = window_of(layer)
    if win is None:
        return []
    return [formula_line(axis, n, win["k"][i], win["s"][i], win["p"][i], win["d"][i], win["ceil_mode"])
            for i, (axis, n) in enumerate((("H", h), ("W", w)))]


def dropped_window_notes(layer: nn.Module, h: int, w: int) -> list[Phrase]:
    """Why a ceil_mode formula subtracts 1: torch drops a last window that would start in the right padding."""
    win = window_of(layer)
    if win is None or not win["ceil_mode"]:
        return []
    notes = []
    for i, (axis, n) in enumerate((("H", h), ("W", w))):
        k, s, p, d = win["k"][i], win["s"][i], win["p"][i], win["d"][i]
        last = windows(n + 2 * p - d * (k - 1) - 1, s, True) - 1     # the last window's index, from 0
        if out_size(n, k, s, p, d, True) == last:
            notes.append(Phrase("explorer.note_dropped", axis=axis, last=last, s=s, start=last * s, edge=n + p))
    return notes


def prepare_input(x: torch.Tensor, scale: str) -> torch.Tensor:
    """uint8 images (B, 3, H, W) as floats: ToTensor()'s 0..1 or the trained models' normalisation."""
    return normalize(x) if scale == "normalize" else to_unit(x)


def trained_conv(trained) -> nn.Conv2d:
    """The first Conv2d of a nets.models.TrainedModel (the tutorial's conv1: 3->32, k=5, p=2)."""
    for module in trained.model.modules():
        if isinstance(module, nn.Conv2d):
            return module
    raise LayerError("explorer.err.no_conv")


def conv_shape(cfg: LayerConfig, trained=None) -> tuple[int, int]:
    """(out_channels, kernel_size) the Conv2d really gets: presets and the grid filter each colour alone."""
    if cfg.weights == "trained":
        if trained is None:
            raise LayerError("explorer.err.no_trained")
        conv = trained_conv(trained)
        return conv.out_channels, conv.kernel_size[0]
    if cfg.weights in ("preset", "grid"):
        return 3, cfg.kernel_size
    return cfg.out_channels, cfg.kernel_size


def check(cfg: LayerConfig, shape: tuple, trained=None) -> None:
    """Raise LayerError with one sentence when cfg cannot run on inputs of shape (B, C, H, W)."""
    _, c, h, w = shape
    if cfg.kind in CONVS or cfg.kind in POOLS:
        check_window(cfg, h, w, trained)
    if cfg.kind in CONVS:
        if cfg.weights == "preset" and cfg.preset not in PRESETS:
            raise LayerError("explorer.err.preset", presets=", ".join(PRESETS), got=repr(cfg.preset))
        if cfg.weights in ("preset", "grid") and c != 3:
            raise LayerError("explorer.err.rgb")
        if cfg.padding_mode == "reflect" and cfg.padding >= min(h, w):
            raise LayerError("explorer.err.reflect", h=h, w=w, padding=cfg.padding)
        if cfg.padding_mode == "circular" and cfg.padding > min(h, w):
            raise LayerError("explorer.err.circular", most=min(h, w), padding=cfg.padding)
    if cfg.kind == "Linear" and c * h * w * cfg.out_features > MAX_LINEAR_WEIGHTS:
        raise LayerError("explorer.err.linear_big", n=c * h * w, f=cfg.out_features,
                         weights=c * h * w * cfg.out_features, limit=MAX_LINEAR_WEIGHTS)


def check_window(cfg: LayerConfig, h: int, w: int, trained) -> None:
    """The sliding-window constraints shared by Conv2d and pooling."""
    k = conv_shape(cfg, trained)[1] if cfg.kind in CONVS else cfg.kernel_size
    d = 1 if cfg.kind == "AvgPool2d" else cfg.dilation
    if min(k, cfg.stride, d) < 1 or cfg.padding < 0:
        raise LayerError("explorer.err.window_bounds")
    if cfg.kind in POOLS and cfg.padding > k // 2:
        raise LayerError("explorer.err.pool_padding", k=k, most=k // 2, padding=cfg.padding)
    span = d * (k - 1) + 1
    for axis, n in (("explorer.axis_height", h), ("explorer.axis_width", w)):
        if span > n + 2 * cfg.padding:
            raise LayerError("explorer.err.dilated_big" if d > 1 else "explorer.err.kernel_big", k=k, d=d,
                             span=span, axis=Phrase(axis), n=n, p=cfg.padding, padded=n + 2 * cfg.padding)


def build_conv(cfg: LayerConfig, in_channels: int, trained=None) -> nn.Conv2d:
    """The Conv2d with the chosen weights."""
    out_channels, k = conv_shape(cfg, trained)
    bias = cfg.bias or cfg.weights == "trained"
    conv = seeded(cfg.seed, lambda: nn.Conv2d(in_channels, out_channels, k, stride=cfg.stride,
                                              padding=cfg.padding, dilation=cfg.dilation, bias=bias,
                                              padding_mode=cfg.padding_mode))
    with torch.no_grad():
        if cfg.weights == "trained":
            source = trained_conv(trained)
            conv.weight.copy_(source.weight)
            conv.bias.copy_(source.bias if source.bias is not None else torch.zeros(out_channels))
        elif cfg.weights in ("preset", "grid"):
            try:
                kernel = preset_kernel(cfg.preset, k) if cfg.weights == "preset" else parse_grid(cfg.grid, k)
            except KernelError as e:
                raise LayerError(e.phrase.key, **e.phrase.params) from None
            conv.weight.copy_(per_channel_weight(kernel, in_channels))
            if conv.bias is not None:
                conv.bias.zero_()
    return conv


def build_layer(cfg: LayerConfig, shape: tuple, trained=None) -> nn.Module:
    """The real torch layer for cfg and inputs of shape (B, C, H, W), after checking it can run."""
    check(cfg, shape, trained)
    c, h, w = shape[1:]
    if cfg.kind in CONVS:
        return build_conv(cfg, c, trained)
    if cfg.kind == "MaxPool2d":
        return nn.MaxPool2d(cfg.kernel_size, cfg.stride, cfg.padding, cfg.dilation, ceil_mode=cfg.ceil_mode)
    if cfg.kind == "AvgPool2d":
        return nn.AvgPool2d(cfg.kernel_size, cfg.stride, cfg.padding, ceil_mode=cfg.ceil_mode)
    if cfg.kind == "LeakyReLU":
        return nn.LeakyReLU(cfg.negative_slope)
    if cfg.kind == "GELU":
        return nn.GELU(approximate=cfg.approximate)
    if cfg.kind in ACTIVATIONS:
        return getattr(nn, cfg.kind)()
    if cfg.kind == "Linear":
        return seeded(cfg.seed, lambda: nn.Sequential(nn.Flatten(),
                                                      nn.Linear(c * h * w, cfg.out_features, cfg.bias)))
    raise LayerError("explorer.err.kind", kinds=", ".join(KINDS[:-1]), got=repr(cfg.kind))


def comparison_pool(cfg: LayerConfig) -> nn.Module | None:
    """The other pooling layer with the same window, shown beside the chosen one (AvgPool2d: no dilation)."""
    if cfg.kind == "MaxPool2d" and cfg.dilation == 1:
        return nn.AvgPool2d(cfg.kernel_size, cfg.stride, cfg.padding, ceil_mode=cfg.ceil_mode)
    if cfg.kind == "AvgPool2d":
        return nn.MaxPool2d(cfg.kernel_size, cfg.stride, cfg.padding, ceil_mode=cfg.ceil_mode)
    return None


def value_stats(x: torch.Tensor, kind: str = "") -> dict:
    """min, max, mean, std, the share of zeros and of saturated values (sigmoid or |tanh| near its bounds).

    numpy's single-threaded loops: on two busy cores torch's thread pool made these reductions 10x slower."""
    a = x.detach().float().contiguous().numpy().ravel()
    mean = a.mean(dtype=np.float64)
    var = max(0.0, float(np.square(a, dtype=np.float32).mean(dtype=np.float64)) - mean * mean)
    stats = dict(min=float(a.min()), max=float(a.max()), mean=float(mean), std=var ** 0.5,
                 zero=(a.size - np.count_nonzero(a)) / a.size)
    if kind == "Sigmoid":
        stats["saturated"] = float(np.count_nonzero((a < 0.01) | (a > 0.99))) / a.size
    elif kind == "Tanh":
        stats["saturated"] = float(np.count_nonzero(np.abs(a) > 0.99)) / a.size
    return stats


def activation_curve(layer: nn.Module, low: float = -6.0, high: float = 6.0, n: int = 241):
    """x, f(x) and f'(x) (by autograd) for drawing an activation and its derivative."""
    x = torch.linspace(low, high, n, requires_grad=True)
    y = layer(x)
    (dy,) = torch.autograd.grad(y.sum(), x)
    return x.detach(), y.detach(), dy
