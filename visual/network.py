"""One image through a whole Sequential: every layer's output as a picture, its shape and size, then the scores."""
import copy
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import torch
from PIL import Image
from torch import nn
from torchinfo import summary

from nets.data import normalize
from nets.layers import describe_layer, format_args
from visual.charts import CB_SAFE
from visual.images import enlarge, to_hwc

MIN_TILE = 24        # maps smaller than this are enlarged (nearest) so each pixel stays a visible square
ROW_WIDTH = 32       # a flat vector is folded into rows of this many values
EPOCH_CHANNELS = 8   # maps per epoch in the epoch-by-epoch strip


@dataclass
class LayerView:
    """One layer's output for one image."""
    name: str
    call: str                # e.g. "Conv2d(3, 32, kernel_size=5, padding=2)"
    shape: tuple             # output shape, batch of 1 included
    params: int
    image: np.ndarray        # (H, W, 3) uint8 picture of the output

    @property
    def caption(self) -> str:
        return f"{self.name} = {self.call} → {self.shape}, {self.params:,} parameters"


def layer_call(layer: nn.Module) -> str:
    """How the layer reads in PyTorch code: the builder's own formatting where it knows the kind."""
    d = describe_layer(layer)
    return f"{d['type']}({format_args(d)})" if d else repr(layer).split("\n")[0]


def diverging(values: torch.Tensor, scale: float) -> np.ndarray:
    """Values as blue (negative), white (zero), red (positive) with one scale for the whole layer."""
    v = (values / scale).clamp(-1, 1).numpy()[..., None]               # (..., 1)
    white, red, blue = np.array([255.0, 255, 255]), np.array([213.0, 94, 0]), np.array([0.0, 114, 178])
    rgb = np.where(v >= 0, white + v * (red - white), white - v * (blue - white))
    return rgb.astype(np.uint8)


def maps_picture(out: torch.Tensor, pad: int = 1) -> np.ndarray:
    """A layer's output as one picture: (1, C, H, W) maps tiled in a grid, (1, N) folded into rows."""
    scale = float(out.abs().max()) or 1.0
    if out.dim() == 4:
        maps = out[0]                                                   # (C, H, W)
        c, h, w = maps.shape
        columns = min(c, 16 if h <= 8 else 8)
        rows = -(-c // columns)
        grid = torch.full((rows * (h + pad) + pad, columns * (w + pad) + pad), float("nan"))
        for i in range(c):
            r, col = divmod(i, columns)
            grid[pad + r * (h + pad):pad + r * (h + pad) + h, pad + col * (w + pad):pad + col * (w + pad) + w] = maps[i]
        factor = max(1, MIN_TILE // max(h, w))
    else:
        flat = out.reshape(-1)
        n = flat.numel()
        columns = min(n, ROW_WIDTH)
        grid = torch.full((-(-n // columns) * columns,), float("nan"))
        grid[:n] = flat
        grid = grid.view(-1, columns)
        factor = 16 if n <= ROW_WIDTH else 8 if grid.shape[0] <= 4 else 4
    img = diverging(torch.nan_to_num(grid), scale)
    img[torch.isnan(grid).numpy()] = 200                                 # gaps between maps in grey
    return enlarge(img, factor) if factor > 1 else img


@torch.no_grad()
def network_views(model: nn.Sequential, x: torch.Tensor) -> tuple[list[LayerView], torch.Tensor]:
    """Each named layer's output for one uint8 (3, 32, 32) image, and the class probabilities at the end."""
    h = normalize(x.unsqueeze(0))                                       # (1, 3, 32, 32) as trained models take
    views = [LayerView("input", "normalize(image)", tuple(h.shape), 0, enlarge(to_hwc(x), 4))]
    for name, layer in model.named_children():
        h = layer(h)
        params = sum(p.numel() for p in layer.parameters())
        views.append(LayerView(name, layer_call(layer), tuple(h.shape), params, maps_picture(h)))
    probs = h.softmax(dim=1)[0] if h.dim() == 2 else torch.empty(0)
    return views, probs


def probabilities_figure(classes, probs: torch.Tensor, label: int | None = None) -> go.Figure:
    """Bars of the softmax probabilities, the true class marked."""
    colors = [CB_SAFE[2] if i == label else CB_SAFE[0] for i in range(len(classes))]
    fig = go.Figure(go.Bar(x=list(classes), y=probs.tolist(), marker_color=colors))
    fig.update_layout(height=260, margin=dict(l=40, r=10, t=30, b=40), yaxis=dict(range=[0, 1], title="probability"),
                      title="softmax(output): the network's answer" + ("" if label is None else " (green: true class)"))
    return fig


def summary_rows(model: nn.Module) -> list[list]:
    """torchinfo's table for one 32x32 image: layer, type, output shape, parameters, multiply-adds."""
    stats = summary(model, input_size=(1, 3, 32, 32), verbose=0, device="cpu", mode="eval",
                    col_names=("output_size", "num_params", "mult_adds"))
    rows = [[i.var_name, i.class_name, str(tuple(i.output_size)), i.num_params, i.macs]
            for i in stats.summary_list if i.depth == 1]
    return rows + [["total", "", "", stats.total_params, stats.total_mult_adds]]


@torch.no_grad()
def epoch_strip(model: nn.Sequential, states: list[dict], x: torch.Tensor, layer: str):
    """One row per epoch: the first maps of one layer under each epoch's weights, and each epoch's probabilities."""
    work = copy.deepcopy(model).eval()
    rows, probs = [], []
    for state in states:
        work.load_state_dict(state)
        h, picked = normalize(x.unsqueeze(0)), None
        for name, module in work.named_children():
            h = module(h)
            if name == layer:
                picked = h[:, :EPOCH_CHANNELS] if h.dim() == 4 else h
        rows.append(maps_picture(picked))
        probs.append(h.softmax(dim=1)[0] if h.dim() == 2 else torch.empty(0))
    width = max(r.shape[1] for r in rows)
    gap = np.full((4, width, 3), 255, np.uint8)
    padded = [np.pad(r, ((0, 0), (0, width - r.shape[1]), (0, 0)), constant_values=255) for r in rows]
    return np.concatenate([p for r in padded for p in (r, gap)][:-1]), probs


def write_png(img: np.ndarray, folder: Path, name: str) -> str:
    """A picture saved at low compression (fast) so Gradio can serve the file as it is."""
    path = Path(folder) / f"{name}.png"
    Image.fromarray(img).save(path, compress_level=1)
    return str(path)
