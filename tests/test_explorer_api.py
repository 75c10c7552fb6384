"""The explorer through the running app's API (gradio_client), bypassing the sliders."""
import base64
import io

import numpy as np
import pytest
import torch
from gradio_client import handle_file
from PIL import Image

from nets.explorer.layer import out_size
from ui.explorer.tab import API_DEFAULTS



def explore(client, **changes):
    return client.predict(**{**API_DEFAULTS, **changes}, api_name="/explore")


def picture(uri: str) -> Image.Image:
    """A picture /explore sends inline: a PNG data: URI."""
    head, data = uri.split(",", 1)
    assert head == "data:image/png;base64"
    return Image.open(io.BytesIO(base64.b64decode(data)))


def healthy(client) -> bool:
    status = explore(client, batch_size=2)[0]
    return "input (2, 3, 32, 32) → output (2, 6, 32, 32)" in status


def test_explore_serves_the_real_layer_output_as_pictures(client, cifar):
    out = explore(client, out_channels=16, batch_view="channel", channel=5, map_scale="per_map")
    status, input_png, output_png, maps_png = out[:4]
    assert "input (64, 3, 32, 32) → output (64, 16, 32, 32)" in status
    pick = torch.randperm(10000, generator=torch.Generator().manual_seed(0))[:64]
    grid = np.asarray(picture(input_png).convert("RGB"))
    scale = grid.shape[1] // (8 * 34 + 2)
    tile = grid[2 * scale:34 * scale:scale, (2 + 34) * scale:(34 + 34) * scale:scale]   # the second image
    assert np.array_equal(tile, cifar.test_x[pick[1]].permute(1, 2, 0).numpy())
    assert picture(output_png).mode == "L"     # one channel per image: grey, fast to encode
    assert picture(maps_png).mode == "P"       # colour-mapped through the PNG's palette
    assert out[4] == [] and out[9] == 1023    # no gallery for one layer; the window's last step


def test_explore_sends_a_chains_stages_as_captioned_pictures(client):
    out = explore(client, kind="Sequential", chain="Conv2d(3, 8, 3)\nReLU()\nMaxPool2d(2)")
    shapes = [caption.split(": ", 1)[1] for _, caption in out[4]]
    assert shapes == ["(64, 8, 30, 30)", "(64, 8, 30, 30)", "(64, 8, 15, 15)"]
    assert all(picture(uri).size[0] > 0 for uri, _ in out[4])


@pytest.mark.parametrize("changes, message", [
    (dict(stride=0), "stride must be between 1 and 8, got 0"),
    (dict(pool_stride=0, kind="MaxPool2d"), "pool_stride must be between 1 and 8, got 0"),
    (dict(padding=-3), "padding must be between 0 and 10, got -3"),
    (dict(out_channels=-1), "out_channels must be between 1 and 64, got -1"),
    (dict(kernel_size=1e12), "kernel_size must be between 1 and 11"),
    (dict(batch_size="many"), "Batch size must be a whole number"),
    (dict(kernel_size=11, dilation=4, padding=0), "larger than the padded input"),
    (dict(kind="AvgPool2d", pool_kernel=3, pool_padding=2), "at most half the kernel size"),
    (dict(kind="Sequential", chain="Conv2d(3, 32, 5)\nConv2d(16, 8, 3)"), "expects in_channels=16"),
    (dict(kind="Sequential", chain="__import__('os').system('true')"), "is not a layer: write it like MaxPool2d"),
    (dict(weights="grid", grid="1 x\n2 3"), "must be a number"),
    (dict(weights="grid", grid=12345), "rows of numbers"),
    (dict(padding_mode="mirror"), "padding_mode must be one of"),
    (dict(weights="trained"), "no trained model yet"),
])
def test_bad_values_sent_straight_to_the_api_get_one_sentence(client, changes, message):
    with pytest.raises(Exception, match=message):
        explore(client, **changes)
    assert healthy(client)


