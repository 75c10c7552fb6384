"""Any nn.Module's work, module by module, as forward hooks see it: in the order forward calls them, so a skip
connection, a module called twice or a functional call between modules shows where it happens."""
import math
import threading
from contextlib import contextmanager
from dataclasses import dataclass

import torch
from torch import nn

from nets.own.load import OwnModelError, short
from nets.text import Phrase

INPUT_SHAPE = (3, 32, 32)   # one CIFAR-10 image
# Containers whose output is their last child's: hooking them would show the same tensor twice.
PASS_THROUGH = (nn.Sequential, nn.ModuleList, nn.ModuleDict)
HOOKS_LOCK = threading.Lock()


@dataclass
class Step:
    """One module call seen by the hooks: its output (and input) as forward produced them."""
    name: str               # "model1.0", "layer1.0.conv1"; a second call of the same module: "relu (2)"
    module: nn.Module
    input: torch.Tensor | None    # its first tensor argument, as it arrived
    output: torch.Tensor
    between: bool = False   # True: the input is not the previous step's output (forward's own code ran between)

    @property
    def params(self) -> int:
        return sum(p.numel() for p in self.module.parameters())


def leaf(module: nn.Module) -> bool:
    """A layer, not a block of layers: a module without submodules."""
    return next(module.children(), None) is None


def hooked_modules(model: nn.Module) -> list[tuple[str, nn.Module]]:
    """The named modules whose calls are shown: every leaf, and every block with a forward of its own."""
    return [(n, m) for n, m in model.named_modules() if n and (leaf(m) or not isinstance(m, PASS_THROUGH))]


def first_tensor(values) -> torch.Tensor | None:
    if isinstance(values, torch.Tensor):
        return values
    if isinstance(values, (tuple, list)):
        return next((v for v in values if isinstance(v, torch.Tensor)), None)
    return None


@contextmanager
def watching(model: nn.Module, keep_values: bool = True):
    """Hooks on model's modules for the with-block: yields (steps so far, the calls entered and not yet ended).

    keep_values: each input is copied as it arrives (an in-place ReLU overwrites it) and each output as it
    leaves (a later `out += x` changes it). One model is watched at a time: the start network is shared by
    every visitor, and two requests' hooks on it would see each other's calls."""
    steps, open_calls, calls = [], [], {}
    copy = (lambda t: t.detach().clone() if t is not None else None) if keep_values else (lambda t: t)

    def before(name):
        def hook(module, args):
            open_calls.append((name, module, copy(first_tensor(args))))
        return hook

    def after(name):
        def hook(module, args, output):
            _, _, inp = open_calls.pop()
            out = first_tensor(output)
            if out is None:
                return
            calls[name] = calls.get(name, 0) + 1
            shown = name if calls[name] == 1 else f"{name} ({calls[name]})"
            steps.append(Step(shown, module, inp, copy(out)))
        return hook

    with HOOKS_LOCK:
        handles = []
        for name, module in hooked_modules(model):
            handles.append(module.register_forward_pre_hook(before(name)))
            handles.append(module.register_forward_hook(after(name)))
        try:
            yield steps, open_calls
        finally:
            for h in handles:
                h.remove()


def mark_between(steps: list[Step], x: torch.Tensor) -> None:
    """Flag each step whose input is no earlier output (forward's own code ran in between: a +, a flatten)."""
    previous = x
    for i, s in enumerate(steps):
        if s.input is not None and not same(s.input, previous) and not same(s.input, x):
            s.between = not any(same(s.input, p.output) for p in steps[:i])
        previous = s.output


def same(a: torch.Tensor, b: torch.Tensor) -> bool:
    return a.shape == b.shape and a.dtype == b.dtype and (a.device.type == "meta" or torch.equal(a, b))


@torch.no_grad()
def capture(model: nn.Module, x: torch.Tensor) -> tuple[list[Step], torch.Tensor]:
    """Every shown module's input and output for the batch x (N, 3, 32, 32), in call order, and the output."""
    with watching(model) as (steps, _):
        out = model(x)
    mark_between(steps, x)
    return steps, out


