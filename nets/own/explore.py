"""The Layer explorer on one named layer of the learner's own network: the batch as it arrives at that layer
(captured by a forward hook, not the raw images), the layer's output, and the code that reproduces both."""
from pathlib import Path

import torch
from torch import nn

from nets.data.cifar import normalize
from nets.explorer.code import cifar_code, scale_code
from nets.explorer.layer import ACTIVATIONS, CONVS, POOLS, activation_curve, value_stats
from nets.explorer.slide import slide_state
from nets.explorer.view import ExplorerView, parameter_text, shape_check
from nets.own.code import weights_lines
from nets.own.load import OwnModelError
from nets.own.probe import HOOKS_LOCK
from nets.text import Phrase

KINDS = (*CONVS, *POOLS, *ACTIVATIONS, "Linear")   # the layers the explorer knows how to show


SLIDES = (nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d)      # the layers nets.explorer.slide steps a window over
SQUARE = ("kernel_size", "stride", "padding", "dilation")   # one number each: the window is k x k
# Settings with which the window's sum or mean is not the layer's value, and the one it needs.
PLAIN = {nn.Conv2d: (("groups", 1),),
         nn.AvgPool2d: (("divisor_override", None), ("count_include_pad", True), ("ceil_mode", False))}


def one(v) -> int | None:
    """A window setting as one whole number; None when rows and columns differ (or padding='same')."""
    v = v if isinstance(v, tuple) else (v,)
    return v[0] if len(set(v)) == 1 and isinstance(v[0], int) else None


def unslidable(layer: nn.Module) -> Phrase | None:
    """Why the square window cannot redo this conv or pooling value by value, naming the setting; None if it can."""
    for name in SQUARE if isinstance(layer, SLIDES) else ():
        v = getattr(layer, name, 1)
        if one(v) is None:
            fix = "padding=k // 2" if isinstance(v, str) else f"{name}={v[0]}"
            return Phrase("own.slide_setting", setting=f"{name}={v!r}", fix=fix)
    padded = isinstance(layer, SLIDES) and one(layer.padding) != 0
    for name, want in PLAIN.get(type(layer), ()):
        v = getattr(layer, name)
        if v != want and (name != "count_include_pad" or padded):   # without padding, nothing is left out
            return Phrase("own.slide_setting", setting=f"{name}={v}", fix=f"{name}={want}")
    return None


def own_slide(layer: nn.Module, x: torch.Tensor, y: torch.Tensor):
    """The explorer's window over one image x (C, H, W) as it arrived, with the real layer and its output y."""
    if x.dim() != 3 or not isinstance(layer, SLIDES) or unslidable(layer):
        return None
    if not isinstance(layer, nn.Conv2d):   # slide_state reads pooling's settings as whole numbers
        whole = {k: one(getattr(layer, k)) for k in SQUARE if hasattr(layer, k)}
        layer = type(layer)(**whole, ceil_mode=layer.ceil_mode)
    return slide_state(layer, x, y)


def explorable(model: nn.Module) -> list[str]:
    """The names of model's layers the explorer can show, in the order they were defined."""
    return [n for n, m in model.named_modules() if n and type(m).__name__ in KINDS]


@torch.no_grad()
def arrival(model: nn.Module, name: str, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(input, output) of the layer `name` at its first call while model runs on the batch x."""
    try:
        layer = model.get_submodule(name)
    except AttributeError:
        raise OwnModelError("no_layer", layer=name[:100], names=", ".join(explorable(model))[:300]) from None
    arrived, made = [], []   # the input copied before the layer runs: an in-place ReLU overwrites it
    with HOOKS_LOCK:
        handles = [layer.register_forward_pre_hook(lambda m, args: arrived.append(args[0].clone())),
                   layer.register_forward_hook(lambda m, args, out: made.append(out.clone()))]
        try:
            model.eval()(x)
        finally:
            for h in handles:
                h.remove()
    if not made:
        raise OwnModelError("layer_unused", layer=name)
    return arrived[0], made[0]


def compute_own_layer(x_u8: torch.Tensor, model: nn.Module, name: str, code_start: str, image: int = 0) -> ExplorerView:
    """The explorer's view of one layer of the learner's network on the batch x_u8 (B, 3, 32, 32) uint8."""
    x, y = arrival(model, name, normalize(x_u8))
    layer = model.get_submodule(name)
    i = min(image, x.shape[0] - 1)
    kind = type(layer).__name__
    view = ExplorerView(kind, x_u8, x, y, layer, i, f"{name} = {repr(layer)}", parameter_text(layer),
                        [(Phrase("explorer.row_input"), value_stats(x, "")),
                         (Phrase("explorer.row_output"), value_stats(y, kind))],
                        code_start + layer_code(name), own_slide(layer, x[i], y[i]) if x.dim() == 4 else None,
                        shape_check(layer, x, y) if kind in CONVS + POOLS and x.dim() == 4
                        and not isinstance(getattr(layer, "padding", 0), str) else None)
    why = unslidable(layer)
    if why is not None:
        view.notes.append(why)
    if kind in ACTIVATIONS:
        view.curve = activation_curve(layer, min(-6.0, float(x.min())), max(6.0, float(x.max())))
    return view


def model_code(maker, weights_file: str | None, seed: int = 0) -> str:
    """The learner's network as the page shows it: their file imported, their class built after manual_seed."""
    lines = ["import sys", f"sys.path.insert(0, {str(Path(maker.file).resolve().parent)!r})",
             f"from {maker.module_name} import {maker.name}", "", f"torch.manual_seed({seed})",
             f"model = {maker.name}().eval()"]
    return "\n".join(lines + weights_lines(weights_file)) + "\n"


def layer_code(name: str) -> str:
    """A forward hook on the layer catches the batch as it arrives, and what the layer makes of it."""
    return "\n".join([
        f"layer = model.get_submodule({name!r})",
        "seen = {}",
        "layer.register_forward_hook(lambda m, args, out: seen.update(input=args[0], output=out))",
        "with torch.no_grad():",
        "    model(x)",
        "print(layer, seen[\"input\"].shape, \"->\", seen[\"output\"].shape)",
        "assert torch.equal(layer(seen[\"input\"]), seen[\"output\"])",
        "",
    ])


def own_script(maker, weights_file: str | None, split: str, batch: int, seed: int, locale: str = "en",
               source: str = "") -> str:
    """The whole script: the batch the tutorial's way, normalised, their network, the hook on the layer."""
    return "\n".join([cifar_code(split, batch, seed, locale=locale, source=source),
                      *scale_code("normalize", locale), "", model_code(maker, weights_file)])
