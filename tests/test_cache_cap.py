"""Gradio's cache is cut to LAYERLAB_MAX_TEMP_MB after each upload, oldest files first, the newest kept."""
import concurrent.futures
import os

import anyio

from nets import limits
from ui.tempfiles import CacheCap

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
