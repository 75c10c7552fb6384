"""The learner's own Sequential: a list of layer dicts, shape-checked layer by layer, with one-click fixes."""
from dataclasses import dataclass, field

import torch
from torch import nn

from nets.builder.layers import (
    LAYER_TYPES,
    SpecError,
    describe_layer,
    format_args,
    layer_names,
    make_layer,
    make_sequential,
    normalize_layer,
)
from nets.builder.shapes import (
    MAX_ACTIVATION,
    MAX_LAYERS,
    MAX_LINEAR_PARAMS,
    MAX_MACS,
    MAX_PARAMS,
    LayerCheck,
    layer_params,
    numel,
    walk,
)
from nets.text import Phrase

INPUT_SHAPE = (1, 3, 32, 32)     # one CIFAR-10 image
NUM_CLASSES = 10


def tutorial_spec(num_classes: int = NUM_CLASSES) -> list[dict]:
    """The tutorial's CIFAR-10 network as a fresh layer list: the one definition all its forms come from."""
    return [
        # conv1 (B, 32, 32, 32) -> pool1 (B, 32, 16, 16)
        {"type": "Conv2d", "in_channels": 3, "out_channels": 32, "kernel_size": 5, "padding": 2},
        {"type": "MaxPool2d", "kernel_size": 2},
        # conv2 (B, 32, 16, 16) -> pool2 (B, 32, 8, 8)
        {"type": "Conv2d", "in_channels": 32, "out_channels": 32, "kernel_size": 5, "padding": 2},
        {"type": "MaxPool2d", "kernel_size": 2},
        # conv3 (B, 64, 8, 8) -> pool3 (B, 64, 4, 4)
        {"type": "Conv2d", "in_channels": 32, "out_channels": 64, "kernel_size": 5, "padding": 2},
        {"type": "MaxPool2d", "kernel_size": 2},
        # flatten (B, 1024) -> fc1 (B, 64) -> fc2 (B, num_classes)
        {"type": "Flatten"},
        {"type": "Linear", "in_features": 1024, "out_features": 64},
        {"type": "Linear", "in_features": 64, "out_features": num_classes},
    ]


def normalize_spec(spec) -> list[dict]:
    """The layer list checked (types, arguments, limits that need no shapes) with defaults filled in."""
    if spec is None:
        spec = tutorial_spec()
    if not isinstance(spec, (list, tuple)):
        raise SpecError("builder.err.not_list", kind=type(spec).__name__)
    if not spec:
        raise SpecError("builder.err.empty")
    if len(spec) > MAX_LAYERS:
        raise SpecError("builder.err.too_many_layers", count=len(spec), limit=MAX_LAYERS)
    layers = [normalize_layer(d, i) for i, d in enumerate(spec)]
    names = [d["name"] for d in layers if "name" in d]
    for i, d in enumerate(layers):
        if "name" in d and names.count(d["name"]) > 1:
            raise SpecError("builder.err.name_twice", i, n=i + 1, name=repr(d["name"]))
        if d["type"] == "Linear" and layer_params(d) > MAX_LINEAR_PARAMS:
            raise SpecError("builder.err.linear_too_big", i, n=i + 1, args=format_args(d), params=layer_params(d),
                            limit=MAX_LINEAR_PARAMS)
    total = sum(layer_params(d) for d in layers)
    if total > MAX_PARAMS:
        raise SpecError("builder.err.too_many_params", params=total, limit=MAX_PARAMS)
    return layers


@dataclass
class Fix:
    """A one-click repair: what it does, in words, and the repaired layer list."""
    label: Phrase
    spec: list[dict]


@dataclass
class CheckResult:
    """The outcome of running one image through the layer list, layer by layer."""
    layers: list[LayerCheck] = field(default_factory=list)   # one per layer, reached or not
    error: Phrase | None = None      # the learner-facing sentence
    error_index: int | None = None   # the offending layer (None: the list as a whole)
    torch_error: str | None = None   # torch's own message, where torch raised one
    fix: Fix | None = None
    warnings: list[Phrase] = field(default_factory=list)
    spec: list[dict] = field(default_factory=list)   # the normalised layer list

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def params(self) -> int:
        return sum(c.params for c in self.layers)

    @property
    def macs(self) -> int:
        return sum(c.macs for c in self.layers)


def _torch_message(d: dict, shape: tuple, meta_error: Exception) -> str:
    """The error torch itself gives on the CPU for this layer and input (meta tensors word some differently)."""
    try:
        make_layer(d).eval()(torch.zeros(shape))
    except Exception as e:  # noqa: BLE001 - any torch error is what we want to show
        return str(e).strip()
    return str(meta_error).strip()


