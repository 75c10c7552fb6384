"""Every limit has one home (nets.limits), a flag of app.py and an environment variable; the flag wins."""
import os
import urllib.error
import urllib.request

import pytest

import app
from nets import limits
from nets.limits import LIMITS, MB
from ui.training_status import budget_words


@pytest.fixture
def settled(monkeypatch):
    """Lets a test settle the limits again; each constant is put back afterwards."""
    for limit in LIMITS:
        monkeypatch.setattr(limits, limit.constant, getattr(limits, limit.constant))
    return monkeypatch


def test_the_environment_sets_a_limit_and_the_flag_wins(settled):
    settled.setenv("LAYERLAB_MAX_RUN_MINUTES", "3")
    limits.settle(app.parse_args([]))
    assert limits.MAX_RUN_S == 180 and budget_words("en") == "3 minutes"
    limits.settle(app.parse_args(["--max-run-minutes", "2"]))
    assert limits.MAX_RUN_S == 120 and budget_words("en") == "2 minutes"
    settled.delenv("LAYERLAB_MAX_RUN_MINUTES")
    limits.settle(app.parse_args([]))
    assert limits.MAX_RUN_S == 15 * 60


def test_every_limit_is_read_where_its_table_says(settled):
    for limit in LIMITS:
        settled.setenv(limit.variable, "7")
    limits.settle()
    assert {limit.constant: getattr(limits, limit.constant) for limit in LIMITS} == {
        "MAX_UPLOAD_BYTES": 7 * MB, "MAX_UNPACKED_BYTES": 7 * MB, "MAX_ENTRIES": 7,
        "MAX_PICKLE_BYTES": 7 * MB, "MAX_RUN_S": 7 * 60, "MAX_TEMP_BYTES": 7 * MB, "CLOSED_SESSION_S": 7}


def test_help_lists_every_limit_with_its_variable_and_default():
    text = " ".join(app.parser().format_help().split())
    for limit in LIMITS:
        assert f"{limit.flag} {limit.unit.upper()}" in text
        assert f"Default {limit.default:,} {limit.unit}; also ${limit.variable}." in text


@pytest.mark.parametrize("value", ["lots", "0", "-3", "2.5"])
def test_a_flag_that_is_not_a_whole_number_above_0_is_refused(value, capsys):
    with pytest.raises(SystemExit):
        app.parse_args(["--max-upload-mb", value])
    assert f"--max-upload-mb must be a whole number above 0, not {value!r}" in capsys.readouterr().err


@pytest.mark.parametrize("value", ["lots", "0", ""])
def test_an_environment_value_that_is_not_a_whole_number_above_0_is_refused(settled, value):
    settled.setenv("LAYERLAB_MAX_ENTRIES", value)
    with pytest.raises(ValueError, match=f"MAX_ENTRIES must be a whole number above 0, not {value!r}"):
        limits.settle()


def upload(url: str, size: int) -> int:
    """POST a file of size bytes to Gradio's upload route; the HTTP status."""
    boundary = "layerlab"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"w.pth\"\r\n"
            f"Content-Type: application/octet-stream\r\n\r\n").encode() + b"\0" * size + \
        f"\r\n--{boundary}--\r\n".encode()
    request = urllib.request.Request(url + "gradio_api/upload", body, method="POST",
                                     headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status
    except urllib.error.HTTPError as e:
        return e.code


def test_the_server_enforces_the_flag_over_the_environment(cifar_archive, cache_dir, tmp_path):
    from tests.conftest import start_app, stop_app
    env = dict(os.environ, LAYERLAB_CACHE=str(cache_dir), LAYERLAB_TEST_LOG=str(tmp_path / "app.log"),
               LAYERLAB_MAX_UPLOAD_MB="450", GRADIO_TEMP_DIR=str(tmp_path / "gradio"))
    proc, url = start_app(["--data", str(cifar_archive), "--max-upload-mb", "1"], env)
    try:
        assert upload(url, MB // 2) == 200
        assert upload(url, 2 * MB) == 413
    finally:
        stop_app(proc)