@torch.no_grad()
def check_forward(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """model(x) for the batch x, or an OwnModelError naming the layer that failed and the shape it was given."""
    with watching(model, keep_values=False) as (steps, open_calls):
        try:
            out = model(x)
        except Exception as e:   # noqa: BLE001 - whatever the learner's forward raises
            raise forward_error(e, steps, open_calls) from None
    if not isinstance(out, torch.Tensor):
        raise OwnModelError("not_tensor", kind=type(out).__name__)
    if out.dim() != 2 or out.shape[0] != x.shape[0]:
        raise OwnModelError("bad_output", shape=tuple(out.shape), n=x.shape[0], input=tuple(x.shape))
    return out


def check_classes(got: int, want: int) -> None:
    """The network's scores per image against the dataset's class count."""
    if got != want:
        raise OwnModelError("classes", got=got, want=want)


def forward_error(e: Exception, steps: list[Step], open_calls: list) -> OwnModelError:
    """The sentence for a forward that raised: the innermost layer being called, and what it was given."""
    if open_calls:
        name, module, inp = open_calls[-1]
        shape = tuple(inp.shape) if inp is not None else "—"
        return OwnModelError("layer_failed", layer=name, call=repr(module).split("\n")[0][:120], shape=shape,
                             error=short(e), hint=layer_hint(module, inp))
    if steps:
        last = steps[-1]
        return OwnModelError("forward_failed", layer=last.name, shape=tuple(last.output.shape), error=short(e))
    return OwnModelError("forward_failed_first", error=short(e))


def layer_hint(module: nn.Module, inp: torch.Tensor | None):
    """What to change in the failing layer, where the cause is plain from the shapes; else a general hint."""
    if inp is None:
        return Phrase("own.hint.general")
    if isinstance(module, nn.Linear) and inp.dim() > 2:
        return Phrase("own.hint.flatten", shape=tuple(inp.shape), n=inp[0].numel())
    if isinstance(module, nn.Linear) and inp.shape[-1] != module.in_features:
        return Phrase("own.hint.in_features", n=inp.shape[-1], was=module.in_features)
    if isinstance(module, nn.modules.conv._ConvNd) and inp.dim() >= 3 and inp.shape[1] != module.in_channels:
        return Phrase("own.hint.in_channels", n=inp.shape[1], was=module.in_channels)
    return Phrase("own.hint.general")


@dataclass
class Size:
    """What one image costs in a network, from one pass on the meta device (no memory, no arithmetic)."""
    params: int
    activations: int       # values of every shown module's output, per image
    largest_pair: int      # the largest input plus output of one module, per image
    macs: int              # multiply-adds of its convolutions and Linear layers, per image
    batch_norm: bool


def layer_macs(module: nn.Module, out: torch.Tensor) -> int:
    """Multiply-adds of one call on one image (convolutions and Linear; the rest are cheap beside them)."""
    per_image = out[0].numel()
    if isinstance(module, nn.modules.conv._ConvNd):
        return per_image * module.in_channels // module.groups * math.prod(module.kernel_size)
    if isinstance(module, nn.Linear):
        return per_image * module.in_features
    return 0


def measure(make) -> Size | None:
    """make()'s size on the meta device; shapes unknown (0) where its forward cannot run there, None where even
    its constructor cannot (it reads values: the caller builds it for real and measures that)."""
    with torch.device("meta"):
        try:
            model = make()
        except Exception:   # noqa: BLE001 - the real build names the learner's mistake, if there is one
            return None
        params = sum(p.numel() for p in model.parameters())
        norm = any(isinstance(m, nn.modules.batchnorm._NormBase) for m in model.modules())
        try:
            with watching(model, keep_values=False) as (steps, _):
                model.eval()(torch.empty(1, *INPUT_SHAPE))
        except Exception:   # noqa: BLE001 - an op meta cannot run (.item(), data-dependent shapes)
            return Size(params, 0, 0, 0, norm)
    return sized(params, norm, steps)


def sized(params: int, norm: bool, steps: list[Step]) -> Size:
    """A Size from the steps one image took (on any device)."""
    leaves = [s for s in steps if leaf(s.module)]
    pairs = [(s.input.numel() if s.input is not None else 0) + s.output.numel() for s in leaves]
    return Size(params, sum(s.output.numel() for s in leaves), max(pairs, default=0),
                sum(layer_macs(s.module, s.output) for s in leaves), norm)
