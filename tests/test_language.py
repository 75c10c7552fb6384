"""The page's language: one switch in the header changes every text at once, remembered and linkable."""
import json
import re

import pytest
from playwright.sync_api import expect

from nets.text import TRANSLATIONS, LearnerError, Phrase, locale_of, preferred_locale, text

TABS_EN = ["Lessons", "Data", "Layer explorer", "Training", "Network", "Builder", "Model zoo", "Save & load"]
TABS_ZH = [TRANSLATIONS["zh-CN"][f"{key}.tab"] for key in
           ("lessons", "data", "explorer", "train", "network", "builder", "zoo", "saving")]


def test_templates_fill_their_values_in_either_language(monkeypatch):
    monkeypatch.setitem(TRANSLATIONS["en"], "test.big", "{name} is {mb:,.1f} MB ({why})")
    monkeypatch.setitem(TRANSLATIONS["zh-CN"], "test.big", "{name} 有 {mb:,.1f} MB（{why}）")
    monkeypatch.setitem(TRANSLATIONS["en"], "test.why", "too big")
    monkeypatch.setitem(TRANSLATIONS["zh-CN"], "test.why", "太大")
    error = LearnerError("test.big", name="a.pth", mb=2048, why=Phrase("test.why"))
    assert str(error) == "a.pth is 2,048.0 MB (too big)"
    assert error.phrase.words("zh-CN") == "a.pth 有 2,048.0 MB（太大）"
    with pytest.raises(KeyError):
        text("no.such.key")
    with pytest.raises(KeyError):
        Phrase("test.big", name="a.pth")    # a value missing fails where the sentence is made


@pytest.mark.parametrize("tag, locale", [("zh", "zh-CN"), ("zh-CN", "zh-CN"), ("zh_Hans", "zh-CN"),
                                         ("en-US", "en"), ("fr", None), ("", None)])
def test_language_tags(tag, locale):
    assert locale_of(tag) == locale


def test_accept_language_picks_the_first_language_layerlab_speaks():
    assert preferred_locale("fr-FR,zh-CN;q=0.9,en;q=0.8") == "zh-CN"
    assert preferred_locale("de") == preferred_locale(None) == "en"


def test_the_first_page_holds_no_untranslated_marker():
    import app
    config = json.dumps(app.demo.get_config_file(), default=str)
    assert "translation_metadata" not in config
    assert "Layer explorer" in config   # written in English until the visitor's language is known


def tab_labels(page) -> list[str]:
    return [tab.inner_text().strip() for tab in page.get_by_role("tab").all()]


def test_chinese_browser_starts_in_chinese_and_one_switch_changes_every_tab(browser, client, app_url):
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    page.goto(app_url)
    page.get_by_role("tab", name=TABS_ZH[1]).wait_for(timeout=30_000)
    assert tab_labels(page) == TABS_ZH               # tabs never opened included
    page.get_by_role("tab", name=TABS_ZH[3]).click()
    page.get_by_text(TRANSLATIONS["zh-CN"]["train.start"]).first.wait_for()
    page.locator("#language").get_by_text("English", exact=True).click()
    page.get_by_role("tab", name="Builder").wait_for(timeout=30_000)
    assert tab_labels(page) == TABS_EN
    page.get_by_text(TRANSLATIONS["en"]["train.start"]).first.wait_for()   # the tab on screen changed too
    assert "lang=en" in page.url                     # the address links to the choice
    page.goto(app_url)                               # the choice outlives a reload in this browser
    page.get_by_role("tab", name="Builder").wait_for(timeout=30_000)
    assert tab_labels(page) == TABS_EN
    context.close()


def test_a_lang_link_opens_in_that_language(browser, client, app_url):
    context = browser.new_context(locale="en-US")
    page = context.new_page()
    page.goto(app_url + "?lang=zh")
    page.get_by_role("tab", name=TABS_ZH[1]).wait_for(timeout=30_000)
    assert tab_labels(page) == TABS_ZH
    context.close()


def test_a_switch_rewrites_what_the_server_already_wrote(browser, client, app_url):
    context = browser.new_context(locale="en-US")
    page = context.new_page()
    page.set_default_timeout(60_000)   # the machine's cores are shared
    page.goto(app_url)
    page.get_by_role("tab", name="Data", exact=True).click()
    page.locator("#data-gallery img").first.wait_for()   # the status says the data is ready
    status = page.locator(".tabitem:visible p").filter(has_text="CIFAR-10").first   # the Data tab's status line
    english = status.inner_text()
    page.locator("#language").get_by_text("中文", exact=True).click()
    page.get_by_role("tab", name=TABS_ZH[1]).wait_for()
    expect(status).not_to_have_text(english, timeout=60_000)           # page.redraw_on_switch rewrote it
    assert re.search(r"[\u4e00-\u9fff]", status.inner_text())
    page.locator("#language").get_by_text("English", exact=True).click()
    expect(status).to_have_text(english, timeout=60_000)
    context.close()


def test_a_switch_keeps_what_the_visitor_picked(browser, client, app_url):
    context = browser.new_context(locale="en-US")
    page = context.new_page()
    page.goto(app_url + "?lesson=maxpool")          # picked once the page's language is set
    page.locator("#lesson-maxpool").wait_for(timeout=30_000)
    lessons = page.locator("#lesson-pick")
    page.locator("#language").get_by_text("中文", exact=True).click()
    page.get_by_role("tab", name=TABS_ZH[1]).wait_for(timeout=30_000)
    page.get_by_text(TRANSLATIONS["zh-CN"]["lessons.maxpool.title"], exact=True).first.wait_for()
    checked = lessons.locator("input:checked")
    assert checked.count() == 1 and checked.input_value() == "maxpool"   # relabelled, still the lesson on screen
    page.locator("#language").get_by_text("English", exact=True).click()
    page.get_by_role("tab", name="Builder").wait_for(timeout=30_000)
    assert lessons.locator("input:checked").input_value() == "maxpool"
    assert page.locator("#lesson-maxpool").is_visible()
    context.close()
