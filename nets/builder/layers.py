"""The layers a learner may put in a Sequential: their parameters, limits, and how they read as code."""
import keyword
import re
from collections import OrderedDict
from dataclasses import dataclass

from torch import nn

from nets.text import LearnerError, Phrase

REQUIRED = object()      # marks a parameter without a default
MAX_CHANNELS = 1024      # Conv2d in/out channels, BatchNorm2d features
MAX_FEATURES = 1 << 20   # Linear in/out features: 1024 channels x 32 x 32 flattened
MAX_KERNEL = 32          # kernel_size and stride of convolutions and pools
MAX_PADDING = 16
NAME_PATTERN = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,31}")


class SpecError(LearnerError):
    """A layer list that cannot be built; index says which layer (None: the list as a whole)."""

    def __init__(self, key: str, /, index: int | None = None, **params):
        super().__init__(key, **params)
        self.index = index


@dataclass(frozen=True)
class Param:
    """One constructor argument: its kind ('int', 'float', 'bool', 'int?' = int or None) and bounds."""
    name: str
    kind: str
    default: object = REQUIRED
    low: float = 0
    high: float = 0


@dataclass(frozen=True)
class LayerType:
    """A torch.nn layer the builder offers, with the arguments it accepts."""
    cls: type
    params: tuple[Param, ...] = ()
    positional: int = 0      # how many leading arguments the code writes without keywords
    prefix: str = "layer"    # automatic names: conv1, pool1, fc1, ...


def _pool_params():
    return (Param("kernel_size", "int", REQUIRED, 1, MAX_KERNEL), Param("stride", "int?", None, 1, MAX_KERNEL),
            Param("padding", "int", 0, 0, MAX_PADDING), Param("ceil_mode", "bool", False))


LAYER_TYPES = {
    "Conv2d": LayerType(nn.Conv2d, (
        Param("in_channels", "int", REQUIRED, 1, MAX_CHANNELS), Param("out_channels", "int", REQUIRED, 1, MAX_CHANNELS),
        Param("kernel_size", "int", REQUIRED, 1, MAX_KERNEL), Param("stride", "int", 1, 1, MAX_KERNEL),
        Param("padding", "int", 0, 0, MAX_PADDING)), positional=2, prefix="conv"),
    "MaxPool2d": LayerType(nn.MaxPool2d, _pool_params(), positional=1, prefix="pool"),
    "AvgPool2d": LayerType(nn.AvgPool2d, _pool_params(), positional=1, prefix="pool"),
    "ReLU": LayerType(nn.ReLU, prefix="relu"),
    "LeakyReLU": LayerType(nn.LeakyReLU, (Param("negative_slope", "float", 0.01, 0.0, 1.0),),
                           positional=1, prefix="leaky"),
    "Sigmoid": LayerType(nn.Sigmoid, prefix="sigmoid"),
    "Tanh": LayerType(nn.Tanh, prefix="tanh"),
    "GELU": LayerType(nn.GELU, prefix="gelu"),
    "Flatten": LayerType(nn.Flatten, prefix="flatten"),
    "Linear": LayerType(nn.Linear, (
        Param("in_features", "int", REQUIRED, 1, MAX_FEATURES),
        Param("out_features", "int", REQUIRED, 1, MAX_FEATURES)), positional=2, prefix="fc"),
    "Dropout": LayerType(nn.Dropout, (Param("p", "float", 0.5, 0.0, 0.99),), positional=1, prefix="dropout"),
    "BatchNorm2d": LayerType(nn.BatchNorm2d, (Param("num_features", "int", REQUIRED, 1, MAX_CHANNELS),),
                             positional=1, prefix="bn"),
}


def where_phrase(index, name) -> Phrase:
    return Phrase("builder.where_named", n=index + 1, name=name) if name else Phrase("builder.where", n=index + 1)


def _value(p: Param, value, where: str, index: int):
    """value converted to p's kind, or a SpecError saying what was expected."""
    if p.kind == "bool":
        if isinstance(value, bool):
            return value
        raise SpecError("builder.err.bool", index, where=where, param=p.name, value=repr(value))
    if p.kind == "int?" and value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise SpecError("builder.err.number", index, where=where, param=p.name, value=repr(value))
    if value != value or value in (float("inf"), float("-inf")):
        raise SpecError("builder.err.finite", index, where=where, param=p.name, value=repr(value))
    if p.kind in ("int", "int?"):
        if value != int(value):
            raise SpecError("builder.err.whole", index, where=where, param=p.name, value=repr(value))
        value = int(value)
    if not p.low <= value <= p.high:
        raise SpecError("builder.err.range", index, where=where, param=p.name, low=p.low, high=p.high, value=value)
    return value