def check_spec(spec) -> CheckResult:
    """Walk one (1, 3, 32, 32) image through the layers: a check for every layer, the first failure explained."""
    result = CheckResult()
    try:
        layers = normalize_spec(spec)
    except SpecError as e:
        result.error, result.error_index = e.phrase, e.index
        return result
    result.spec, result.layers = layers, walk(layers, INPUT_SHAPE)
    result.warnings = [Phrase("builder.warn.flatten", name=c.name, shape=str(c.in_shape))
                       for c in result.layers if c.type == "Linear" and c.reached and len(c.in_shape) > 2]
    first = next((c for c in result.layers if c.error or numel(c.out_shape or ()) > MAX_ACTIVATION), None)
    if first and first.error:
        result.torch_error = _torch_message(layers[first.index], first.in_shape, first.error)
        result.error_index = first.index
        result.error, result.fix = explain_failure(layers, first.index, first.in_shape, result.torch_error)
    elif first:
        result.error_index = first.index
        result.error = Phrase("builder.err.activation", name=first.name, shape=str(first.out_shape),
                              values=numel(first.out_shape), limit=MAX_ACTIVATION)
    elif result.macs > MAX_MACS:
        result.error = Phrase("builder.err.macs", macs=result.macs, limit=MAX_MACS)
    elif result.layers[-1].out_shape != (1, NUM_CLASSES):
        result.error, result.fix = explain_ending(layers, result.layers[-1].out_shape)
        result.error_index = len(layers) - 1
    return result


def _with(layers: list[dict], i: int, **changes) -> list[dict]:
    return [dict(d, **changes) if j == i else dict(d) for j, d in enumerate(layers)]


def set_fix(layers: list[dict], i: int, **changes) -> Fix:
    """The fix that sets these arguments of layer i, labelled with the code it changes: "Set fc1.in_features = 3072"."""
    name = layer_names(layers)[i]
    return Fix(Phrase("builder.fix.set", changes=set_code(name, changes)), _with(layers, i, **changes))


def set_code(name: str, changes: dict) -> str:
    return ", ".join(f"{name}.{k} = {v}" for k, v in changes.items())


def reasons_phrase(reasons: list[Phrase]) -> Phrase:
    """One or two reasons as one sentence ("...; ...."), worded in whichever language shows it."""
    return Phrase("builder.why.one", first=reasons[0]) if len(reasons) == 1 else \
        Phrase("builder.why.two", first=reasons[0], second=reasons[1])


def explain_failure(layers: list[dict], i: int, shape: tuple, torch_error: str) -> tuple[Phrase, Fix | None]:
    """Why layer i cannot take an input of this shape, and the change that would make it fit."""
    d, name = layers[i], layer_names(layers)[i]
    kind = d["type"]

    def cannot(reason) -> Phrase:
        return Phrase("builder.err.cannot_take", name=name, call=f"{kind}({format_args(d)})", shape=str(shape),
                      reason=reason)

    if kind == "Linear" and len(shape) == 2:
        n = shape[1]
        return cannot(Phrase("builder.why.in_features", have=d["in_features"], n=n)), set_fix(layers, i, in_features=n)
    if kind == "Linear":
        n = numel(shape[1:])
        fixed = _with(layers, i, in_features=n)
        fixed.insert(i, {"type": "Flatten"})
        return (cannot(Phrase("builder.why.flatten", last=shape[-1], maps=str(shape[1:]), n=n)),
                Fix(Phrase("builder.fix.flatten", name=name, n=n), fixed))
    if kind in ("Conv2d", "BatchNorm2d", "MaxPool2d", "AvgPool2d") and len(shape) != 4:
        return cannot(Phrase("builder.why.flattened", kind=kind)), move_before_flatten(layers, i)
    reasons, changes = [], {}
    field_name = {"Conv2d": "in_channels", "BatchNorm2d": "num_features"}.get(kind)
    if field_name and d[field_name] != shape[1]:
        reasons.append(Phrase("builder.why.channels", field=field_name, have=d[field_name], channels=shape[1]))
        changes[field_name] = shape[1]
    if kind in ("MaxPool2d", "AvgPool2d") and 2 * d["padding"] > d["kernel_size"]:
        reasons.append(Phrase("builder.why.pool_padding"))
        changes["padding"] = d["kernel_size"] // 2
    if "kernel_size" in d:
        room = min(shape[2], shape[3]) + 2 * changes.get("padding", d["padding"])
        if d["kernel_size"] > room:
            reasons.append(Phrase("builder.why.small_maps", h=shape[2], w=shape[3], padding=d["padding"]))
            if room < 2:
                rest = [dict(x) for j, x in enumerate(layers) if j != i]
                return cannot(reasons_phrase(reasons)), Fix(Phrase("builder.fix.remove", name=name), rest) \
                    if rest else None
            changes["kernel_size"] = room
    if changes:
        return cannot(reasons_phrase(reasons)), set_fix(layers, i, **changes)
    return cannot(torch_error), None


