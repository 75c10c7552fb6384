"""Every request's cost bounded before Gradio parses it: JSON bodies of sane size and nesting only."""
import json

from nets.safejson import json_depth
from nets.text import preferred_locale, text

MAX_JSON_BYTES = 2 * 2**20   # an API call's settings; files travel separately through /gradio_api/upload
MAX_JSON_DEPTH = 32          # LayerLab's deepest value (a kernel grid in a list) nests 3 levels


def refusal(body: bytes, locale: str = "en") -> str | None:
    """Why a JSON body is refused, in locale ("en" or "zh-CN"), or None."""
    if len(body) > MAX_JSON_BYTES:
        return text("requests.too_big", locale, limit_mb=MAX_JSON_BYTES // 2**20)
    if json_depth(body) > MAX_JSON_DEPTH:
        return text("requests.too_deep", locale, limit=MAX_JSON_DEPTH)
    return None


class JsonGuard:
    """ASGI middleware: reads a JSON request body (at most MAX_JSON_BYTES), refuses it with a sentence if
    it is too large or too deep (Python's json would hit its recursion limit), else hands it on unchanged.
    No Gradio request exists yet, so the sentence follows the request's own Accept-Language header."""

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
        reason = refusal(body, preferred_locale(header(scope, b"accept-language")))
        if reason:
            return await respond(send, 413 if len(body) > MAX_JSON_BYTES else 400, reason)
        await self.app(scope, replay(body, receive), send)


def header(scope, name: bytes) -> str:
    """One header of an ASGI request as text ("" when absent)."""
    return dict(scope.get("headers") or []).get(name, b"").decode("latin-1")


def is_json(scope) -> bool:
    return header(scope, b"content-type").split(";")[0].strip() == "application/json"


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