def normalize_layer(layer, index: int = 0) -> dict:
    """One layer dict checked and completed: {"type", every parameter, and "name" if one was given}."""
    if not isinstance(layer, dict):
        raise SpecError("builder.err.not_dict", index, n=index + 1, kind=type(layer).__name__)
    name = layer.get("name")
    where = where_phrase(index, name if isinstance(name, str) else None)
    kind = layer.get("type")
    if kind not in LAYER_TYPES:
        raise SpecError("builder.err.unknown_type", index, where=where, kind=repr(kind), offers=", ".join(LAYER_TYPES))
    spec = LAYER_TYPES[kind]
    known = {p.name for p in spec.params}
    extra = sorted(set(layer) - known - {"type", "name"})
    if extra:
        takes = ", ".join(p.name for p in spec.params) or Phrase("builder.no_arguments")
        raise SpecError("builder.err.no_argument", index, where=where, kind=kind, name=repr(extra[0]), takes=takes)
    out = {"type": kind}
    if name is not None:
        out["name"] = check_name(name, where, index)
    for p in spec.params:
        if p.name in layer:
            out[p.name] = _value(p, layer[p.name], where, index)
        elif p.default is REQUIRED:
            raise SpecError("builder.err.needs", index, where=where, kind=kind, param=p.name)
        else:
            out[p.name] = p.default
    return out


def check_name(name, where: Phrase, index: int) -> str:
    """A layer name usable as a Python attribute and a state_dict key."""
    if not isinstance(name, str) or not NAME_PATTERN.fullmatch(name) or keyword.iskeyword(name):
        raise SpecError("builder.err.name", index, where=where, name=repr(name))
    if hasattr(nn.Sequential(), name):
        raise SpecError("builder.err.attribute", index, where=where, name=repr(name))
    return name


def layer_names(spec: list[dict]) -> list[str]:
    """Each layer's name: the one given, else conv1, pool1, ..., flatten, fc1 like nets.models.tutorial_cnn."""
    taken = {d["name"] for d in spec if d.get("name")}
    counts, names = {}, []
    for d in spec:
        if d.get("name"):
            names.append(d["name"])
            continue
        prefix = LAYER_TYPES[d["type"]].prefix
        while True:
            counts[prefix] = counts.get(prefix, 0) + 1
            n = counts[prefix]
            name = prefix if prefix == "flatten" and n == 1 else f"{prefix}{n}"
            if name not in taken:
                break
        taken.add(name)
        names.append(name)
    return names


def make_layer(d: dict) -> nn.Module:
    """The torch layer for a normalised layer dict."""
    args = {k: v for k, v in d.items() if k not in ("type", "name")}
    return LAYER_TYPES[d["type"]].cls(**args)


def make_sequential(layers: list[dict]) -> nn.Sequential:
    """The layers as an nn.Sequential named conv1, pool1, ... (the names its state_dict keys carry), built in order."""
    return nn.Sequential(OrderedDict((n, make_layer(d)) for n, d in zip(layer_names(layers), layers)))


def _unusual(module: nn.Module) -> bool:
    """Settings the builder cannot express (no bias, groups, dilation, other Flatten dims, ...)."""
    if isinstance(module, (nn.Conv2d, nn.Linear)) and module.bias is None:
        return True
    if isinstance(module, nn.Conv2d):
        return module.groups != 1 or module.dilation != (1, 1) or module.padding_mode != "zeros" or \
            len(set(module.kernel_size)) > 1 or len(set(module.stride)) > 1 or not isinstance(module.padding, tuple) \
            or len(set(module.padding)) > 1
    if isinstance(module, nn.Flatten):
        return (module.start_dim, module.end_dim) != (1, -1)
    if isinstance(module, (nn.MaxPool2d, nn.AvgPool2d)):
        return any(isinstance(getattr(module, a), tuple) for a in ("kernel_size", "stride", "padding"))
    return False


def describe_layer(module: nn.Module) -> dict | None:
    """A torch layer as a normalised layer dict, or None when the builder has no such kind."""
    kind = type(module).__name__
    if kind not in LAYER_TYPES or type(module) is not LAYER_TYPES[kind].cls or _unusual(module):
        return None
    d = {"type": kind}
    for p in LAYER_TYPES[kind].params:
        value = getattr(module, p.name, None)
        d[p.name] = value[0] if isinstance(value, tuple) else value
    if "ceil_mode" in d and d["stride"] == d["kernel_size"]:
        d["stride"] = None                 # torch stores the default stride as kernel_size
    return d


def format_args(d: dict) -> str:
    """A normalised layer's arguments as PyTorch code: '3, 32, kernel_size=5, padding=2'."""
    spec = LAYER_TYPES[d["type"]]
    parts = []
    for i, p in enumerate(spec.params):
        value = d[p.name]
        if i < spec.positional:
            parts.append(repr(value))
        elif p.default is REQUIRED or value != p.default:
            parts.append(f"{p.name}={value!r}")
    return ", ".join(parts)


def layer_code(d: dict) -> str:
    """'nn.Conv2d(3, 32, kernel_size=5, padding=2)'."""
    return f"nn.{d['type']}({format_args(d)})"