def write(tmp_path, name: str, data: bytes) -> str:
    (tmp_path / name).write_bytes(data)
    return str(tmp_path / name)


def png_bytes(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


@pytest.mark.parametrize("name, data, message", [
    ("truncated.png", png_bytes(Image.new("RGB", (80, 80), "blue"))[:70], "truncated or corrupt"),
    ("notes.png", b"just some text, not pixels", "not an image"),
    ("huge.png", png_bytes(Image.new("L", (10000, 10000))), "too large.*megapixels"),
], ids=["truncated", "not-an-image", "10000x10000"])
def test_broken_uploads_are_refused_and_the_server_stays_up(client, tmp_path, name, data, message):
    with pytest.raises(Exception, match=message):
        client.predict(handle_file(write(tmp_path, name, data)), api_name="/explorer_upload")
    assert healthy(client)


def test_sixteen_bit_upload_runs_at_its_own_resolution(client, tmp_path):
    ramp = (np.linspace(0, 65535, 600)[None, :].repeat(200, 0)).astype(np.uint16)
    path = write(tmp_path, "ramp16.png", png_bytes(Image.fromarray(ramp)))
    status = explore(client, source="upload", upload=handle_file(path), resolution="full", kind="MaxPool2d")[0]
    h, w = out_size(171, 2, 2), out_size(512, 2, 2)   # 200x600 fitted to a 512 px long side
    assert f"input (1, 3, 171, 512) → output (1, 3, {h}, {w})" in status


def test_an_upload_that_names_a_file_on_the_server_is_refused(client, tmp_path):
    """Only a file gradio_client sent (Gradio checks it is one of its uploads) is read: a bare path is not."""
    path = write(tmp_path, "server.png", png_bytes(Image.new("RGB", (8, 8), "red")))
    for upload in ({"path": path}, {"path": path, "meta": {"_type": "not a file"}}, path):
        with pytest.raises(Exception, match="did not arrive as a file"):
            explore(client, source="upload", upload=upload)
    assert healthy(client)


def test_explore_keeps_the_controls_names_and_defaults(client):
    """gradio_client callers pass /explore's parameters by name and leave out the ones at their default."""
    info = client.view_api(return_format="dict", print_info=False)["named_endpoints"]["/explore"]
    params = [(p["parameter_name"], p["parameter_has_default"], p["parameter_default"]) for p in info["parameters"]]
    assert params == [(name, True, value) for name, value in {**API_DEFAULTS, "upload": None}.items()]


def test_api_callers_get_the_explorer_in_the_language_of_their_accept_language(app_url):
    from gradio_client import Client
    zh = Client(app_url, verbose=False, headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    out = zh.predict(**{**API_DEFAULTS, "kind": "MaxPool2d", "pool_padding": 1}, api_name="/explore")
    status, slide_text, code = out[0], out[-4], out[-2]     # the State output is not sent to API callers
    assert "输入 (64, 3, 32, 32) → 输出 (64, 3, 17, 17)" in status and "**输出尺寸**" in status
    assert "✓ 实际张量是 17×17" in status and "而不是它说的 16×16" in status and "标签：" in status
    assert "窗口内 4 个数的最大值" in slide_text and "# 同样的窗口，用来对比" in code
    assert "the real tensor" not in status and "Labels:" not in status
    with pytest.raises(Exception, match="kernel_size 必须在 1 到 11 之间，收到的是 99"):
        zh.predict(**{**API_DEFAULTS, "kernel_size": 99}, api_name="/explore")
    with pytest.raises(Exception, match="卷积核比填充后的输入还大"):
        zh.predict(**{**API_DEFAULTS, "kernel_size": 11, "dilation": 4, "padding": 0}, api_name="/explore")
    english = Client(app_url, verbose=False).predict(**{**API_DEFAULTS, "kind": "MaxPool2d", "pool_padding": 1},
                                                     api_name="/explore")[0]
    assert "✓ the real tensor is 17×17" in english and "not the 16×16 it says" in english and "Labels: " in english
