"""Gradio's cache lives in the server process's own folder, which the next start removes once the process is gone."""
import os
import subprocess
import sys
from pathlib import Path

from ui.common import tempfiles


def test_gradio_caches_in_the_process_folder_that_the_next_start_removes():
    code = """
import os, app, gradio.utils
cache = gradio.utils.get_upload_folder()
os.makedirs(cache, exist_ok=True)
open(os.path.join(cache, "left.png"), "wb").close()   # a file Gradio cached
print(os.getpid(), app.demo.GRADIO_CACHE, cache)
"""
    env = {k: v for k, v in os.environ.items() if k != "GRADIO_TEMP_DIR"}
    run = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).resolve().parent.parent, env=env,
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-2000:]
    pid, cache, uploads = run.stdout.split()[-3:]
    expected = tempfiles.ROOT / pid / "gradio"
    assert Path(cache) == Path(uploads) == expected and (expected / "left.png").exists()
    assert tempfiles.ROOT / pid in tempfiles.remove_stale()   # the next start: the killed server's files go
    assert not expected.exists()


def test_a_folder_the_host_chose_is_kept(monkeypatch, tmp_path):
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path))
    tempfiles.hold_gradio_cache()
    assert os.environ["GRADIO_TEMP_DIR"] == str(tmp_path)
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tempfiles.ROOT / "1" / "gradio"))   # a parent LayerLab's own
    tempfiles.hold_gradio_cache()
    assert os.environ["GRADIO_TEMP_DIR"] == str(tempfiles.folder("gradio"))
