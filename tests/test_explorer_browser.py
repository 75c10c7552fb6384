"""The Layer explorer in real Chromium, driven as a learner drives it: drag, type + Enter, arrow keys.

The fixtures `browser`, `page` and `screenshots` are in conftest.py."""
import base64
import io

import numpy as np
from PIL import Image
from playwright.sync_api import expect

from tests.test_browser import open_tab

OUTPUT_SRC = "() => document.querySelector('#explorer-output img')?.src || ''"


def open_explorer(page):
    open_tab(page, "Layer explorer")
    page.get_by_text("output (64, 6, 32, 32)").first.wait_for(timeout=60_000)   # Conv2d(3, 6, 3) at start
    page.wait_for_function(OUTPUT_SRC, timeout=30_000)


def wait_for_output(page, shape: str, old_src: str) -> None:
    """The status names the new output shape and the output picture is a new one."""
    page.get_by_text(f"output {shape}").first.wait_for(timeout=30_000)
    page.wait_for_function(f"old => ({OUTPUT_SRC})() !== old", arg=old_src, timeout=30_000)


def test_typed_value_and_enter_redraws_the_view(page):
    open_explorer(page)
    old = page.evaluate(OUTPUT_SRC)
    box = page.get_by_label("number input for stride").first
    box.fill("2")
    box.press("Enter")   # no blur: the learner stays in the box
    wait_for_output(page, "(64, 6, 16, 16)", old)
    assert "stride=2," in page.locator("body").inner_text()
    assert page.errors == []


def test_arrow_keys_in_a_number_box_redraw_the_view(page):
    open_explorer(page)
    box = page.get_by_label("number input for padding").first
    box.focus()
    old = page.evaluate(OUTPUT_SRC)
    box.press("ArrowDown")   # padding 1 -> 0: 32x32 becomes 30x30
    wait_for_output(page, "(64, 6, 30, 30)", old)
    old = page.evaluate(OUTPUT_SRC)
    box.press("ArrowUp")
    box.press("ArrowUp")     # padding 2: 34x34
    wait_for_output(page, "(64, 6, 34, 34)", old)
    assert box.input_value() == "2"
    assert page.errors == []


def test_dragging_a_slider_shows_the_value_it_stops_at(page):
    open_explorer(page)
    old = page.evaluate(OUTPUT_SRC)
    slider = page.get_by_label("range slider for out_channels").first
    slider.scroll_into_view_if_needed()
    track = slider.bounding_box()
    y = track["y"] + track["height"] / 2
    page.mouse.move(track["x"] + 2, y)
    page.mouse.down()
    for f in (0.2, 0.4, 0.6):
        page.mouse.move(track["x"] + track["width"] * f, y, steps=3)
    holding = "() => document.body.classList.contains('ll-holding')"   # the figures below not drawn meanwhile
    assert page.evaluate(holding)
    page.mouse.up()
    value = int(page.get_by_label("number input for out_channels").first.input_value())
    assert value > 6
    wait_for_output(page, f"(64, {value}, 32, 32)", old)
    # While held, the slider's updates bring pictures alone; the release brings the code and figures of the
    # value it stops at.
    page.get_by_text(f"nn.Conv2d(3, {value}").first.wait_for(timeout=30_000)
    page.wait_for_timeout(1000)   # nothing stale arrives after the last value
    body = page.locator("body").inner_text()
    assert f"output (64, {value}, 32, 32)" in body
    assert f"nn.Conv2d(3, {value}" in body   # the code below the pictures, drawn again once the slider is let go
    assert page.evaluate(OUTPUT_SRC).startswith("data:image/webp")   # exact, after the previews while held
    assert f"out_channels={value}" in page.url   # the address bar names the value let go on: a link opens it
    assert not page.evaluate(holding)
    assert page.errors == []


def test_a_hand_resting_on_a_held_slider_sees_the_exact_picture_before_letting_go(page):
    """While the slider moves, its pictures are previews (JPEGs); resting on a value, still holding, brings the
    value's exact picture (a lossless WebP) without letting go."""
    open_explorer(page)
    page.evaluate("""() => { window.kinds = [];
      new MutationObserver(() => window.kinds.push(document.querySelector('#explorer-output img').src.slice(0, 15)))
        .observe(document.querySelector('#explorer-output img'), {attributes: true, attributeFilter: ['src']}); }""")
    slider = page.get_by_label("range slider for kernel_size").first
    slider.scroll_into_view_if_needed()
    track = slider.bounding_box()
    y = track["y"] + track["height"] / 2
    at = lambda value: track["x"] + 8 + (track["width"] - 16) * (value - 1) / 10   # the thumb's centre, 1..11
    page.mouse.move(at(3), y)
    page.mouse.down()
    page.mouse.move(at(5), y, steps=4)
    page.get_by_text("output (64, 6, 30, 30)").first.wait_for(timeout=30_000)
    page.wait_for_function("() => window.kinds.at(-1) === 'data:image/webp'", timeout=30_000)   # still held
    assert "data:image/jpeg" in page.evaluate("window.kinds")
    page.mouse.up()
    assert page.get_by_label("number input for kernel_size").first.input_value() == "5"
    page.get_by_text("nn.Conv2d(3, 6, kernel_size=5").first.wait_for(timeout=30_000)
    assert page.evaluate(OUTPUT_SRC).startswith("data:image/webp")
    assert page.errors == []


