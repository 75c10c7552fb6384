"""Hostile input for every API endpoint: out-of-range numbers, wrong types, missing fields, huge and
malformed files, a pickle that would run code. Shared by tests/test_hostile_api.py and benchmarks/."""
import io
import json
import os
import pickle
import re
import time
import urllib.request
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from gradio_client import handle_file
from PIL import Image

# What Gradio answers when a handler raised something other than gr.Error: not a message for a learner.
GENERIC_ERROR = "has not enabled verbose error reporting"
# LayerLab's frames in a traceback, except the request guard (ui/common/requests.py), which wraps every request and so
# stands in every server traceback, a client's own disconnect included.
OUR_CODE = re.compile(r'File "[^"]*/(ui|nets|visual)/(?!requests\.py")[^"]+\.py"')
FILE_COMPONENTS = {"Image", "File", "UploadButton", "Gallery", "Video", "Audio", "Model3D"}
CALL_TIMEOUT_S = 30
# Gradio's own wording and Python's: a refusal from LayerLab never contains these (issue 24).
GRADIO_WORDS = ("less than minimum", "greater than maximum", "Could not preprocess", "not in the list of choices",
                "maximum recursion depth", "Traceback", "could not convert", "invalid literal", "Error(",
                "validation error", "not uploaded by a user", "not in the cache folder")
CHINESE = re.compile(r"[\u4e00-\u9fff]")
SHOWN_CHARS = 40             # ui/common/validate.py quotes at most this many characters of a refused value
LONG_TEXT = "x" * 100_000
DEEP_JSON = "[" * 10_000 + "]" * 10_000   # a value nested 10,000 deep, inside one string


class Payload:
    """Unpickling this would create the file named by PROOF_ENV (to prove it never happens)."""
    def __reduce__(self):
        return (os.system, (f"touch {os.environ.get('LAYERLAB_PICKLE_PROOF', '/tmp/layerlab-pwned')}",))


def hostile_files(folder: Path) -> dict[str, Path]:
    """Malformed, huge and dangerous files to upload."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {}
    png = io.BytesIO()
    Image.fromarray(np.zeros((40, 40, 3), np.uint8)).save(png, "PNG")
    files["truncated.png"] = png.getvalue()[: len(png.getvalue()) // 2]
    files["text.png"] = b"this is not an image"
    files["empty.png"] = b""
    huge = io.BytesIO()
    Image.new("L", (10000, 10000)).save(huge, "PNG")       # 100 megapixels, ~100 KB compressed
    files["huge.png"] = huge.getvalue()
    files["code.pt"] = pickle.dumps({"state_dict": Payload()})
    files["code.pth"] = files["code.pt"]
    files["random.safetensors"] = os.urandom(4096)
    files["bomb.bin"] = zlib.compress(b"\0" * 1) + os.urandom(1 << 20)
    paths = {}
    for name, data in files.items():
        (folder / name).write_bytes(data)
        paths[name] = folder / name
    return paths


def hostile_values(param: dict, files: dict[str, Path]) -> list:
    """Values that the UI's widgets could never send for this parameter."""
    component = param.get("component", "")
    kind = param.get("type", {}).get("type")
    if component in FILE_COMPONENTS:
        return [handle_file(str(p)) for p in files.values()] + ["not a file", 42]
    if kind in ("number", "integer"):
        return [-1e12, 1e12, -1, "abc", None, [1, 2]]
    if kind == "boolean":
        return ["yes", 7, None]
    if kind == "string":
        return ["\u2603" * 5000, 12345, None, "../../etc/passwd"]
    return [None, "garbage", 3.5, {"a": 1}]


