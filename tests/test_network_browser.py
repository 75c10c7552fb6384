"""The Network tab in real Chromium: the page's upload reaches LayerLab as Gradio's FileData (the event takes
its values as sent, issue 24), so a picture flows through the network and a file that is none is refused in
LayerLab's words."""
import numpy as np
from PIL import Image

from tests.test_browser import open_tab

WAIT = 30_000   # ms; the test machine's cores are shared, so the server can be slow to answer


def test_an_uploaded_picture_flows_and_a_non_picture_gets_layerlabs_refusal(page, tmp_path):
    open_tab(page, "Network")
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (48, 64, 3), dtype=np.uint8)).save(tmp_path / "a.png")
    (tmp_path / "notes.png").write_text("this is not an image")
    files = page.locator(".tabitem:visible input[type=file]").first
    files.set_input_files(str(tmp_path / "a.png"))
    page.get_by_text("your image, resized to 32x32").first.wait_for(timeout=WAIT)
    page.locator(".tabitem:visible").get_by_role("button", name="Remove Image").click()
    files.set_input_files(str(tmp_path / "notes.png"))
    page.get_by_text("notes.png is not an image PIL can read").first.wait_for(timeout=WAIT)
    assert "Could not preprocess" not in page.locator("body").inner_text()