def test_the_sliding_window_jumps_to_a_typed_step_and_scrubs_with_the_arrows(page, screenshots):
    open_explorer(page)
    box = page.get_by_label("number input for Step").first
    box.fill("500")
    box.press("Enter")
    page.get_by_text("Step 501 of 1024").wait_for(timeout=30_000)
    assert page.get_by_text("output row 15, column 20").count() >= 1
    box.press("ArrowUp")
    page.get_by_text("Step 502 of 1024").wait_for(timeout=30_000)
    assert box.input_value() == "501"   # the box and the picture agree (steps count from 0, the text from 1)
    page.get_by_text("torch computed").first.scroll_into_view_if_needed()
    page.screenshot(path=screenshots / "explorer-sliding-window.png", full_page=True)
    assert page.errors == []


def test_layers_without_a_window_or_maps_hide_those_panels(page):
    open_explorer(page)
    page.get_by_label("Linear", exact=True).check()
    page.get_by_text("output (64, 10)").first.wait_for(timeout=30_000)
    page.wait_for_timeout(500)
    assert not page.locator("#explorer-maps").is_visible()
    assert not page.get_by_label("number input for Step").first.is_visible()
    assert page.get_by_text("1 images").count() == 0
    # The 64 x 10 scores, a tall picture, stay on screen instead of stretching to the panel's width (2,342 px).
    assert page.locator("#explorer-output img").bounding_box()["height"] <= 0.75 * page.viewport_size["height"] + 1
    page.get_by_label("ReLU", exact=True).check()
    page.get_by_text("ReLU() · input").first.wait_for(timeout=30_000)
    page.wait_for_timeout(500)
    assert page.locator("#explorer-maps").is_visible()
    assert not page.get_by_label("number input for Step").first.is_visible()
    assert page.errors == []


def test_a_language_switch_rewrites_the_view_on_screen(page):
    open_explorer(page)
    page.locator("#language").get_by_text("中文", exact=True).click()
    page.get_by_text("输入 (64, 3, 32, 32) → 输出 (64, 6, 32, 32)").first.wait_for(timeout=30_000)
    body = page.locator("body").inner_text()
    assert "✓ 实际张量是 32×32" in body and "标签：" in body and "# PyTorch 的默认初始化" in body
    assert "the real tensor" not in body and "Labels:" not in body
    # The pictures' words too, and the pictures themselves still shown (their panels' labels changed under them).
    for frame in ("explorer-input", "explorer-output", "explorer-maps"):
        picture = page.locator(f"#{frame}")
        expect(picture.locator("a.ll-download")).to_have_text("下载 PNG", timeout=30_000)
        assert picture.locator("img").get_attribute("title") == "点击：全屏"
        assert picture.locator("img").evaluate("img => img.complete && img.naturalWidth > 0 && img.src.startsWith('data:')")
    assert page.locator("#explorer-output img").get_attribute("alt") == "输出批量"
    page.locator("#language").get_by_text("English", exact=True).click()
    page.get_by_text("✓ the real tensor is 32×32").first.wait_for(timeout=30_000)
    expect(page.locator("#explorer-output a.ll-download")).to_have_text("download PNG", timeout=30_000)
    assert page.errors == []


def test_download_png_saves_the_shown_picture_as_a_png(page):
    open_explorer(page)
    head, data = page.evaluate(OUTPUT_SRC).split(",", 1)
    assert head == "data:image/webp;base64"   # the page gets lossless WebPs: faster to write
    with page.expect_download() as download:
        page.locator("#explorer-output").get_by_text("download PNG").click()
    saved = Image.open(download.value.path())
    assert saved.format == "PNG" and download.value.suggested_filename == "explorer-output.png"
    shown = Image.open(io.BytesIO(base64.b64decode(data)))
    assert np.array_equal(np.asarray(saved.convert("RGB")), np.asarray(shown.convert("RGB")))   # pixel for pixel


def test_removing_the_upload_goes_back_to_the_cifar10_batch(page, tmp_path):
    open_explorer(page)
    page.get_by_label("Your image", exact=True).check()
    path = tmp_path / "mine.png"
    Image.fromarray(np.arange(40 * 48 * 3, dtype=np.uint8).reshape(40, 48, 3)).save(path)
    page.locator(".tabitem:visible input[type=file]").first.set_input_files(str(path))
    page.get_by_text("input (1, 3, 32, 32)").first.wait_for(timeout=60_000)
    assert "mine.png" in page.locator("body").inner_text()
    tab = page.locator(".tabitem:visible")
    tab.get_by_role("button", name="Clear").first.click()      # the file box's ✕
    page.get_by_text("input (64, 3, 32, 32)").first.wait_for(timeout=60_000)
    expect(page.get_by_label("CIFAR-10 batch", exact=True)).to_be_checked()
    expect(tab).not_to_contain_text("mine.png")
    assert page.errors == []


def test_the_channel_and_image_boxes_show_what_the_view_draws(page):
    open_explorer(page)
    box = page.get_by_label("number input for Channel").first
    box.fill("40")
    box.press("Enter")                                   # Conv2d(3, 6, 3): channels 0 to 5
    expect(box).to_have_value("5", timeout=30_000)
    image = page.get_by_label("number input for Image of the batch").first
    image.fill("50")
    image.press("Enter")
    batch = page.get_by_label("number input for Batch size").first
    batch.fill("4")
    batch.press("Enter")
    page.get_by_text("input (4, 3, 32, 32)").first.wait_for(timeout=30_000)
    expect(image).to_have_value("3", timeout=30_000)     # images 0 to 3
    assert page.errors == []
