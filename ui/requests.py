"""Every request's cost bounded before Gradio parses it: JSON bodies of sane size and nesting only."""
import json
import re

MAX_JSON_BYTES = 2 * 2**20   # an API call's settings; files travel separately through /gradio_api/upload
MAX_JSON_DEPTH = 32          # LayerLab's deepest value (a kernel grid in a list) nests 3 levels
STRINGS = re.compile(rb'"(?:[^"\\]|\\.)*"', re.S)
BRACKETS = re.compile(rb"[\[\]{}]")


def json_depth(body: bytes) -> int:
    """How deeply a JSON text nests its lists and objects, without parsing it (and so without recursion)."""
    depth = deepest = 0
    for bracket in BRACKETS.findall(STRINGS.sub(b"", body)):
        depth += 1 if bracket in b"[{" else -1
        deepest = max(deepest, depth)
    return deepest


def refusal(body: bytes) -> str | None:
    """Why a JSON body is refused, or None."""
    if len(body) > MAX_JSON_BYTES:
        return (f"The request is over {MAX_JSON_BYTES // 2**20} MB of JSON: send files through an upload "
                "and keep the settings short.")
    if json_depth(body) > MAX_JSON_DEPTH:
        return f"The request's JSON nests deeper than {MAX_JSON_DEPTH} levels; LayerLab's settings need 3 at most."
    return None


class JsonGuard:
    """ASGI middleware: reads a JSON request body (at most MAX_JSON_BYTES), refuses it with a sentence if
    it is too large or too deep (Python's json would hit its recursion limit), else hands it on unchanged."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] != "POST" or not is_json(scope):
            return await self.app(scope, receive, send)
        body, more = b"", True
        while more and len(body) <= MAX_JSON_BYTES:
            message = await receive()
            if message["type"] != "http.request":
                return await self.app(scope, replay(body, receive, message), send)
            body += message.get("body", b"")
            more = message.get("more_body", False)
        reason = refusal(body)
        if reason:
            return await respond(send, 413 if len(body) > MAX_JSON_BYTES else 400, reason)
        await self.app(scope, replay(body, receive), send)


def is_json(scope) -> bool:
    headers = dict(scope.get("headers") or [])
    return headers.get(b"content-type", b"").split(b";")[0].strip() == b"application/json"


def replay(body: bytes, receive, last=None):
    """A receive() that gives the app the body already read, then the client's own messages (a streamed
    response listens on it for the disconnect)."""
    sent = False

    async def replayed():
        nonlocal sent
        if not sent:
            sent = True
            return last or {"type": "http.request", "body": body, "more_body": False}
        return await receive()
    return replayed


async def respond(send, status: int, message: str) -> None:
    payload = json.dumps({"error": message, "detail": message}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]})
    await send({"type": "http.response.body", "body": payload})
