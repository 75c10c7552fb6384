"""Everything the explorer shows for one layer and one input: pictures, figures, numbers, code (no gradio)."""
import os
import tempfile
import zlib
from dataclasses import dataclass, field

import torch
from torch import nn

from nets.data.cifar import normalize
from nets.explorer.layer import (CONVS, POOLS, LayerConfig, LayerError, activation_curve, build_layer,
                          comparison_pool, count_parameters, dropped_window_notes, formula_lines, prepare_input, value_stats)
from nets.explorer.chain import build_chain, check_sizes, load_trained, parse_chain, run_chain
from nets.explorer.code import chain_code, layer_code
from ui.explorer_slide import SlideState, slide_picture, slide_state
from visual import layer_figures as figs
from visual.images import image_grid
from visual.maps import batch_grid, batch_view, feature_maps_grid, for_display, save_png, scores_grid

PNG_DIR = os.path.join(tempfile.gettempdir(), f"layerlab-explorer-{os.getpid()}")
HIST_SAMPLE = 200_000    # histograms are drawn from an even sample of at most this many values


@dataclass
class ViewOptions:
    """How the result is drawn; none of these change the layer."""
    image: int = 0             # which image of the batch gets its feature maps and sliding window
    map_scale: str = "shared"  # visual.maps.SCALES
    colormap: str = "viridis"  # visual.maps.COLORMAPS
    batch_view: str = "reshape"  # visual.maps.VIEWS
    channel: int = 0           # output channel for the one-channel view, the kernel and the window
    step: int = 0              # position of the sliding window


@dataclass
class View:
    """One rendered explorer view; paths are PNG files, figures plotly dicts."""
    status: str
    input_png: str
    output_png: str
    maps_png: str | None
    gallery: list = field(default_factory=list)
    hist: dict | None = None
    layer_plot: dict | None = None
    slide_plot: dict | None = None
    slide_text: str = ""
    slide: SlideState | None = None
    code: str = ""
    note: str = ""                                    # how the output batch is drawn
    extra: list = field(default_factory=list)         # more Markdown lines for the status
    output: torch.Tensor | None = None
    layer: nn.Module | None = None


INPUT_PNGS: dict = {}     # checksum of a batch -> its picture: a layer control leaves the input unchanged


def input_picture(x_u8: torch.Tensor) -> str:
    """The input batch exactly as stored (uint8), enlarged pixel for pixel; reused while unchanged."""
    key = (tuple(x_u8.shape), zlib.crc32(x_u8.contiguous().numpy().data))
    path = INPUT_PNGS.get(key)
    if path is None or not os.path.exists(path):
        grid = image_grid(x_u8, columns=8)
        path = save_png(for_display(grid), PNG_DIR)
        if len(INPUT_PNGS) > 64:
            INPUT_PNGS.clear()
        INPUT_PNGS[key] = path
    else:
        os.utime(path)   # in use again: the pruning of old pictures (newest kept) must not take it
    return path


