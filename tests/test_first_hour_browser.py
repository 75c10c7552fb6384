"""Issue 25, a learner's first hour, done as the learner did it in real Chromium: what they read must be where they
look, with the numbers in it, in their language."""
import re

from nets.text import TRANSLATIONS
from tests.conftest import settle

WAIT = 60_000   # ms; the machine's cores are shared: the server can be slow
ZH = TRANSLATIONS["zh-CN"]


def open_page(browser, app_url: str, locale: str = "en-US", width: int = 1280):
    context = browser.new_context(locale=locale, viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto(app_url)
    page.get_by_role("tab", name=TRANSLATIONS["en" if locale == "en-US" else locale]["data.tab"], exact=True) \
        .wait_for(timeout=WAIT)
    settle(page)
    return context, page


def test_a_stopped_run_says_its_accuracy_and_the_plan_names_the_runs_threads(browser, client, app_url):
    context, page = open_page(browser, app_url, "zh-CN")
    page.get_by_role("tab", name=ZH["train.tab"], exact=True).click()
    plan = page.locator("#train-plan")
    plan.locator("strong").get_by_text("这次训练").wait_for(timeout=WAIT)   # bold, its asterisks gone
    assert "**" not in plan.inner_text()
    page.get_by_label(ZH["train.epochs"]).fill("50")   # all 50,000 images, 50 epochs: long enough to stop
    page.get_by_label(ZH["train.epochs"]).press("Enter")
    page.locator("#train-plan").get_by_text("50 次测试").wait_for(timeout=WAIT)
    page.get_by_role("button", name=ZH["train.start"], exact=True).click()
    status = page.locator("#train-status")
    status.get_by_text("张图片").first.wait_for(timeout=WAIT)
    device = re.search(r"CPU（[^）]*）", status.inner_text())
    assert device and device.group(0) in plan.inner_text(), (status.inner_text(), plan.inner_text())
    page.get_by_role("button", name=ZH["train.stop"], exact=True).click()
    status.get_by_text(re.compile(r"它的测试准确率：\d+(\.\d)?%")).wait_for(timeout=WAIT)
    context.close()
