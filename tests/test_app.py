"""The real app server, driven through gradio_client."""
import os
import subprocess
import sys
import time

import numpy as np
import pytest
from gradio_client import Client

from tests.conftest import ROOT, start_app, stop_app
from tests.test_explorer_api import picture


def test_import_app_does_no_loading():
    code = ("import app, ui.common.dataset as d; "
            "assert d.LOADER.data is None and d.LOADER.status.state == 'idle'; print('ok')")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.stdout.strip() == "ok", out.stderr


def test_data_view_serves_real_labelled_images(client, cifar):
    gallery, plot = client.predict("test", "cat", 6, 0, api_name="/browse_data")
    assert len(gallery) == 6
    for uri, caption in gallery:   # inline in the one answer
        index, label = caption.lstrip("#").split()
        assert label == "cat" and cifar.test_y[int(index)] == 3
        img = np.asarray(picture(uri))   # lossless, pixel for pixel
        assert np.array_equal(img, cifar.test_x[int(index)].permute(1, 2, 0).numpy())
    assert '"y":[5000,5000' in plot["plot"].replace(" ", "")


@pytest.mark.parametrize("args, message", [
    (("valid", "all", 4, 0), r"Split must be one of train, test; got 'valid'"),
    (("test", "unicorn", 4, 0), "Class must be one of all, airplane, .*; got 'unicorn'"),
    (("test", "all", 4, -1), "Seed must be between 0 and 2147483647, got -1"),
    (("test", "all", 65, 0), "Number of images must be between 1 and 64, got 65"),
])
def test_data_view_refuses_bad_values_clearly(client, args, message):
    with pytest.raises(Exception, match=message):
        client.predict(*args, api_name="/browse_data")
    assert len(client.predict("test", "all", 2, 0, api_name="/browse_data")[0]) == 2  # still serving


def error_of(client) -> str:
    try:
        client.predict("test", "all", 1, 0, api_name="/browse_data")
    except Exception as e:
        return str(e)
    return ""


def test_failed_download_keeps_the_app_running_and_says_what_to_do(tmp_path):
    env = dict(os.environ, LAYERLAB_CACHE=str(tmp_path / "cache"), LAYERLAB_TEST_LOG=str(tmp_path / "log"),
               LAYERLAB_CIFAR10_URL="http://127.0.0.1:9/cifar-10-python.tar.gz")  # nothing listens there
    env.pop("LAYERLAB_DATA", None)
    proc, url = start_app(["--root", str(tmp_path / "data")], env)
    try:
        client = Client(url, verbose=False)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                client.predict("test", "all", 1, 0, api_name="/browse_data")
            except Exception as e:
                if "not available" in str(e):
                    break
            time.sleep(0.3)
        with pytest.raises(Exception, match=r"Could not download CIFAR-10.*--data PATH.*cifar-10-python.tar.gz"):
            client.predict("test", "all", 1, 0, api_name="/browse_data")
        status = client.predict(api_name="/retry_data_load")[0]
        assert "Retrying" in status
        deadline = time.monotonic() + 30   # the retry fails the same way, and the server stays up
        while time.monotonic() < deadline and "still loading" in error_of(client):
            time.sleep(0.3)
        assert "Could not download CIFAR-10" in error_of(client) and proc.poll() is None
    finally:
        stop_app(proc)
