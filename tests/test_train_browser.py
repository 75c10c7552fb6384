"""The Training tab in real Chromium: a run streams into the page, and closing the page ends it."""
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.test_train_app import TINY

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def in_browser(test):
    """Run test(browser) on a fresh Chromium in a thread of its own."""
    # Playwright's sync API refuses to start while another instance (tests/test_browser.py's
    # session fixture) holds this thread's event loop; a worker thread has none.
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium).", pytrace=False)

    def run():
        from playwright.sync_api import sync_playwright
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                return test(browser)
            finally:
                browser.close()
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(run).result()


def open_training(browser, app_url):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(app_url)
    page.get_by_role("tab", name="Training").first.click()
    page.get_by_role("button", name="Start training").wait_for()
    return page


def test_closing_the_page_ends_its_training(app_url, client):
    def start_then_close(browser):
        page = open_training(browser, app_url)
        page.get_by_label("Epochs").fill("50")   # all 50,000 images, 50 epochs: an hour on a CPU
        page.get_by_role("button", name="Start training").click()
        page.get_by_text("images/s").first.wait_for(timeout=60_000)   # the run is streaming into the page
        page.close()
    in_browser(start_then_close)
    # One run at a time: this one only finishes if the closed page's run stopped.
    final = client.submit(*TINY.values(), api_name="/train").result(timeout=120)
    assert "Done" in final[0]


def test_a_run_in_the_page_shows_progress_and_results(app_url):
    def train_in_page(browser):
        page = open_training(browser, app_url)
        page.get_by_text("Quick runs").click()
        images = page.get_by_label("Training images (0 = all 50,000)").first
        images.fill("2000")
        images.press("Enter")
        page.get_by_label("Epochs").fill("2")
        page.get_by_role("button", name="Start training").click()
        page.get_by_text("Done:").wait_for(timeout=120_000)
        return page.locator(".js-plotly-plot").count(), page.get_by_text("#1 adam lr 0.002").count()
    plots, listed = in_browser(train_in_page)
    assert plots >= 5   # loss, epochs, confusion, per class, runs compared
    assert listed >= 1   # the run is listed for comparison
