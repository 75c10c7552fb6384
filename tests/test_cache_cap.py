"""Gradio's cache is cut to LAYERLAB_MAX_TEMP_MB after each upload, oldest files first, the newest kept, and never
the upload of a call still waiting in the queue or running."""
import concurrent.futures
import os
import threading
import time

import anyio
import gradio as gr
from gradio_client import Client, handle_file
from gradio_client.utils import Status
from starlette.middleware import Middleware

from nets import limits
from tests.conftest import free_port
from ui.common.tempfiles import CacheCap

MB = 2**20


async def gradio_upload(scope, receive, send):   # Gradio's upload route: stores the file, then answers
    pass


def cache_entry(cache, name: str, mb: int, age_s: int):
    entry = cache / name
    entry.mkdir()
    (entry / "file.pth").write_bytes(bytes(mb * MB))
    os.utime(entry, (entry.stat().st_mtime - age_s,) * 2)   # the hash folders sort by their own time
    return entry


def test_the_cache_is_cut_to_the_temp_limit_after_an_upload(tmp_path, monkeypatch):
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path))
    monkeypatch.setattr(limits, "MAX_TEMP_BYTES", 5 * MB)
    old, older, new = (cache_entry(tmp_path, n, 2, age) for n, age in (("old", 20), ("older", 30), ("new", 0)))
    arriving = tmp_path / "tmpupload"   # an upload still arriving: Gradio's temporary file at the top
    arriving.write_bytes(bytes(2 * MB))
    os.utime(arriving, (arriving.stat().st_mtime - 60,) * 2)
    cap = CacheCap(gradio_upload, tmp_path)
    upload = {"type": "http", "method": "POST", "path": "/gradio_api/upload"}
    # In a thread of its own: Playwright's sync API, used by the browser tests, keeps an event loop running in
    # the main thread, where anyio.run refuses to start another.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(anyio.run, cap, upload, None, None).result()
    assert new.exists() and old.exists() and arriving.exists() and not older.exists()


def size_when_let_through(gate: threading.Event):
    """A handler that waits for the gate, then says how many bytes its upload has (-1: the file is gone)."""
    def size(file):
        gate.wait(120)
        path = (file or {}).get("path", "")
        return os.path.getsize(path) if os.path.isfile(path) else -1
    return size


def wait_for(job, code: Status) -> None:
    deadline = time.monotonic() + 60
    while job.status().code != code:
        assert time.monotonic() < deadline, f"the job never reached {code}: {job.status()}"
        time.sleep(0.05)


class CountedCap(CacheCap):
    """The cap as the app runs it, counting the uploads it has finished with (its cut runs after the answer)."""
    cuts = threading.Semaphore(0)

    async def __call__(self, scope, receive, send):
        await super().__call__(scope, receive, send)
        if scope["type"] == "http" and scope["path"].endswith("/upload"):
            self.cuts.release()


def test_an_upload_whose_event_waits_in_the_queue_is_not_cut(tmp_path, monkeypatch):
    """The reviewer's case: the cap reached while a call's upload waits for its turn (one at a time here, as the
    training slot or four explorer calls can make it wait) no longer deletes that upload under it."""
    cache = tmp_path / "gradio"
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(cache))
    monkeypatch.setattr(limits, "MAX_TEMP_BYTES", 4 * MB)
    gate = threading.Event()
    with gr.Blocks() as demo:
        upload, out = gr.File(), gr.Number()
        gr.Button().click(size_when_let_through(gate), upload, out, api_name="size", preprocess=False,
                          concurrency_limit=1)
    demo.queue().launch(prevent_thread_lock=True, server_port=free_port(), quiet=True,
                        app_kwargs={"middleware": [Middleware(CountedCap, cache=cache)]})
    try:
        client = Client(demo.local_url, verbose=False)
        files = {}
        for name, mb in (("running", 1), ("waiting", 2), ("last", 4)):   # 7 MB against a 4 MB cap
            if name == "last":   # the others have waited a minute: only the queue holds them now
                for entry in cache.iterdir():
                    os.utime(entry, (entry.stat().st_mtime - 60,) * 2)
            (tmp_path / name).write_bytes(os.urandom(mb * MB))
            files[name] = client.submit(handle_file(str(tmp_path / name)), api_name="/size")
            wait_for(files[name], Status.PROCESSING if name == "running" else Status.IN_QUEUE)
        assert all(CountedCap.cuts.acquire(timeout=60) for _ in files)   # every upload's cut is over
        gate.set()
        sizes = {name: job.result(timeout=60) for name, job in files.items()}
    finally:
        gate.set()
        demo.close()
    assert sizes == {"running": 1 * MB, "waiting": 2 * MB, "last": 4 * MB}   # before: running and waiting -1
