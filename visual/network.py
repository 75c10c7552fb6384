"""One image through a whole Sequential: every layer's output as a picture, its shape and size, then the scores."""
import contextlib
import copy
import html
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from torchinfo import summary

from nets.data.cifar import normalize
from nets.builder.spec import spec_from_model
from nets.builder.layers import describe_layer, format_args, layer_names, make_layer
from nets.own.probe import HOOKS_LOCK, capture, leaf
from nets.text import text
from visual.images import data_uri, to_hwc

MIN_TILE = 32        # maps are drawn at least this many CSS pixels wide, pixels kept square by the browser
ROW_WIDTH = 32       # a flat vector is folded into rows of this many values
EPOCH_CHANNELS = 8   # maps per epoch in the epoch-by-epoch strip
DISPLAY_WIDTH = 720  # widest a picture is drawn on the page, in CSS pixels
SUMMARY_DEPTH = 2    # rows of a learner's own module: its children and theirs (resnet18's blocks)


@dataclass
class LayerView:
    """One layer's output for one image."""
    name: str
    call: str                # e.g. "Conv2d(3, 32, kernel_size=5, padding=2)"
    shape: tuple             # output shape, batch of 1 included
    params: int
    image: np.ndarray        # (H, W, 3) uint8 picture of the output, one pixel per value
    scale: int = 1           # how many CSS pixels each of its pixels is drawn as

    def caption(self, locale: str = "en") -> str:
        return text("network.caption", locale, name=self.name, call=self.call, shape=str(self.shape),
                    params=self.params)


def layer_call(layer: nn.Module) -> str:
    """How the layer reads in PyTorch code: the builder's own formatting where it knows the kind."""
    d = describe_layer(layer)
    return f"{d['type']}({format_args(d)})" if d else repr(layer).split("\n")[0]


def _diverging_lut() -> np.ndarray:
    """256 colours from blue (-1) through white (0) to red (+1)."""
    v = np.linspace(-1, 1, 256)[:, None]
    white, red, blue = np.array([255.0, 255, 255]), np.array([213.0, 94, 0]), np.array([0.0, 114, 178])
    return np.where(v >= 0, white + v * (red - white), white - v * (blue - white)).round().astype(np.uint8)


DIVERGING = _diverging_lut()
GAP = np.array([200, 200, 200], np.uint8)   # grey between maps


def diverging(values: np.ndarray, scale: float) -> np.ndarray:
    """Values as blue (negative), white (zero), red (positive) with one scale for the whole layer; NaN is a gap."""
    gaps = np.isnan(values)
    index = np.clip(np.nan_to_num(values, nan=0.0, posinf=scale, neginf=-scale) / scale, -1, 1)
    img = DIVERGING[np.rint((index + 1) * 127.5).astype(np.uint8)]
    img[gaps] = GAP
    return img


