"""One explorer update computed: the layer (or chain) on the batch, its numbers, formula, notes and code.

Nothing here draws: visual.explorer turns an ExplorerView into pictures, figures and the status text."""
from dataclasses import dataclass, field

import torch
from torch import nn

from nets.data.cifar import normalize
from nets.explorer.chain import build_chain, check_sizes, load_trained, parse_chain, run_chain
from nets.explorer.code import chain_code, layer_call, layer_script
from nets.explorer.layer import (CONVS, POOLS, LayerConfig, LayerError, activation_curve, build_layer,
                                 comparison_pool, dropped_window_notes, formula_lines,
                                 prepare_input, value_stats)
from nets.explorer.slide import SlideState, slide_state
from nets.models import count_parameters
from nets.text import Phrase


@dataclass
class ShapeCheck:
    """The output-size formula with the real layer's numbers, and whether it gives the real tensor's size."""
    lines: list[str]        # one per axis, e.g. "H_out = floor(...) + 1 = ... = 32"
    real: tuple[int, int]   # the output tensor's (H, W)
    ok: bool
    notes: list[Phrase]     # why a ceil_mode line subtracts 1


@dataclass
class Stage:
    """One stage of a Sequential chain as it ran."""
    name: str               # conv1, pool1, ...
    layer: nn.Module
    output: torch.Tensor    # (B, C, H, W) maps or (B, F) numbers
    size: str               # its output-size formula's result ("floor(31/1) + 1 = 32"); "" without a window


@dataclass
class Prediction:
    """The trained network's class probabilities for the batch."""
    probs: torch.Tensor     # (B, classes), softmax of its scores
    classes: tuple
    label: str              # the model's name


@dataclass
class ExplorerView:
    """Everything one explorer update shows, computed and not yet drawn."""
    kind: str                # the chosen kind (Conv2d, ..., Sequential)
    x_u8: torch.Tensor       # (B, 3, H, W) the input exactly as stored
    x: torch.Tensor          # (B, 3, H, W) the floats the layer takes
    output: torch.Tensor     # (B, C, H', W') or (B, F)
    layer: nn.Module
    image: int               # the image of the batch that per-image views show
    label: str | Phrase      # the layer as its constructor call, or "Sequential, 2 stages"
    parameters: Phrase       # the parameter count and where it comes from
    stats: list[tuple[str | Phrase, dict]]    # (row name, value_stats) for the statistics table
    code: str                                 # PyTorch code that reproduces the output
    slide: SlideState | None                  # the sliding window over the chosen image
    shape: ShapeCheck | None = None           # Conv2d and pooling
    notes: list[Phrase] = field(default_factory=list)   # remarks tying the view to the tutorial
    comparison: tuple[str, torch.Tensor] | None = None   # pooling: the other kind's name and output
    curve: tuple | None = None                # activations: x, f(x), f'(x)
    flatten_note: Phrase | None = None        # Linear: per-image flatten vs the tutorial's whole batch
    prediction: Prediction | None = None      # Linear or a trained chain: the trained network's softmax
    stages: list[Stage] = field(default_factory=list)   # Sequential


def remembered(cache: dict, tensor: torch.Tensor, key, make, limit: int = 8):
    """make(), computed once for this very tensor object (and key) and reused while it comes again: a held
    slider's updates keep their input batch, so its pictures and numbers need not be made again. The entry holds
    the tensor, so its id cannot be taken by another while it is kept. Nothing that reads a result changes it."""
    entry = cache.get((id(tensor), key))
    if entry is None or entry[0] is not tensor:
        if len(cache) >= limit:
            cache.clear()
        entry = cache[(id(tensor), key)] = (tensor, make())
    return entry[1]


# Shared by every visitor, without a lock: a result is only read, never changed, so two visitors with the same draw
# share it; two threads that miss at once each compute it once (a dict's get and set are atomic in CPython), and the
# limit bounds what stays (an upload's batch among it until the next clear).
BATCHES: dict = {}   # (images, (label, n, seed)) -> the batch drawn from them
PREPARED: dict = {}  # (batch, scale) -> its floats and their statistics