def refusal_values(param: dict, files: dict[str, Path]) -> list:
    """Values a caller may send that the page never would, one of each kind the issue found refused badly:
    the wrong type, nothing, out of range, a fraction for a whole number, a long text for a choice, a file that
    is no picture or checkpoint, a text where an upload or a table goes (Gradio checks those itself before any
    handler, even with preprocess=False; ui/common/prechecks.py checks them first)."""
    component = param.get("component", "")
    kind = param.get("type", {}).get("type")
    if component in FILE_COMPONENTS:
        return [handle_file(str(files["text.png"])), "not a file"]
    if component == "Dataframe":
        return [None, "abc"]
    if kind in ("number", "integer"):
        return ["abc", None, -5] + ([2.5] if kind == "integer" else [])
    if kind == "boolean":
        return ["yes"]
    if kind == "string":
        return [LONG_TEXT, 12345]
    return [None, "abc"]


def unclear_refusal(message: str, value=None) -> str | None:
    """Why a refusal given with Accept-Language: zh-CN is not LayerLab's clear one, or None if it is: Gradio's or
    Python's words, not Chinese, or more than SHOWN_CHARS characters of the refused value quoted back."""
    words = [w for w in GRADIO_WORDS if w in message]
    if words:
        return f"Gradio's or Python's words {words}"
    if not CHINESE.search(message):
        return "not in Chinese"
    if isinstance(value, str) and len(value) > SHOWN_CHARS and value[:SHOWN_CHARS + 1] in message:
        return f"quotes {len(message):,} characters, the input echoed"
    return None


def refusal_of(client, api_name: str, args: list) -> str | None:
    """The message a call is refused with, or None when it completes."""
    job = client.submit(*args, api_name=api_name)
    try:
        job.result(timeout=CALL_TIMEOUT_S)
        return None
    except TimeoutError:
        job.cancel()
        return None
    except Exception as e:
        return str(e)


def raw_refusal(url: str, api_name: str, body: str, locale: str = "zh-CN") -> str:
    """POST a JSON body exactly as given (NaN included, which gradio_client cannot send) and read the error
    message the event stream ends with ("" if it completed)."""
    request = urllib.request.Request(f"{url}gradio_api/call{api_name}", data=body.encode(),
                                     headers={"Content-Type": "application/json", "Accept-Language": locale})
    event_id = json.loads(urllib.request.urlopen(request, timeout=10).read())["event_id"]
    stream = urllib.request.urlopen(f"{url}gradio_api/call{api_name}/{event_id}", timeout=CALL_TIMEOUT_S)
    lines = stream.read().decode(errors="replace").splitlines()
    if "event: error" not in lines:
        return ""
    data = json.loads(lines[lines.index("event: error") + 1].removeprefix("data: "))
    return data.get("error") or "" if isinstance(data, dict) else str(data)


def unclear_refusals(client, files: dict[str, Path], skip=(), overrides: dict | None = None,
                     values_per_param: dict | None = None) -> list[str]:
    """Every parameter of every endpoint sent refusal_values (the others at their defaults): each refusal that
    is not LayerLab's clear one, as 'endpoint parameter=value: why: message'. values_per_param: {api_name: n}
    for an endpoint of many parameters, to try only the first n values of each."""
    found = []
    api = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    for api_name, spec in api.items():
        if api_name in skip:
            continue
        params = spec["parameters"]
        for i, param in enumerate(params):
            for value in refusal_values(param, files)[:(values_per_param or {}).get(api_name)]:
                args = args_with(params, i, value, (overrides or {}).get(api_name, {}))
                message = refusal_of(client, api_name, args)
                why = message is not None and unclear_refusal(message, value)
                if why:
                    found.append(f"{api_name} {param['parameter_name']}={str(value)[:20]!r}: {why}: {message[:160]}")
    return found


@dataclass
class Outcome:
    endpoint: str
    case: str
    ok: bool            # completed with a result or a clear gr.Error
    detail: str
    seconds: float = 0.0


