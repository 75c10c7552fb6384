"""The Training tab in real Chromium: a run streams into the page where the learner looks, closing the page ends it,
and what the server wrote follows a language switch."""
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from nets.text import TRANSLATIONS
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
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="en-US")
    page.goto(app_url)
    page.get_by_role("tab", name="Training").first.click()
    page.get_by_role("button", name="Start training").wait_for()
    return page


@pytest.mark.parametrize("close_when", ["streaming", "right after Start"])
def test_closing_the_page_ends_its_training(app_url, client, close_when):
    def start_then_close(browser):
        page = open_training(browser, app_url)
        page.get_by_label("Epochs").fill("50")   # all 50,000 images, 50 epochs: an hour on a CPU
        page.get_by_role("button", name="Start training").click()
        if close_when == "streaming":   # the status line's speed; the plan above it says one before the run
            page.locator("#train-status").get_by_text("images/s").wait_for(timeout=60_000)
        page.close()   # right after Start: before the page opened the run's event stream, or just after
    in_browser(start_then_close)
    # One run at a time: this one only finishes if the closed page's run stopped.
    final = client.submit(*TINY.values(), api_name="/train").result(timeout=120)
    assert "Done" in final[0]


def test_a_run_in_the_page_shows_progress_and_results(app_url):
    def train_in_page(browser):
        page = open_training(browser, app_url)
        page.get_by_role("button", name="Quick runs").click()   # the accordion (the plan names it too)
        images = page.get_by_label("Training images (0 = all 50,000)").first
        images.fill("2000")
        images.press("Enter")
        page.get_by_label("Epochs").fill("2")
        page.get_by_role("button", name="Start training").click()
        page.get_by_text("Done:").wait_for(timeout=120_000)
        page.locator(".js-plotly-plot").nth(4).wait_for(timeout=30_000)   # Plotly draws after the data arrives
        return page.locator(".js-plotly-plot").count(), page.get_by_text("#1 adam lr 0.002").count()
    plots, listed = in_browser(train_in_page)
    assert plots >= 5   # loss, epochs, confusion, per class, runs compared
    assert listed >= 1   # the run is listed for comparison


# Boxes of the things the learner must see; plotly's legend and title; the gallery's captions, cut or whole.
IN_VIEW = """sel => { const r = document.querySelector(sel).getBoundingClientRect();
                     return r.top >= 0 && r.bottom <= innerHeight && r.height > 0; }"""
OVERLAPS = """() => [...document.querySelectorAll('.js-plotly-plot')].filter(plot => {
    const title = plot.querySelector('.gtitle'), legend = plot.querySelector('.legend');
    if (!title || !legend) return false;
    const a = title.getBoundingClientRect(), b = legend.getBoundingClientRect();
    return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom; })
    .map(plot => plot.querySelector('.gtitle').textContent)"""
CUT_CAPTIONS = """() => [...document.querySelectorAll('#train-gallery .caption-label, #train-gallery .caption')]
    .filter(c => c.scrollWidth > c.clientWidth + 1).map(c => c.textContent)"""
NEGATIVE_TICKS = """() => [...document.querySelectorAll('.js-plotly-plot .xtick text, .js-plotly-plot .ytick text')]
    .map(t => t.textContent).filter(t => /^[-\u2212]/.test(t))"""


def test_the_learner_sees_the_cost_then_the_run_where_they_pressed_start(app_url):
    def train_in_page(browser):
        page = open_training(browser, app_url)
        page.locator("#train-plan").get_by_text("This run:").wait_for(timeout=30_000)   # said before it starts
        negative_ticks = page.evaluate(NEGATIVE_TICKS)   # the empty charts
        page.get_by_role("button", name="Quick runs").click()   # the accordion (the plan names it too)
        images = page.get_by_label("Training images (0 = all 50,000)").first
        images.fill("2000")
        images.press("Enter")
        page.get_by_label("Epochs").fill("2")
        page.get_by_label("Epochs").press("Enter")
        page.locator("#train-plan").get_by_text("30 steps").wait_for(timeout=30_000)   # 2 epochs × 2,000 // 128
        page.get_by_role("button", name="Start training").click()
        page.locator("#train-status").get_by_text("images/s").wait_for(timeout=60_000)
        seen = page.evaluate(IN_VIEW, "#train-status"), page.evaluate(IN_VIEW, "#train-start")
        page.get_by_text("Done:").wait_for(timeout=120_000)
        page.locator("#train-gallery img").first.wait_for(timeout=60_000)
        overlaps, cut = page.evaluate(OVERLAPS), page.evaluate(CUT_CAPTIONS)
        page.locator("#language").get_by_text("中文", exact=True).click()
        page.locator("#train-status").get_by_text("完成：").wait_for(timeout=30_000)   # redrawn in Chinese
        titles = page.locator(".js-plotly-plot .gtitle").all_text_contents()
        return negative_ticks, seen, overlaps, cut, titles
    negative_ticks, seen, overlaps, cut, titles = in_browser(train_in_page)
    assert not negative_ticks        # empty charts' axes start at 0
    assert seen == (True, True)      # the status of the run, in view where Start was pressed
    assert not overlaps              # no legend over a chart's title
    assert not cut                   # "✗ truck 22% · automobile", whole
    zh = TRANSLATIONS["zh-CN"]
    assert {zh["train.chart_loss"], zh["train.chart_confusion"], zh["train.chart_per_class"]} <= set(titles)