def pick_batch(x: torch.Tensor, y: torch.Tensor, label: int | None, n: int, seed: int):
    """n images (and labels) drawn at random by seed, from one class or (label None) from all; the same tensors
    again for the same draw (remembered)."""
    def draw():
        pool = torch.arange(len(y)) if label is None else (y == label).nonzero()[:, 0]
        pick = pool[torch.randperm(len(pool), generator=torch.Generator().manual_seed(seed))[:n]]
        return x[pick], y[pick]
    return remembered(BATCHES, x, (label, n, seed), draw)


def prepared(x_u8: torch.Tensor, scale: str) -> tuple[torch.Tensor, dict]:
    """The batch as the layer's floats, and their statistics: the same for every update of one batch."""
    def make():
        x = prepare_input(x_u8, scale)
        return x, value_stats(x, "")
    return remembered(PREPARED, x_u8, scale, make)


def shape_check(layer: nn.Module, x: torch.Tensor, y: torch.Tensor) -> ShapeCheck | None:
    """The formula for the real layer (the trained conv1 brings its own kernel size), checked against y."""
    lines = formula_lines(layer, *x.shape[2:])
    if not lines:
        return None
    ok = all(int(line.rsplit("= ", 1)[1]) == n for line, n in zip(lines, y.shape[2:]))
    return ShapeCheck(lines, tuple(y.shape[2:]), ok, dropped_window_notes(layer, *x.shape[2:]))


def parameter_text(layer: nn.Module) -> Phrase:
    """Parameter count with where it comes from."""
    n = count_parameters(layer)
    lin = next((m for m in layer.modules() if isinstance(m, nn.Linear)), None)
    if isinstance(layer, nn.Conv2d):
        o, i, k, _ = layer.weight.shape
        key = "explorer.params_conv_bias" if layer.bias is not None else "explorer.params_conv"
        return Phrase(key, n=n, o=o, i=i, k=k)
    if lin is not None:
        key = "explorer.params_linear_bias" if lin.bias is not None else "explorer.params_linear"
        return Phrase(key, n=n, i=lin.in_features, o=lin.out_features)
    return Phrase("explorer.params_none")


def notes_for(cfg: LayerConfig, x: torch.Tensor, y: torch.Tensor, trained) -> list[Phrase]:
    """Short remarks tying the view to the tutorial and its corrected mistakes."""
    notes = []
    if cfg.kind in CONVS and cfg.weights in ("preset", "grid"):
        notes.append(Phrase("explorer.note_preset"))
    if cfg.kind in CONVS and cfg.weights == "trained":
        notes.append(Phrase("explorer.note_trained", label=trained.label))
    if cfg.kind == "MaxPool2d" and (cfg.kernel_size, cfg.stride, cfg.padding) == (2, 2, 1):
        notes.append(Phrase("explorer.note_tutorial_pool", h=y.shape[2], w=y.shape[3]))
    if cfg.kind in ("ReLU", "LeakyReLU", "GELU") and x.min() >= 0:
        notes.append(positive_note(cfg))
    if cfg.kind == "Sigmoid" and x.min() >= 0:
        notes.append(Phrase("explorer.note_sigmoid"))
    if cfg.kind in CONVS and cfg.padding_mode != "zeros":
        notes.append(Phrase("explorer.note_padding_mode", mode=cfg.padding_mode))
    return notes


def positive_note(cfg: LayerConfig) -> Phrase:
    """What the activation does to the negatives an all-positive input lacks: ReLU cuts them, LeakyReLU scales
    them by its slope, GELU pulls them towards 0 (its least value, from the real layer)."""
    if cfg.kind == "LeakyReLU":
        return Phrase("explorer.note_positive_leakyrelu", slope=cfg.negative_slope)
    if cfg.kind == "GELU":
        gelu = nn.GELU(approximate=cfg.approximate)
        least = float(gelu(torch.linspace(-3, 0, 3001)).min())
        return Phrase("explorer.note_positive_gelu", half=float(gelu(torch.tensor(0.5))), least=least)
    return Phrase("explorer.note_positive_relu")