def base_args(params: list[dict]) -> list:
    """Each parameter's default, else the example Gradio documents for it; no file for file inputs
    (their documented example is a URL on the internet, which this machine cannot reach)."""
    def base(p):
        if p.get("parameter_has_default"):
            return p["parameter_default"]
        return None if p.get("component") in FILE_COMPONENTS else p.get("example_input")
    return [base(p) for p in params]


def args_with(params: list[dict], i: int, value, overrides: dict) -> list:
    """Each parameter's base value (or its override), with value as parameter i."""
    args = [overrides.get(p["parameter_name"], base) for p, base in zip(params, base_args(params))]
    args[i] = value
    return args


def call(client, api_name: str, args: list) -> tuple[bool, str]:
    """One call: (True, result-or-message) if it finished cleanly or with a clear error."""
    job = client.submit(*args, api_name=api_name)
    try:
        job.result(timeout=CALL_TIMEOUT_S)
        return True, "accepted"
    except TimeoutError:
        job.cancel()
        return True, "still running (a valid long job); cancelled"
    except Exception as e:
        message = str(e)
        return GENERIC_ERROR not in message and bool(message.strip()), message[:160]


def missing_fields(url: str, api_name: str) -> tuple[bool, str]:
    """POST the endpoint with no data at all, bypassing the client."""
    request = urllib.request.Request(f"{url}gradio_api/call{api_name}", data=json.dumps({"data": []}).encode(),
                                     headers={"Content-Type": "application/json"})
    try:
        event_id = json.loads(urllib.request.urlopen(request, timeout=10).read())["event_id"]
        stream = urllib.request.urlopen(f"{url}gradio_api/call{api_name}/{event_id}", timeout=CALL_TIMEOUT_S)
        body = stream.read(20000).decode(errors="replace")
    except OSError as e:
        return "422" in str(e) or "400" in str(e), str(e)[:160]
    return "event: error" in body or "event: complete" in body, body[-160:]


def crashes_in_our_code(log: str) -> list[str]:
    """Tracebacks in the server log that pass through LayerLab's code and end in anything but gr.Error:
    a handler that let bad input through to a crash instead of explaining it."""
    crashes = []
    for block in log.split("Traceback (most recent call last):")[1:]:
        lines = [line for line in block.strip().splitlines() if line.strip()]
        last = next((line for line in reversed(lines) if not line.startswith(" ")), "")
        if OUR_CODE.search(block) and not last.startswith("gradio.exceptions.Error"):
            frames = OUR_CODE.findall(block)
            crashes.append(f"{last[:200]} (in {', '.join(dict.fromkeys(frames))})")
    return crashes


def attack(client, url: str, files: dict[str, Path], health, values_per_param: int | None = None,
           skip=(), overrides: dict | None = None) -> list[Outcome]:
    """Every endpoint, one hostile value per call, then a health check after each endpoint.

    overrides: {api_name: {parameter: value}} for the valid values around the hostile one, e.g. a tiny
    training run, so that a hostile value the server rightly accepts does not start an hour of work."""
    outcomes = []
    api = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    for api_name, spec in api.items():
        if api_name in skip:
            continue
        params = spec["parameters"]
        for i, param in enumerate(params):
            for value in hostile_values(param, files)[:values_per_param]:
                args = args_with(params, i, value, (overrides or {}).get(api_name, {}))
                start = time.perf_counter()
                ok, detail = call(client, api_name, args)
                outcomes.append(Outcome(api_name, f"{param['parameter_name']}={str(value)[:40]!r}", ok, detail,
                                        time.perf_counter() - start))
        # With every field left out an endpoint takes the page's defaults: /train would start the page's default run
        # (50 epochs, until LAYERLAB_MAX_RUN_MINUTES), a valid job that holds the training slot for the tests after.
        if params and api_name not in (overrides or {}):
            ok, detail = missing_fields(url, api_name)
            outcomes.append(Outcome(api_name, "no fields", ok, detail))
        outcomes.append(Outcome(api_name, "health check after", health(), "server answers"))
    return outcomes
