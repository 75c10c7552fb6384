"""JSON from outside (a value sent to the API, a checkpoint's metadata) read with its nesting bounded first:
Python's json recurses once per level and fails with RecursionError about 1,000 levels down."""
import json
import re

MAX_DEPTH = 32     # LayerLab's deepest JSON (a layer list in a checkpoint's metadata) nests 3 levels
STRINGS = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
BRACKETS = re.compile(rb"[\[\]{}]")


class TooDeep(ValueError):
    """A JSON text nesting deeper than limit levels."""

    def __init__(self, limit: int):
        super().__init__(f"JSON nests deeper than {limit} levels")
        self.limit = limit


def json_depth(body: str | bytes) -> int:
    """How deeply a JSON text nests its lists and objects, without parsing it (and so without recursion)."""
    body = body.encode() if isinstance(body, str) else body
    depth = deepest = 0
    for bracket in BRACKETS.findall(STRINGS.sub(b"", body)):
        depth += 1 if bracket in b"[{" else -1
        deepest = max(deepest, depth)
    return deepest


def loads(body: str | bytes, limit: int = MAX_DEPTH):
    """json.loads, after refusing a text that nests deeper than limit (TooDeep, a ValueError)."""
    if json_depth(body) > limit:
        raise TooDeep(limit)
    return json.loads(body)
