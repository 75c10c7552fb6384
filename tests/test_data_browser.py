"""The Data tab in real Chromium: 64 pictures drawn at once, each with its class name, CIFAR-10's own pixels."""
import re

from nets.data.cifar import CIFAR10_CLASSES
from tests.test_browser import open_tab

# Every picture of the grid as drawn: its caption, alt text, decoded pixels (RGB, row by row), shown size.
DRAWN = """() => [...document.querySelectorAll('#data-gallery figure')].map(f => {
  const img = f.querySelector('img'), canvas = document.createElement('canvas');
  canvas.width = img.naturalWidth; canvas.height = img.naturalHeight;
  const ctx = canvas.getContext('2d'); ctx.drawImage(img, 0, 0);
  const rgba = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
  return {caption: f.querySelector('figcaption').innerText, alt: img.alt, complete: img.complete,
          pixels: [...rgba].filter((_, i) => i % 4 !== 3), width: img.getBoundingClientRect().width,
          rendering: getComputedStyle(img).imageRendering}; })"""
ALL_COMPLETE = """n => { const imgs = [...document.querySelectorAll('#data-gallery img')];
  return imgs.length === n && imgs.every(i => i.complete && i.naturalWidth > 0); }"""


def test_64_pictures_are_drawn_with_their_class_names_and_real_pixels(page, cifar):
    open_tab(page, "Data")
    page.get_by_text("CIFAR-10 ready").wait_for(timeout=30_000)
    box = page.get_by_label("number input for Number of images")
    box.fill("64")
    box.press("Tab")
    page.wait_for_function(ALL_COMPLETE, arg=64, timeout=30_000)
    drawn = page.evaluate(DRAWN)
    assert len(drawn) == 64
    for picture in drawn:
        index, name = re.fullmatch(r"#(\d+) (\w+)", picture["caption"]).groups()
        assert name == CIFAR10_CLASSES[cifar.test_y[int(index)]] and picture["alt"] == picture["caption"]
        assert picture["pixels"] == cifar.test_x[int(index)].permute(1, 2, 0).flatten().tolist()
        assert picture["width"] >= 64 and picture["rendering"] == "pixelated"   # 2x, crisp squares
    figure = page.locator("#data-gallery figure").first
    figure.focus()   # the keyboard (or a click) enlarges a picture
    assert page.evaluate("() => getComputedStyle(document.activeElement.querySelector('img')).transform") != "none"
    assert page.errors == []
