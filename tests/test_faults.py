"""Clients that vanish mid-training, mid-upload and mid-stream: the server frees the job and keeps serving."""
import json
import socket
import subprocess
import sys
import textwrap
import time
import urllib.parse
import urllib.request

from gradio_client import Client

from tests.conftest import ROOT, TINY_TRAINING

LONG_RUN = dict(optimizer="adam", epochs=50, batch_size=64)   # hours on a CPU if nothing stopped it


def next_training_finishes(url: str, timeout: float = 120) -> str:
    """A new visitor's tiny run: it only gets the (single) training slot if the vanished run freed it."""
    job = Client(url, verbose=False).submit(**TINY_TRAINING, api_name="/train")
    return job.result(timeout=timeout)[0]


def test_visitor_who_vanishes_mid_training_leaves_no_training_running(client, app_url):
    script = textwrap.dedent(f"""
        import os, time
        from gradio_client import Client
        job = Client({app_url!r}, verbose=False).submit(**{LONG_RUN!r}, api_name="/train")
        while len(job.outputs()) < 2:
            time.sleep(0.2)
        print("streaming", flush=True)
        os._exit(0)   # like a closed browser tab: no goodbye, the connection just drops
    """)
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert out.stdout.strip() == "streaming", out.stderr[-2000:]
    status = next_training_finishes(app_url)
    assert "Done" in status or "test accuracy" in status


def test_stream_closed_mid_training_frees_the_job(client, app_url):
    body = json.dumps({"data": [LONG_RUN[k] if k in LONG_RUN else d for k, d in training_defaults(client)]})
    request = urllib.request.Request(f"{app_url}gradio_api/call/train", data=body.encode(),
                                     headers={"Content-Type": "application/json"})
    event_id = json.loads(urllib.request.urlopen(request, timeout=10).read())["event_id"]
    stream = urllib.request.urlopen(f"{app_url}gradio_api/call/train/{event_id}", timeout=60)
    first = stream.readline()
    stream.close()   # hang up after the first streamed line
    assert first.startswith(b"event:")
    assert "test accuracy" in next_training_finishes(app_url)


def training_defaults(client) -> list[tuple[str, object]]:
    params = client.view_api(print_info=False, return_format="dict")["named_endpoints"]["/train"]["parameters"]
    return [(p["parameter_name"], p.get("parameter_default")) for p in params]


def test_upload_cut_off_halfway_leaves_the_server_serving(client, app_url):
    host = urllib.parse.urlparse(app_url)
    with socket.create_connection((host.hostname, host.port), timeout=10) as s:
        boundary = "layerlab"
        head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"big.png\"\r\n"
                f"Content-Type: image/png\r\n\r\n").encode()
        s.sendall((f"POST /gradio_api/upload HTTP/1.1\r\nHost: {host.netloc}\r\n"
                   f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
                   f"Content-Length: {50 * 2**20}\r\n\r\n").encode() + head + b"\x89PNG" + b"\0" * 2**20)
        # and vanish with 49 MB still promised
    time.sleep(0.5)
    gallery, _ = client.predict("test", "all", 3, 0, api_name="/browse_data")
    assert len(gallery) == 3
