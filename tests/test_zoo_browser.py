"""In Chromium: after a language switch the Model zoo, Save & load and Lessons tabs redraw what the server
wrote (numbers, code comments, the fetch button, the pickle inspection, the lesson's open button)."""
from nets.text import TRANSLATIONS, text
from tests.test_browser import open_tab
from ui.lessons_tab import LINKS

ZH = TRANSLATIONS["zh-CN"]


def test_server_text_follows_a_language_switch(page):
    page.locator('#lesson-pick input[value="vgg16"]').click()
    page.locator("#lesson-open").get_by_text(text("lessons.open_zoo")).wait_for()
    open_tab(page, "Model zoo")
    page.locator("strong", has_text="138,357,544 parameters").first.wait_for(timeout=30_000)
    open_tab(page, "Save & load")
    page.get_by_role("button", name=text("saving.inspect")).click()
    page.get_by_text("KB pickle").wait_for(timeout=30_000)

    page.locator("#language").get_by_text("中文", exact=True).click()
    page.get_by_text("对“搭建”页的网络，使用随机权重（还没有训练）执行").wait_for(timeout=30_000)
    open_tab(page, ZH["zoo.tab"])
    page.locator("strong", has_text="138,357,544 个参数").first.wait_for(timeout=30_000)
    assert page.get_by_text(ZH["zoo.code_weights"]).count() == 3        # each version's code comment
    page.get_by_text(ZH["zoo.pretrained"]).click()
    page.get_by_role("button", name="下载 vgg16 的 ImageNet 权重（528 MB）并对一张测试图像分类").wait_for()
    open_tab(page, ZH["lessons.tab"])
    shown = page.locator("#lesson-pick input:checked").get_attribute("value")      # the lesson on screen
    page.locator("#lesson-open").get_by_text(ZH[f"lessons.open_{LINKS[shown][0]}"]).wait_for()
    assert page.locator("strong", has_text="parameters").count() == 0 and page.errors == []