def sample(x: torch.Tensor, n: int = HIST_SAMPLE) -> torch.Tensor:
    """An even sample of x's values (every k-th), so histograms of big outputs stay fast."""
    flat = x.detach().flatten()
    return flat[:: max(1, flat.numel() // n)]


def stats_table(rows: list[tuple[str, dict]]) -> str:
    """Statistics as a Markdown table; % saturated appears for Sigmoid and Tanh."""
    saturated = any("saturated" in s for _, s in rows)
    head = "| | min | max | mean | std | % zero |" + (" % saturated |" if saturated else "")
    lines = [head, "|---" * (6 + saturated) + "|"]
    for name, s in rows:
        cells = [f"{s[k]:.4g}" for k in ("min", "max", "mean", "std")] + [f"{s['zero']:.1%}"]
        if saturated:
            cells.append(f"{s['saturated']:.1%}" if "saturated" in s else "")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def parameter_text(layer: nn.Module) -> str:
    """Parameter count with where it comes from."""
    n = count_parameters(layer)
    conv = layer if isinstance(layer, nn.Conv2d) else None
    lin = next((m for m in layer.modules() if isinstance(m, nn.Linear)), None)
    if conv is not None:
        o, i, k, _ = conv.weight.shape
        biases = f" + {o} biases" if conv.bias is not None else ""
        return f"{n:,} parameters = {o}·{i}·{k}·{k} weights{biases}"
    if lin is not None:
        return (f"{n:,} parameters = {lin.in_features}·{lin.out_features} weights"
                + (f" + {lin.out_features} biases" if lin.bias is not None else ""))
    return "no parameters: this layer learns nothing, it only computes"


def shape_check(layer: nn.Module, x: torch.Tensor, y: torch.Tensor) -> str:
    """The output-size formula with the real layer's numbers, checked against the real tensor."""
    lines = formula_lines(layer, *x.shape[2:])
    if not lines:
        return ""
    ok = all(int(line.rsplit("= ", 1)[1]) == n for line, n in zip(lines, y.shape[2:]))
    verdict = (f"✓ the real tensor is {y.shape[2]}×{y.shape[3]}" if ok else
               f"✗ the real tensor is {y.shape[2]}×{y.shape[3]}")
    notes = "".join(f"\n\n{note}" for note in dropped_window_notes(layer, *x.shape[2:]))
    return "**Output size**\n\n```\n" + "\n".join(lines) + f"\n```\n{verdict}{notes}"


def notes_for(cfg: LayerConfig, x: torch.Tensor, y: torch.Tensor, trained) -> list[str]:
    """Short remarks tying the view to the tutorial and its corrected mistakes."""
    notes = []
    if cfg.kind in CONVS and cfg.weights in ("preset", "grid"):
        notes.append("Kernels from image processing filter each colour channel on its own: out_channels = 3, "
                     "weight[c, c] = kernel and 0 elsewhere, so the output is still a colour image.")
    if cfg.kind in CONVS and cfg.weights == "trained":
        notes.append(f"Weights: conv1 of your trained model ({trained.label}); "
                     "its input is normalised as in training.")
    if cfg.kind == "MaxPool2d" and (cfg.kernel_size, cfg.stride, cfg.padding) == (2, 2, 1):
        notes.append(f"The tutorial's MaxPool2d(kernel_size=2, stride=2, padding=1) gives "
                     f"{y.shape[2]}×{y.shape[3]}, not the 16×16 it says: padding=0 gives 16×16. "
                     "(kernel_size=2 is a 2×2 window, not 3×3.)")
    if cfg.kind in ("ReLU", "LeakyReLU", "GELU") and x.min() >= 0:
        notes.append("ToTensor() images are all ≥ 0, so this activation barely changes them: choose "
                     "'Normalize' as input scale (or a Sequential with a Conv2d first) to see negatives cut.")
    if cfg.kind == "Sigmoid" and x.min() >= 0:
        notes.append("Sigmoid squeezes 0..1 into 0.5..0.73: the 'foggy' look the tutorial describes.")
    if cfg.kind in CONVS and cfg.padding_mode != "zeros":
        notes.append(f"padding_mode='{cfg.padding_mode}' fills the border from the image, not with zeros.")
    return notes


def render_layer(x_u8: torch.Tensor, cfg: LayerConfig, opts: ViewOptions, trained=None) -> View:
    """Run the chosen layer on the batch and draw everything the tab shows."""
    scale = "normalize" if (cfg.kind in CONVS and cfg.weights == "trained") else cfg.scale
    cfg.scale = scale
    x = prepare_input(x_u8, scale)                        # (B, 3, H, W) floats
    layer = build_layer(cfg, tuple(x.shape), trained)
    with torch.no_grad():
        y = layer(x)
    i = min(opts.image, x.shape[0] - 1)
    view = View(status="", input_png=input_picture(x_u8), output_png="", maps_png=None, output=y, layer=layer)
    stats = [("input", value_stats(x, "")), ("output", value_stats(y, cfg.kind))]
    if cfg.kind == "Linear":
        draw_linear(view, y, i, opts, x_u8, trained)
    else:
        shown, note = batch_view(y, opts.batch_view, opts.channel)
        view.output_png = save_png(batch_grid(shown, opts.map_scale), PNG_DIR)
        view.maps_png = save_png(feature_maps_grid(fit_maps(y[i]), opts.map_scale, opts.colormap), PNG_DIR)
        view.note = note
    other = comparison_pool(cfg)
    if other is not None:
        with torch.no_grad():
            z = other(x)
        for name, t in ((cfg.kind, y), (type(other).__name__, z)):
            shown, _ = batch_view(t, "reshape", 0)
            view.gallery.append((save_png(batch_grid(shown[:16], opts.map_scale, 4), PNG_DIR),
                                 f"{name}: {tuple(t.shape)}"))
        stats.append((type(other).__name__, value_stats(z)))
    view.hist = figs.histogram_figure(sample(x), sample(y))
    if cfg.kind in CONVS:
        o = min(opts.channel, y.shape[1] - 1)
        bias = None if layer.bias is None else float(layer.bias[o].detach())
        view.layer_plot = figs.kernel_figure(layer.weight[o].detach(), bias, o)
    elif cfg.kind not in POOLS + ("Linear",):
        xs, ys, dys = activation_curve(layer, min(-6.0, float(x.min())), max(6.0, float(x.max())))
        view.layer_plot = figs.activation_figure(cfg.kind, xs, ys, dys, sample(x, 1500), sample(y, 1500))
    view.slide = slide_state(layer, x[i], y[i])
    view.slide_plot, view.slide_text = slide_picture(view.slide, opts.step, opts.channel)
    head = (f"**{layer_label(layer)}** · input {tuple(x.shape)} → output {tuple(y.shape)} · "
            f"{parameter_text(layer)}")
    parts = [head, view.note, shape_check(layer, x, y), stats_table(stats)]
    parts += [f"- {n}" for n in notes_for(cfg, x, y, trained)] + view.extra
    view.status = "\n\n".join(p for p in parts if p)
    view.code = layer_code(cfg, tuple(x.shape), trained if cfg.kind in CONVS + ("Linear",) else None)
    return view


def layer_label(layer: nn.Module) -> str:
    """A layer as its constructor call, e.g. Conv2d(3, 16, kernel_size=(3, 3), ...)."""
    if isinstance(layer, nn.Sequential):
        return " → ".join(repr(m) for m in layer)
    return repr(layer)


def fit_maps(maps: torch.Tensor, limit: int = 1024) -> torch.Tensor:
    """Shrink big maps (an upload at its own size) so the grid of all channels stays about `limit` px wide."""
    import math
    c, h, w = maps.shape
    side = limit // max(1, math.ceil(math.sqrt(c)))
    if max(h, w) <= side:
        return maps
    f = side / max(h, w)
    size = (max(1, int(h * f)), max(1, int(w * f)))
    return torch.nn.functional.interpolate(maps[None], size=size, mode="area")[0]


def draw_linear(view: View, y: torch.Tensor, i: int, opts: ViewOptions, x_u8: torch.Tensor, trained) -> None:
    """Linear: the (B, out_features) numbers as a picture, and the trained network's class probabilities."""
    view.output_png = save_png(scores_grid(y, opts.colormap), PNG_DIR)
    b, n = x_u8.shape[0], x_u8[0].numel()
    shape = ", ".join(map(str, x_u8.shape[1:]))
    f = y.shape[1]
    view.note = (f"Flatten per image: ({b}, {shape}) → ({b}, {n}) → Linear({n}, {f}) → ({b}, {f}). "
                 f"The tutorial flattened the whole batch: torch.flatten(imgs) → ({b * n},) and "
                 f"Linear({b * n}, {f}) gives {f} numbers for all {b} images together "
                 f"({b * n * f + f:,} parameters instead of {n * f + f:,}), "
                 "and fails on a last batch of another size.")
    view.layer_plot = figs.values_figure(y[i], f"image {i}: its {y.shape[1]} output numbers")
    if trained is None:
        view.extra = ["- Train a model on the Training tab to see its class scores and softmax "
                      "probabilities here."]
        return
    if tuple(x_u8.shape[2:]) != (32, 32):
        view.extra = ["- The trained network takes 32×32 images: choose the 32×32 view to see its "
                      "predictions."]
        return
    with torch.no_grad():
        probs = trained.model(normalize(x_u8)).softmax(dim=1)     # (B, classes)
    top = probs.argmax(dim=1)
    view.layer_plot = figs.probabilities_figure(trained.classes, probs[i],
                                                f"image {i}: {trained.label} says {trained.classes[top[i]]}")
    rows = ["| image | prediction | probability |", "|---|---|---|"]
    rows += [f"| {j} | {trained.classes[top[j]]} | {probs[j, top[j]]:.1%} |" for j in range(min(b, 8))]
    view.extra = ["**Your trained network** (softmax of its class scores):\n\n" + "\n".join(rows)]


def render_chain(x_u8: torch.Tensor, text: str, seed: int, scale: str, opts: ViewOptions,
                 trained=None, use_trained: bool = False) -> View:
    """Sequential: every stage's output for the chosen image, the shapes and formulas, and the code."""
    if use_trained and trained is None:
        raise LayerError("There is no trained model yet: train one on the Training tab, "
                         "or untick 'use my trained model's weights'.")
    scale = "normalize" if use_trained else scale
    spec = parse_chain(text)
    x = prepare_input(x_u8, scale)
    check_sizes(spec, tuple(x.shape))
    model = build_chain(spec, seed)
    if use_trained:
        load_trained(model, trained)
    stages = run_chain(model, x, spec)
    i = min(opts.image, x.shape[0] - 1)
    y = stages[-1][2]
    view = View(status="", input_png=input_picture(x_u8), output_png="", maps_png=None, output=y, layer=model)
    rows = ["| stage | layer | output shape | parameters | output size |", "|---|---|---|---|---|"]
    shape = tuple(x.shape)
    for name, layer, out in stages:
        lines = formula_lines(layer, *shape[2:]) if len(shape) == 4 else []   # after Flatten: none
        size = lines[0].split(" = ", 2)[2] if lines else ""
        rows.append(f"| {name} | `{layer!r}` | {tuple(out.shape)} | {count_parameters(layer):,} | {size} |")
        shape = tuple(out.shape)
        if out.dim() == 4:
            pic = feature_maps_grid(fit_maps(out[i], 512), opts.map_scale, opts.colormap)
        else:
            pic = scores_grid(out, opts.colormap)
        view.gallery.append((save_png(pic, PNG_DIR), f"{name}: {tuple(out.shape)}"))
    if y.dim() == 4:
        shown, view.note = batch_view(y, opts.batch_view, opts.channel)
        view.output_png = save_png(batch_grid(shown, opts.map_scale), PNG_DIR)
        view.maps_png = save_png(feature_maps_grid(fit_maps(y[i]), opts.map_scale, opts.colormap), PNG_DIR)
    else:
        view.output_png = save_png(scores_grid(y, opts.colormap), PNG_DIR)
    if use_trained and y.dim() == 2 and y.shape[1] == len(trained.classes):
        probs = y.softmax(dim=1)
        title = f"image {i}: softmax of the scores"
        view.layer_plot = figs.probabilities_figure(trained.classes, probs[i], title)
    view.hist = figs.histogram_figure(sample(x), sample(y))
    first = stages[0][1]
    view.slide = slide_state(first, x[i], stages[0][2][i])
    view.slide_plot, view.slide_text = slide_picture(view.slide, opts.step, opts.channel)
    total = sum(count_parameters(m) for _, m, _ in stages)
    stats = stats_table([("input", value_stats(x)), ("output", value_stats(y))])
    view.status = "\n\n".join(p for p in [
        f"**Sequential, {len(stages)} stages** · input {tuple(x.shape)} → output {tuple(y.shape)} · "
        f"{total:,} parameters" + (" (trained)" if use_trained else " (seeded default init)"),
        "\n".join(rows), view.note, stats,
        "Each stage's feature maps for the chosen image are in the gallery; "
        "the window shows the first stage."] if p)
    view.code = chain_code(model, scale, seed, use_trained)
    return view
