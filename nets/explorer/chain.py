"""The explorer's Sequential view: a short chain of layers typed as PyTorch code, run stage by stage."""
import ast

import torch
from torch import nn

from nets.builder.layers import SpecError, layer_code, make_sequential
from nets.builder.parse import call_layer, call_name, layer_calls
from nets.builder.shapes import (
    CHAIN_MAX_MACS,
    CHAIN_MAX_PARAMS,
    CHAIN_MAX_VALUES,
    LayerCheck,
    layer_params,
    numel,
    walk,
)
from nets.builder.spec import normalize_spec, tutorial_spec
from nets.explorer.layer import LayerError
from nets.models import seeded
from nets.text import Phrase

MAX_STAGES = 12
MAX_TEXT = 2000


def chain_lines(layers: list[dict]) -> list[str]:
    """Normalised layer dicts as the chain's lines: 'Conv2d(3, 32, kernel_size=5, padding=2)'."""
    return [layer_code(d).removeprefix("nn.") for d in layers]


TUTORIAL_LINES = chain_lines(normalize_spec(tutorial_spec()))
CHAIN_PRESETS = {   # name -> chain text; the first is the default view
    "tutorial block 1": "\n".join(TUTORIAL_LINES[:2]),
    "tutorial block 1 + ReLU": "\n".join([TUTORIAL_LINES[0], "ReLU()", TUTORIAL_LINES[1]]),
    "tutorial blocks 1-3": "\n".join(TUTORIAL_LINES[:6]),
    "tutorial network": "\n".join(TUTORIAL_LINES),
}


def parse_chain(text) -> list[dict]:
    """The chain's layer calls as the builder's layer dicts: one or several a line as copied from inside
    nn.Sequential(...), or the whole nn.Sequential(...); numbers and arithmetic on them are read, nothing is run."""
    if not isinstance(text, str) or not text.strip():
        raise LayerError("explorer.err.chain_empty")
    if len(text) > MAX_TEXT:
        raise LayerError("explorer.err.chain_long", n=len(text), limit=MAX_TEXT)
    calls = chain_calls(text)
    if len(calls) > MAX_STAGES:
        raise LayerError("explorer.err.chain_stages", n=len(calls), limit=MAX_STAGES)
    spec = []
    for i, (line, source, call) in enumerate(calls):
        args = ", ".join(ast.get_source_segment(source, a) for a in (*call.args, *call.keywords))
        try:
            spec.append(call_layer(call_name(call), call, args, i))
        except SpecError as e:   # the Builder's own check, worded by nets.builder in the visitor's language
            raise LayerError("explorer.err.chain_spec", i=line, reason=e.phrase) from None
    return spec


def chain_calls(text: str) -> list[tuple[int, str, ast.Call]]:
    """Every layer call with its line number and the source it was read from: the whole text at once (calls
    separated by commas, one call may span lines), else line by line."""
    calls = layer_calls(text)
    if calls is not None:
        return [(c.lineno - 1, f"(\n{text}\n)", c) for c in calls]
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.strip().startswith("#"):
            continue
        calls = layer_calls(line)
        if calls is None:
            raise LayerError("explorer.err.chain_line", i=number, line=repr(line.strip()[:60]))
        found += [(number, f"(\n{line}\n)", c) for c in calls]
        if len(found) > MAX_STAGES:
            break
    return found


def build_chain(spec: list[dict], seed: int) -> nn.Sequential:
    """The chain as a named Sequential (conv1, pool1, ...), default init seeded, built in order."""
    model = seeded(seed, lambda: make_sequential(spec))
    return model.eval()   # Dropout and BatchNorm2d as at test time: the same view every time


def load_trained(model: nn.Sequential, trained) -> None:
    """Copy the trained network's weights into the chain's layers of the same name and shape."""
    source = dict(trained.model.named_children())
    for name, layer in model.named_children():
        own = layer.state_dict()
        if not own:
            continue
        theirs = source.get(name)
        if theirs is None or type(theirs) is not type(layer) or \
                any(theirs.state_dict().get(k, torch.empty(0)).shape != v.shape for k, v in own.items()):
            got = f"nn.{theirs!r}" if theirs is not None else Phrase("explorer.nothing")
            raise LayerError("explorer.err.trained_mismatch", name=name, layer=repr(layer), got=got)
        layer.load_state_dict(theirs.state_dict())
    model.eval()


def check_sizes(spec: list[dict], shape: tuple) -> None:
    """Walk the shapes on the meta device first: impossible or oversized stages are refused unrun."""
    params = sum(layer_params(d) for d in spec)
    if params > CHAIN_MAX_PARAMS:
        raise LayerError("explorer.err.chain_params", params=params, limit=CHAIN_MAX_PARAMS)
    macs = 0
    for c, d in zip(walk(spec, shape), spec):
        if c.error is not None:
            first = str(c.error).strip().splitlines()[0][:200]
            raise mismatch(c, d) or LayerError("explorer.err.stage_input", name=c.name, code=layer_code(d),
                                               shape=c.in_shape, reason=first) from None
        macs += c.macs
        values = numel(c.out_shape)
        if values > CHAIN_MAX_VALUES or macs > CHAIN_MAX_MACS:
            raise LayerError("explorer.err.stage_big", name=c.name, shape=c.out_shape, values=values, macs=macs,
                             max_values=CHAIN_MAX_VALUES, max_macs=CHAIN_MAX_MACS)


def mismatch(c: LayerCheck, d: dict) -> LayerError | None:
    """The refusal for a layer whose channels or features do not match its input, with the number that fits."""
    wants = {"Conv2d": ("in_channels", 1), "BatchNorm2d": ("num_features", 1), "Linear": ("in_features", -1)}
    if d["type"] not in wants:
        return None
    arg, dim = wants[d["type"]]
    shape = c.in_shape
    if len(shape) >= 2 and (d["type"] == "Linear" or len(shape) == 4) and d[arg] == shape[dim]:
        return None
    where = Phrase("explorer.last_dim" if dim == -1 else "explorer.its_channels")
    flatten = d["type"] == "Linear" and len(shape) > 2
    return LayerError("explorer.err.mismatch_flatten" if flatten else "explorer.err.mismatch", name=c.name,
                      code=layer_code(d), arg=arg, want=d[arg], shape=shape, where=where, have=shape[dim])


@torch.no_grad()
def run_chain(model: nn.Sequential, x: torch.Tensor, spec: list[dict]) -> list[tuple]:
    """Every stage's output; a stage that cannot take its input gets one sentence naming both shapes."""
    outputs = []
    for (name, layer), d in zip(model.named_children(), spec):
        try:
            y = layer(x)
        except (RuntimeError, ValueError, IndexError) as e:
            first = str(e).strip().splitlines()[0][:200]
            raise LayerError("explorer.err.stage_input", name=name, code=layer_code(d), shape=tuple(x.shape),
                             reason=first) from None
        outputs.append((name, layer, y))
        x = y
    return outputs
