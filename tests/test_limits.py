"""Every limit has one home (nets.limits), a flag of app.py and an environment variable; the flag wins."""
import ast
import io
import os
import time
import urllib.error
import urllib.request

import pytest
import torch
from PIL import Image

import app
from nets import limits
from nets.builder.spec import build_model, check_spec
from nets.data.images import ImageError, decode_image
from nets.limits import LIMITS, MB
from nets.train.checkpoint import save_checkpoint
from tests.conftest import ROOT
from tests.test_train_app import conv_stack
from ui.training.model import UPLOAD_SCORE_IMAGES, images_within_budget
from ui.training.status import budget_words


def png(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


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
        "MAX_PICKLE_BYTES": 7 * MB, "MAX_RUN_S": 7 * 60, "MAX_TEMP_BYTES": 7 * MB, "MAX_PIXELS": 7_000_000,
        "MAX_REQUEST_MACS": 7 * limits.MACS_PER_CPU_SECOND, "MAX_SERVER_MEMORY_BYTES": 7 * MB,
        "MAX_VISITOR_BYTES": 7 * MB, "CLOSED_SESSION_S": 7}


def module_names(path) -> set[str]:
    """The names a module assigns at its top level or declares global."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    assigned = {t.id for node in tree.body if isinstance(node, (ast.Assign, ast.AnnAssign))
                for t in (node.targets if isinstance(node, ast.Assign) else [node.target]) if isinstance(t, ast.Name)}
    return assigned | {name for node in ast.walk(tree) if isinstance(node, ast.Global) for name in node.names}


def test_each_limit_has_one_name_that_grep_finds():
    code = [p for folder in ("nets", "ui", "visual") for p in (ROOT / folder).rglob("*.py")] + [ROOT / "app.py"]
    names = {p: module_names(p) for p in code}
    assert {limit.constant for limit in LIMITS} <= names[ROOT / "nets" / "limits.py"]   # set by name, not globals()
    for name in ("LIMITS", *(limit.constant for limit in LIMITS)):
        assert [p.relative_to(ROOT).as_posix() for p in code if name in names[p]] == ["nets/limits.py"], name


def test_the_readme_table_documents_every_limit():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for limit in LIMITS:
        assert f"| `{limit.variable}` | `{limit.flag}` | {limit.default} |" in readme


def test_the_pixel_limit_is_read_when_an_image_is_decoded(settled):
    settled.setenv("LAYERLAB_MAX_IMAGE_MEGAPIXELS", "1")
    limits.settle()
    big = png(Image.new("RGB", (1200, 1000)))   # 1.2 megapixels
    with pytest.raises(ImageError, match="(over|above) 1 megapixels"):
        decode_image(big, "big.png")
    settled.setenv("LAYERLAB_MAX_IMAGE_MEGAPIXELS", "2")
    limits.settle()
    x, _ = decode_image(big, "big.png")
    assert x.shape == (3, 32, 32) and x.dtype == torch.uint8


def test_the_cpu_budget_bounds_the_images_a_network_is_scored_on(settled):
    deep = build_model(conv_stack(8))
    settled.setenv("LAYERLAB_MAX_REQUEST_CPU_SECONDS", "1")
    limits.settle()
    one_second = images_within_budget(deep, UPLOAD_SCORE_IMAGES)
    settled.setenv("LAYERLAB_MAX_REQUEST_CPU_SECONDS", "2")
    limits.settle()
    assert images_within_budget(deep, UPLOAD_SCORE_IMAGES) in (2 * one_second, 2 * one_second + 1)
    assert one_second * check_spec(conv_stack(8)).macs <= limits.MACS_PER_CPU_SECOND


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


def data_ready(client) -> bool:
    try:
        client.predict("test", "all", 1, 0, api_name="/browse_data")
        return True
    except Exception:
        return False


def test_the_server_enforces_the_flag_over_the_environment(cifar, cifar_archive, cache_dir, tmp_path):
    from tests.conftest import start_app, stop_app
    env = dict(os.environ, LAYERLAB_CACHE=str(cache_dir), LAYERLAB_TEST_LOG=str(tmp_path / "app.log"),
               LAYERLAB_MAX_UPLOAD_MB="450", GRADIO_TEMP_DIR=str(tmp_path / "gradio"))
    proc, url = start_app(["--data", str(cifar_archive), "--max-upload-mb", "1", "--max-image-megapixels", "1",
                           "--max-request-cpu-seconds", "1"], env)
    try:
        assert upload(url, MB // 2) == 200
        assert upload(url, 2 * MB) == 413
        from gradio_client import Client, handle_file
        client = Client(url, verbose=False)
        deadline = time.monotonic() + 60
        while not data_ready(client) and time.monotonic() < deadline:   # read from the cache: a second or two
            time.sleep(0.5)
        (tmp_path / "big.png").write_bytes(png(Image.new("RGB", (1200, 1000))))
        with pytest.raises(Exception, match="(over|above) 1 megapixels"):
            client.predict(handle_file(str(tmp_path / "big.png")), api_name="/explorer_upload")
        deep = conv_stack(4)   # 0.6 MB; scored on the images one CPU second allows (1,000 with the default 3 s)
        path = save_checkpoint(tmp_path / "deep.safetensors", build_model(deep).state_dict(), arch=deep)
        loaded = client.predict(handle_file(str(path)), None, api_name="/load_checkpoint")[0]
        assert f"on {limits.MACS_PER_CPU_SECOND // check_spec(deep).macs:,} test images" in loaded
    finally:
        stop_app(proc)
