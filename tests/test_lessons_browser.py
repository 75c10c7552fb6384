"""Every lesson in real Chromium, in English and in a zh-CN browser: run it, open its tab, check the settings."""
import re

import pytest

from nets.lessons.catalog import LESSONS, lesson_source
from nets.text import TRANSLATIONS
from tests.conftest import settle
from ui.lessons_tab import LINKS

TAB_KEYS = {"explorer": "explorer.tab", "training": "train.tab", "builder": "builder.tab", "zoo": "zoo.tab",
            "saving": "saving.tab"}
SLIDER_LABELS = {"out_channels": "out_channels", "kernel_size": "kernel_size", "stride": "stride",
                 "padding": "padding", "dilation": "dilation", "pool_kernel": "pool_kernel_size", "pool_stride": "stride",
                 "pool_padding": "padding", "pool_dilation": "dilation", "out_features": "out_features"}


def last_printed(lesson: str) -> str:
    """The last result the lesson's code shows in a comment: the run has printed everything before it."""
    return re.findall(r"print\(.*\)  # (.+)", lesson_source(lesson))[-1]


def plain(markdown: str) -> str:
    """The start of a Markdown text as the page renders it (code and bold marks dropped)."""
    return re.sub(r"[`*]", "", markdown)[:30]


def table_for(locale: str) -> dict:
    return TRANSLATIONS["en" if locale == "en-US" else locale]


def open_page(browser, url: str, locale: str):
    context = browser.new_context(locale=locale, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.on("console", lambda m: page.errors.append(m.text) if m.type == "error" else None)
    page.goto(url)
    page.get_by_role("tab", name=table_for(locale)["lessons.tab"], exact=True).wait_for(timeout=30_000)
    settle(page)
    return context, page


def check_explorer(page, table: dict, controls: dict) -> None:
    """The explorer shows the lesson's layer with the lesson's numbers."""
    kind = page.get_by_role("radio", name=controls["kind"], exact=True)
    kind.wait_for()
    assert kind.is_checked()
    for name, value in controls.items():
        if name in SLIDER_LABELS:
            box = page.get_by_label(f"number input for {table['explorer.' + SLIDER_LABELS[name]]}", exact=True)
            assert box.locator("visible=true").input_value() == str(value), name
    if "chain" in controls:
        assert page.get_by_label(table["explorer.chain"]).input_value() == controls["chain"]


@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
def test_every_lesson_runs_and_opens_its_tab(browser, client, app_url, locale):  # noqa: F811
    table = table_for(locale)
    context, page = open_page(browser, app_url, locale)
    for done, lesson in enumerate(LESSONS, 1):
        page.locator(f'#lesson-pick input[value="{lesson}"]').click()
        page.locator(f"#lesson-{lesson}").wait_for()
        assert plain(table[f"lessons.{lesson}.text"]) in page.locator(f"#lesson-{lesson}").inner_text()
        page.locator("#lesson-run").click()
        page.locator("#lesson-output").get_by_text(last_printed(lesson), exact=True).last.wait_for(timeout=60_000)
        page.wait_for_function("n => document.querySelector('#lessons-runs input').value == n", arg=str(done))
        page.locator("#lesson-open").click()
        target, controls = LINKS[lesson]
        tab = page.get_by_role("tab", name=table[TAB_KEYS[target]], exact=True)
        page.wait_for_function("el => el.getAttribute('aria-selected') === 'true'", arg=tab.element_handle())
        if controls:
            page.wait_for_timeout(1000)   # the open button sets the controls, then the explorer redraws
            check_explorer(page, table, controls)
        elif target == "zoo":
            assert page.get_by_role("radio", name="vgg16", exact=True).is_checked()
        page.get_by_role("tab", name=table["lessons.tab"], exact=True).click()
    assert page.errors == []
    page.reload()   # a request still on its way is aborted: Gradio's page logs that, and that alone is allowed
    page.locator("#lesson-module").wait_for()
    page.wait_for_function("() => document.querySelector('#lessons-runs input').value == '11'", timeout=30_000)
    opened = table["lessons.opened"].format(n=len(LESSONS), total=len(LESSONS))
    page.locator("#lessons-opened").get_by_text(opened).wait_for()
    assert all("AbortError" in e or "errored out" in e for e in page.errors)
    context.close()


def test_a_lesson_link_opens_that_lesson_in_chinese(browser, client, app_url):  # noqa: F811
    context, page = open_page(browser, app_url + "?lesson=maxpool", "zh-CN")
    page.locator("#lesson-maxpool").wait_for()
    assert page.locator('#lesson-pick input[value="maxpool"]').is_checked()
    assert page.locator("#lesson-module").is_hidden()
    page.get_by_text(plain(TRANSLATIONS["zh-CN"]["lessons.maxpool.slip1"])).wait_for()
    page.locator("#lessons-opened").get_by_text(TRANSLATIONS["zh-CN"]["lessons.opened"].format(
        n=1, total=len(LESSONS))).wait_for()
    titles = [TRANSLATIONS["zh-CN"][f"lessons.{k}.title"] for k in LESSONS]   # listed once: the one picker
    assert page.evaluate("ts => [...document.querySelectorAll('label')].filter(l => l.offsetParent && "
                         "ts.includes(l.textContent.trim())).length", titles) == len(LESSONS)
    assert page.errors == []
    context.close()