def move_before_flatten(layers: list[dict], i: int) -> Fix | None:
    """Layer i (a Conv2d, pool or BatchNorm2d after Flatten) moved to just before that Flatten, fitted to the maps there."""
    flatten = max((j for j in range(i) if layers[j]["type"] == "Flatten"), default=None)
    if flatten is None:
        return None
    name = layer_names(layers)[i]
    moved = [dict(d) for j, d in enumerate(layers) if j != i]
    moved.insert(flatten, dict(layers[i]))
    check = walk(moved, INPUT_SHAPE)[flatten]
    shape = check.in_shape
    if moved[flatten]["type"] == "Conv2d" and shape and len(shape) == 4:
        # Keep the channel count there, so the layers after Flatten still fit and one click is enough.
        changes = {k: shape[1] for k in ("in_channels", "out_channels") if moved[flatten][k] != shape[1]}
        moved[flatten].update(changes)
        check = walk(moved, INPUT_SHAPE)[flatten]
        if changes and check.error is None:
            return Fix(Phrase("builder.fix.move_set", name=name, changes=set_code(name, changes)), moved)
    if check.error is None:
        return Fix(Phrase("builder.fix.move", name=name), moved)
    _, fix = explain_failure(moved, flatten, check.in_shape, str(check.error))
    if fix is None or fix.label.key == "builder.fix.remove":
        return fix
    if fix.label.key == "builder.fix.set":
        return Fix(Phrase("builder.fix.move_set", name=name, changes=fix.label.params["changes"]), fix.spec)
    return Fix(Phrase("builder.fix.move_then", name=name, then=fix.label), fix.spec)


def explain_ending(layers: list[dict], shape: tuple) -> tuple[Phrase, Fix]:
    """The last layer must give one score per class: (1, 10) for CIFAR-10."""
    last = len(layers) - 1
    message = Phrase("builder.err.ending", shape=str(shape), batch=shape[0], classes=NUM_CLASSES)
    if len(shape) == 2 and layers[last]["type"] == "Linear":
        return message, set_fix(layers, last, out_features=NUM_CLASSES)
    n = numel(shape[1:])
    tail = ([] if len(shape) == 2 else [{"type": "Flatten"}]) + [
        {"type": "Linear", "in_features": n, "out_features": NUM_CLASSES}]
    what = "builder.fix.append_linear" if len(shape) == 2 else "builder.fix.append_flatten_linear"
    return message, Fix(Phrase(what, n=n, classes=NUM_CLASSES), [dict(d) for d in layers] + tail)


def build_model(spec=None) -> nn.Sequential:
    """The layer list as an nn.Sequential with named layers; None builds the tutorial's network."""
    result = check_spec(spec)
    if not result.ok:
        raise SpecError(result.error.key, result.error_index, **result.error.params)
    return make_sequential(result.spec)


def spec_from_model(model: nn.Module) -> list[dict] | None:
    """The layer list of a Sequential built from the builder's kinds (None for any other model)."""
    if not isinstance(model, nn.Sequential):
        return None
    layers = [describe_layer(m) for m in model.children()]
    if not layers or any(d is None for d in layers):
        return None
    auto = layer_names(layers)
    return [d | ({"name": n} if n != a else {}) for d, (n, _), a in zip(layers, model.named_children(), auto)]


def default_layer(kind: str, shape: tuple | None) -> dict:
    """A new layer of this kind whose arguments fit an input of this shape (None: not known)."""
    if kind not in LAYER_TYPES:
        raise SpecError("builder.err.unknown_kind", kind=repr(kind), offers=", ".join(LAYER_TYPES))
    channels = shape[1] if shape and len(shape) == 4 else 32
    features = numel(shape[1:]) if shape else 64
    return {
        "Conv2d": {"type": kind, "in_channels": channels, "out_channels": channels, "kernel_size": 3, "padding": 1},
        "MaxPool2d": {"type": kind, "kernel_size": 2}, "AvgPool2d": {"type": kind, "kernel_size": 2},
        "Linear": {"type": kind, "in_features": min(features, 1 << 20), "out_features": NUM_CLASSES},
        "BatchNorm2d": {"type": kind, "num_features": channels}, "Dropout": {"type": kind, "p": 0.5},
    }.get(kind, {"type": kind})
