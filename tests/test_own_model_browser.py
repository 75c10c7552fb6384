"""The page started with `--model` in real Chromium: it says whose network it shows, the Network view walks the
learner's residual network (the skip connection and the flatten where they happen), the explorer shows a named
layer of it on the batch as it arrives there, and the Training tab shows their class in the loop and trains it."""
import os

import pytest

from tests.conftest import ROOT, settle, start_app, stop_app
from tests.test_browser import open_tab

WAIT = 60_000   # ms; the test machine's cores are shared


@pytest.fixture(scope="module")
def residual_url(cifar, cifar_archive, cache_dir, tmp_path_factory):
    log = tmp_path_factory.mktemp("own-browser") / "app.log"
    env = dict(os.environ, LAYERLAB_CACHE=str(cache_dir), LAYERLAB_TEST_LOG=str(log), PYTHONUNBUFFERED="1")
    proc, url = start_app(["--data", str(cifar_archive), "--model", str(ROOT / "tests/own_models/residual.py")],
                          env, timeout=180)
    yield url
    stop_app(proc)


def test_the_page_walks_the_learners_own_network(browser, residual_url):
    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        page.goto(residual_url)
        page.get_by_text("Your network: ResNet").first.wait_for(timeout=WAIT)
        settle(page)
        open_tab(page, "Network")
        page.get_by_role("button", name="Show the network").click()
        tab = page.locator(".tabitem:visible")
        tab.get_by_text("block1.relu (2)", exact=True).wait_for(timeout=WAIT)
        assert tab.get_by_text("→ fc", exact=True).count() == 1   # the flatten in forward, before fc
        page.get_by_text("Explore one layer of your network").click()
        page.get_by_role("button", name="Show the layer").click()
        tab.get_by_text("what arrives at stem: (8, 3, 32, 32)").wait_for(timeout=WAIT)
        tab.get_by_text("Step 1 of 1024").wait_for(timeout=WAIT)   # the explorer's window over the stem's input
        step = tab.get_by_label("Step", exact=True)
        step.fill("100")
        step.press("Enter")
        tab.get_by_text("output row 3, column 4 (channel 0)").wait_for(timeout=WAIT)
        # the histogram, the kernel and the window drawn: Plotly draws after the text arrives, so wait for it
        tab.locator(".js-plotly-plot").nth(2).wait_for(timeout=WAIT)
        open_tab(page, "Training")   # their class in the loop, then a short run of it
        page.locator("#own-loop").get_by_text("from residual import ResNet").wait_for(timeout=WAIT)
        training = page.locator(".tabitem:visible")
        training.get_by_role("button", name="Quick runs").click()
        images = training.get_by_label("Training images (0 = all 50,000)").first
        images.fill("640")
        images.press("Enter")
        training.get_by_label("Epochs", exact=True).fill("1")
        training.get_by_role("button", name="Start training").click()
        page.get_by_text("Done:").wait_for(timeout=120_000)
        assert "Traceback" not in page.locator("body").inner_text()
    finally:
        context.close()
