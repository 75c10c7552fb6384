"""Layer calls as the notes write them ('nn.Linear(8 * 32 * 32, 10),'), read with ast: parsed, never run."""
import ast
import math
import operator

from nets.builder.layers import LAYER_TYPES, SpecError, normalize_layer, where_phrase

MAX_ARGS_TEXT = 200      # characters of one layer's arguments
MAX_NODES = 100          # syntax-tree nodes in one layer's arguments
MAX_NUMBER = 10**12      # no number, and no step of the arithmetic, beyond this
OPERATORS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
             ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod, ast.Pow: operator.pow}
PAIRS = ("kernel_size", "stride", "padding")   # torch takes (h, w) for these; the builder's windows are square


class Unreadable(ValueError):
    """Text that is not a literal, arithmetic on numbers, or a tuple of them; key and params say why."""

    def __init__(self, key: str, **params):
        super().__init__(key)
        self.key, self.params = key, params


def _number(value):
    """value itself, refused when it is a number past MAX_NUMBER (or not finite)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return value
    if abs(value) <= MAX_NUMBER if isinstance(value, int) else math.isfinite(value) and abs(value) <= MAX_NUMBER:
        return value
    raise Unreadable("builder.err.args_big", limit=MAX_NUMBER)


def _power(base, exponent):
    """base ** exponent, refused before it is worked out when it would pass MAX_NUMBER (no 10**10**10)."""
    if abs(base) > 1 and exponent > 0 and exponent * math.log(abs(base)) > math.log(MAX_NUMBER):
        raise Unreadable("builder.err.args_big", limit=MAX_NUMBER)
    return base ** exponent


def literal(node: ast.AST):
    """A number, True/False/None, a string, +-*/ // % ** on numbers, or a tuple of these; anything else is
    refused (a name, a call, an attribute): nothing the learner typed is run."""
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float, str, type(None))):
        return _number(node.value)
    if isinstance(node, (ast.Tuple, ast.List)):
        return tuple(literal(e) for e in node.elts)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        value = literal(node.operand)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise Unreadable("builder.err.args_unreadable")
        return _number(-value if isinstance(node.op, ast.USub) else value)
    if isinstance(node, ast.BinOp) and type(node.op) in OPERATORS:
        left, right = literal(node.left), literal(node.right)
        if any(isinstance(v, bool) or not isinstance(v, (int, float)) for v in (left, right)):
            raise Unreadable("builder.err.args_unreadable")
        try:
            value = _power(left, right) if isinstance(node.op, ast.Pow) else OPERATORS[type(node.op)](left, right)
        except ZeroDivisionError:
            raise Unreadable("builder.err.args_zero") from None
        except OverflowError:
            raise Unreadable("builder.err.args_big", limit=MAX_NUMBER) from None
        if not isinstance(value, (int, float)):   # (-8) ** 0.5 is a complex number
            raise Unreadable("builder.err.args_unreadable")
        return _number(value)
    if isinstance(node, ast.Name):
        raise Unreadable("builder.err.args_name", name=node.id)
    raise Unreadable("builder.err.args_unreadable")


def _square(key: str, value, where, index: int):
    """(3, 3) as 3 for a window's size, stride or padding; (3, 5) is refused (the builder draws square windows)."""
    if key not in PAIRS or not isinstance(value, tuple):
        return value
    if len(value) in (1, 2) and len(set(value)) == 1:
        return value[0]
    raise SpecError("builder.err.pair", index, where=where, param=key, value=repr(value))


def call_layer(kind: str, call: ast.Call, text: str, index: int = 0) -> dict:
    """One layer call's arguments (a parsed 'f(...)') as a checked layer dict of this kind."""
    where = where_phrase(index, None)
    if kind not in LAYER_TYPES:
        raise SpecError("builder.err.unknown_type", index, where=where, kind=repr(kind), offers=", ".join(LAYER_TYPES))
    if sum(1 for _ in ast.walk(call)) > MAX_NODES:
        raise SpecError("builder.err.args_too_long", index, where=where, count=len(text))
    try:
        if any(isinstance(a, ast.Starred) for a in call.args) or any(k.arg is None for k in call.keywords):
            raise Unreadable("builder.err.args_unreadable")
        values = [literal(a) for a in call.args]
        named = [(k.arg, literal(k.value)) for k in call.keywords]
    except Unreadable as e:
        raise SpecError(e.key, index, where=where, text=repr(text), **e.params) from None
    params = LAYER_TYPES[kind].params
    if len(values) > len(params):
        raise SpecError("builder.err.too_many_args", index, where=where, kind=kind, most=len(params),
                        count=len(values))
    layer = {"type": kind, **{p.name: v for p, v in zip(params, values)}}
    for key, value in named:
        if key in layer:
            raise SpecError("builder.err.twice", index, where=where, param=key)
        layer[key] = value
    return normalize_layer({k: _square(k, v, where, index) for k, v in layer.items()}, index)


def layer_kind(text: str) -> str:
    """'nn.Conv2d' or 'torch.nn.Conv2d' as 'Conv2d': the name the layer types go by."""
    text = text.strip()
    for prefix in ("torch.nn.", "nn."):
        text = text.removeprefix(prefix)
    return text


def parse_args(kind: str, text: str, index: int = 0) -> dict:
    """'64 * 4 * 4, 64' for kind as a layer dict: numbers, arithmetic on them, tuples and keywords, as in PyTorch."""
    kind, text, where = layer_kind(str(kind)), (text or "").strip(), where_phrase(index, None)
    if len(text) > MAX_ARGS_TEXT:
        raise SpecError("builder.err.args_too_long", index, where=where, count=len(text))
    try:
        call = ast.parse(f"f({text}\n)", mode="eval").body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        raise SpecError("builder.err.args_unreadable", index, where=where, text=repr(text)) from None
    return call_layer(kind, call, text, index)


def call_name(node: ast.AST) -> str | None:
    """The layer a call names: Conv2d(...), nn.Conv2d(...) or torch.nn.Conv2d(...); None for anything else."""
    if not isinstance(node, ast.Call):
        return None
    parts, func = [], node.func
    while isinstance(func, ast.Attribute):
        parts.append(func.attr)
        func = func.value
    if not isinstance(func, ast.Name):
        return None
    path = [func.id, *reversed(parts)]
    return path[-1] if path[:-1] in ([], ["nn"], ["torch", "nn"]) else None


def layer_calls(text: str) -> list[ast.Call] | None:
    """The layer calls in a line or a block, as copied from inside nn.Sequential(...) (trailing commas, several
    on a line) or the whole nn.Sequential(...); None when the text is not such calls."""
    try:
        tree = ast.parse(f"(\n{text}\n)", mode="eval").body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    calls = list(tree.elts) if isinstance(tree, ast.Tuple) else [tree]
    if len(calls) == 1 and call_name(calls[0]) == "Sequential" and not calls[0].keywords:
        calls = list(calls[0].args)
    return calls if calls and all(call_name(c) for c in calls) else None