def compute_layer(x_u8: torch.Tensor, cfg: LayerConfig, image: int = 0, trained=None,
                  locale: str = "en") -> ExplorerView:
    """Run the chosen layer on the batch: its output, statistics, formula, notes, window and code (its
    comments in locale)."""
    if cfg.kind in CONVS and cfg.weights == "trained":
        cfg.scale = "normalize"              # conv1 was trained on normalised images
    x, x_stats = prepared(x_u8, cfg.scale)                # (B, 3, H, W) floats
    layer = build_layer(cfg, tuple(x.shape), trained)
    with torch.no_grad():
        y = layer(x)
    i = min(image, x.shape[0] - 1)
    view = ExplorerView(cfg.kind, x_u8, x, y, layer, i, layer_call(cfg, tuple(x.shape), trained),
                        parameter_text(layer),
                        [(Phrase("explorer.row_input"), x_stats),
                         (Phrase("explorer.row_output"), value_stats(y, cfg.kind))],
                        layer_script(cfg, tuple(x.shape), trained if cfg.kind in CONVS + ("Linear",) else None,
                                     locale),
                        slide_state(layer, x[i], y[i]), shape_check(layer, x, y), notes_for(cfg, x, y, trained))
    other = comparison_pool(cfg)
    if other is not None:
        with torch.no_grad():
            view.comparison = (type(other).__name__, other(x))
        view.stats.append((type(other).__name__, value_stats(view.comparison[1])))
    if cfg.kind not in CONVS + POOLS + ("Linear",):
        view.curve = activation_curve(layer, min(-6.0, float(x.min())), max(6.0, float(x.max())))
    if cfg.kind == "Linear":
        add_linear(view, trained)
    return view


def add_linear(view: ExplorerView, trained) -> None:
    """Linear: how the batch is flattened, and the trained network's class probabilities."""
    b, n, f = view.x_u8.shape[0], view.x_u8[0].numel(), view.output.shape[1]
    shape = ", ".join(map(str, view.x_u8.shape[1:]))
    # One image: the tutorial's whole-batch flatten gives the same numbers, so the note says what goes wrong
    # with a real batch instead of comparing equal parameter counts.
    key = "explorer.note_flatten_one" if b == 1 else "explorer.note_flatten"
    view.flatten_note = Phrase(key, b=b, shape=shape, n=n, f=f, bn=b * n, n64=64 * n,
                               whole=b * n * f + f, per=n * f + f)
    if trained is None:
        view.notes.append(Phrase("explorer.note_train_first"))
    elif tuple(view.x_u8.shape[2:]) != (32, 32):
        view.notes.append(Phrase("explorer.note_trained_32"))
    else:
        with torch.no_grad():
            probs = trained.model(normalize(view.x_u8)).softmax(dim=1)     # (B, classes)
        view.prediction = Prediction(probs, trained.classes, trained.label)


def compute_chain(x_u8: torch.Tensor, text: str, seed: int, scale: str, image: int = 0, trained=None,
                  use_trained: bool = False, locale: str = "en") -> ExplorerView:
    """Sequential: every stage's output, its formula's result, and the code (comments in locale)."""
    if use_trained and trained is None:
        raise LayerError("explorer.err.no_trained_chain")
    scale = "normalize" if use_trained else scale
    spec = parse_chain(text)
    x = prepare_input(x_u8, scale)
    check_sizes(spec, tuple(x.shape))
    model = build_chain(spec, seed)
    if use_trained:
        load_trained(model, trained)
    stages, shape = [], tuple(x.shape)
    for name, layer, out in run_chain(model, x, spec):
        lines = formula_lines(layer, *shape[2:]) if len(shape) == 4 else []   # after Flatten: none
        stages.append(Stage(name, layer, out, lines[0].split(" = ", 2)[2] if lines else ""))
        shape = tuple(out.shape)
    y, i = stages[-1].output, min(image, x.shape[0] - 1)
    total = sum(count_parameters(s.layer) for s in stages)
    view = ExplorerView("Sequential", x_u8, x, y, model, i, Phrase("explorer.label_chain", n=len(stages)),
                        Phrase("explorer.params_chain_trained" if use_trained else "explorer.params_chain_seeded",
                               n=total),
                        [(Phrase("explorer.row_input"), value_stats(x)), (Phrase("explorer.row_output"),
                                                                          value_stats(y))],
                        chain_code(model, scale, seed, use_trained, locale),
                        slide_state(stages[0].layer, x[i], stages[0].output[i]), stages=stages)
    if use_trained and y.dim() == 2 and y.shape[1] == len(trained.classes):
        view.prediction = Prediction(y.softmax(dim=1), trained.classes, trained.label)
    return view