def tile_maps(maps: np.ndarray, columns: int, pad: int = 1) -> np.ndarray:
    """(C, H, W) maps tiled row by row into one (rows*(H+pad)+pad, columns*(W+pad)+pad) grid, NaN between."""
    c, h, w = maps.shape
    rows = -(-c // columns)
    cells = np.full((rows * columns, h + pad, w + pad), np.nan, np.float32)
    cells[:c, pad:, pad:] = maps
    grid = cells.reshape(rows, columns, h + pad, w + pad).transpose(0, 2, 1, 3).reshape(rows * (h + pad), -1)
    return np.pad(grid, ((0, pad), (0, pad)), constant_values=np.nan)


def maps_picture(out: torch.Tensor) -> np.ndarray:
    """A layer's output as one picture, one pixel per value: (1, C, H, W) maps tiled in a grid, (1, N) in rows."""
    values = out[0].float().numpy()
    finite = np.abs(values[np.isfinite(values)])
    scale = float(finite.max()) if finite.size and finite.max() > 0 else 1.0
    if values.ndim == 3:
        c, h, w = values.shape
        grid = tile_maps(values, min(c, 16 if h <= 8 else 8))
    else:
        flat = values.reshape(-1)
        n = flat.size
        columns = min(n, ROW_WIDTH)
        grid = np.full(-(-n // columns) * columns, np.nan, np.float32)
        grid[:n] = flat
        grid = grid.reshape(-1, columns)
    return diverging(grid, scale)


def display_scale(out: torch.Tensor) -> int:
    """CSS pixels per value: small maps and short vectors are drawn larger so they stay readable."""
    if out.dim() == 4:
        return max(2, MIN_TILE // max(out.shape[2:]))
    n = out[0].numel()
    return 16 if n <= ROW_WIDTH else 8 if n <= 4 * ROW_WIDTH else 4


@torch.no_grad()
def network_views(model: nn.Sequential, x: torch.Tensor) -> tuple[list[LayerView], torch.Tensor]:
    """Each named layer's output for one uint8 (3, 32, 32) image, and the class probabilities at the end."""
    h = normalize(x.unsqueeze(0))                                       # (1, 3, 32, 32) as trained models take
    views = [LayerView("input", "normalize(image)", tuple(h.shape), 0, to_hwc(x), 8)]
    for name, layer in model.named_children():
        h = layer(h)
        params = sum(p.numel() for p in layer.parameters())
        views.append(LayerView(name, layer_call(layer), tuple(h.shape), params, maps_picture(h), display_scale(h)))
    probs = h.softmax(dim=1)[0] if h.dim() == 2 else torch.empty(0)
    return views, probs


@torch.no_grad()
def module_views(model: nn.Module, x: torch.Tensor, locale: str = "en") -> tuple[list[LayerView], torch.Tensor]:
    """Any module's work on one uint8 (3, 32, 32) image as forward hooks see it, in call order, then the scores."""
    h = normalize(x.unsqueeze(0))                                       # (1, 3, 32, 32)
    steps, out = capture(model.eval(), h)
    views = [LayerView("input", "normalize(image)", tuple(h.shape), 0, to_hwc(x), 8)]
    for s in steps:
        if s.between:   # what arrives is not what any module gave: forward's own code (a +, a flatten) ran
            views.append(LayerView(f"→ {s.name}", text("own.between", locale), tuple(s.input.shape), 0,
                                   maps_picture(s.input), display_scale(s.input)))
        views.append(LayerView(s.name, module_call(s.module), tuple(s.output.shape), s.params,
                               maps_picture(s.output), display_scale(s.output)))
    probs = out.softmax(dim=1)[0] if isinstance(out, torch.Tensor) and out.dim() == 2 else torch.empty(0)
    return views, probs


def module_call(module: nn.Module) -> str:
    """A layer as PyTorch code; a block of the learner's as its class name."""
    return layer_call(module) if leaf(module) else f"{type(module).__name__}(…)"


def probabilities(classes, probs: torch.Tensor) -> dict[str, float]:
    """softmax(output) as {class: probability}, what gr.Label draws as bars."""
    return {c: float(p) for c, p in zip(classes, probs.tolist())}


def summary_rows(model: nn.Module, locale: str = "en") -> list[list]:
    """torchinfo's table for one 32x32 image: layer, type, output shape, parameters, multiply-adds; then the total."""
    twin, device = meta_twin(model), "meta"
    if twin is None:
        twin, device = model, "cpu"
    # torchinfo hooks the model itself when it has no meta twin (a model others may be hooking): one at a time
    with HOOKS_LOCK if twin is model else contextlib.nullcontext():
        stats = summary(twin, input_size=(1, 3, 32, 32), verbose=0, device=device, mode="eval",
                        col_names=("output_size", "num_params", "mult_adds"))
    depth = 1 if isinstance(model, nn.Sequential) else SUMMARY_DEPTH   # a learner's module: its blocks' layers
    rows = [[dotted_name(i), i.class_name, str(tuple(i.output_size)), i.num_params, i.macs]
            for i in stats.summary_list if 1 <= i.depth <= depth]
    return rows + [[text("network.total", locale), "", "", stats.total_params, stats.total_mult_adds]]


def dotted_name(info) -> str:
    """torchinfo's row as the module's name in the model: 'layer1.0' rather than '0'."""
    names = []
    while info is not None and info.depth >= 1:
        names.append(info.var_name)
        info = info.parent_info
    return ".".join(reversed(names))


def meta_twin(model: nn.Module) -> nn.Sequential | None:
    """The same architecture on the meta device (no weights, no arithmetic), or None if it is not a builder network."""
    spec = spec_from_model(model)
    if spec is None:
        return None
    with torch.device("meta"):
        return nn.Sequential(OrderedDict((n, make_layer(d)) for n, d in zip(layer_names(spec), spec)))


@torch.no_grad()
def epoch_strip(model: nn.Sequential, states: list[dict], x: torch.Tensor, layer: str):
    """One row per epoch: the first maps of one layer under each epoch's weights, and each epoch's probabilities."""
    work = copy.deepcopy(model).eval()
    rows, probs = [], []
    for state in states:
        work.load_state_dict(state)
        seen = []   # the layer's output, as a forward hook sees it (any module, not only a chain of children)
        handle = work.get_submodule(layer).register_forward_hook(lambda m, args, out: seen.append(out))
        try:
            h = work(normalize(x.unsqueeze(0)))
        finally:
            handle.remove()
        picked = seen[0][:, :EPOCH_CHANNELS] if seen[0].dim() == 4 else seen[0]
        rows.append(maps_picture(picked))
        probs.append(h.softmax(dim=1)[0] if h.dim() == 2 else torch.empty(0))
    width = max(r.shape[1] for r in rows)
    gap = np.full((4, width, 3), 255, np.uint8)
    padded = [np.pad(r, ((0, 0), (0, width - r.shape[1]), (0, 0)), constant_values=255) for r in rows]
    return np.concatenate([p for r in padded for p in (r, gap)][:-1]), probs


def _figure(img: np.ndarray, alt: str, scale: int) -> str:
    width = min(scale * img.shape[1], DISPLAY_WIDTH)
    return (f'<img src="{data_uri(img)}" alt="{html.escape(alt)}" '
            f'style="width:{width}px;max-width:100%;image-rendering:pixelated;display:block">')


def flow_html(views: list[LayerView], locale: str = "en") -> str:
    """The network top to bottom: each layer's code, output shape, parameters and picture, joined by arrows."""
    blocks = []
    for v in views:
        head = f"<b>{html.escape(v.name)}</b> = <code>{html.escape(v.call)}</code>"
        meta = text("network.flow_meta", locale, shape=f"<code>{v.shape}</code>", params=v.params)
        picture = _figure(v.image, v.caption(locale), v.scale)
        blocks.append(f'<div class="ll-layer" style="margin:4px 0"><div>{head}</div>'
                      f'<div style="opacity:.75;font-size:90%">{meta}</div>{picture}</div>')
    arrow = '<div style="font-size:22px;line-height:22px;opacity:.6">↓</div>'
    return f'<div class="ll-flow">{arrow.join(blocks)}</div>'


def strip_html(img: np.ndarray, layer: str, locale: str = "en") -> str:
    """The epoch-by-epoch picture of one layer."""
    return _figure(img, text("network.strip_alt", locale, layer=layer), 4)
