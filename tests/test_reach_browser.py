"""Issue 25, in real Chromium: a learner reaches every view with the keyboard, by a pasted link, in dark mode, and
reads the charts whole."""
import io
from urllib.parse import parse_qs, urlparse

from PIL import Image, ImageStat
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from nets.text import TRANSLATIONS
from tests.conftest import settle

WAIT = 60_000   # ms; the machine's cores are shared: the server can be slow
EN = TRANSLATIONS["en"]
# Each visible plotly figure's text: its words, box, and fill colour; the figure's own box and background.
FIGURE_TEXTS = """(title) => [...document.querySelectorAll('.js-plotly-plot')].filter(p => p.offsetParent
    && p.textContent.includes(title)).map(p => {
  const svg = p.querySelector('.main-svg').getBoundingClientRect();
  return {box: [svg.left, svg.right, svg.top, svg.bottom],
          background: getComputedStyle(p.querySelector('.main-svg')).backgroundColor,
          texts: [...p.querySelectorAll('text')].filter(t => t.textContent.trim()).map(t => {
            const r = t.getBoundingClientRect();
            return {text: t.textContent, cls: t.closest('g')?.getAttribute('class') || '', fill: getComputedStyle(t).fill,
                    box: [r.left, r.right, r.top, r.bottom]}; })}; })"""


def open_page(browser, url: str, **options):
    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900}, **options)
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.goto(url)
    page.get_by_role("tab", name=EN["data.tab"], exact=True).wait_for(timeout=WAIT)
    settle(page)
    return context, page


def query(page) -> dict:
    return {k: v[0] for k, v in parse_qs(urlparse(page.url).query).items()}


def selected_tab(page) -> str:
    return page.evaluate("() => document.querySelector('[role=tab][aria-selected=true]').dataset.tabId")


def test_the_keyboard_reaches_run_in_a_few_presses_and_arrows_move_along_the_tabs(browser, client, app_url):
    context, page = open_page(browser, app_url)
    page.locator("body").click(position={"x": 5, "y": 5})
    presses = 0
    while not page.evaluate("() => document.activeElement?.id === 'lesson-run'") and presses < 60:
        page.keyboard.press("Tab")
        presses += 1
    assert presses <= 8, f"{presses} Tab presses to reach Run (25 before)"
    page.locator("#lesson-pick input:checked").focus()   # the lessons: one stop, the arrows move along them
    page.keyboard.press("ArrowDown")
    page.locator("#lesson-conv2d").wait_for(timeout=WAIT)
    assert page.locator('#lesson-pick input[value="conv2d"]').is_checked() and page.locator("#lesson-module").is_hidden()
    page.keyboard.press("Shift+Tab")   # back to the tab list: the selected tab is its one stop
    assert page.evaluate("() => document.activeElement.dataset.tabId") == "lessons"
    page.keyboard.press("ArrowRight")
    page.wait_for_function("() => document.activeElement.dataset.tabId === 'data'")
    assert selected_tab(page) == "data"
    page.keyboard.press("End")
    page.wait_for_function("() => document.activeElement.dataset.tabId === 'saving'")
    page.keyboard.press("ArrowRight")   # round to the first
    page.wait_for_function("() => document.activeElement.dataset.tabId === 'lessons'")
    page.keyboard.press("ArrowLeft")
    page.wait_for_function("() => document.activeElement.dataset.tabId === 'saving'")
    assert selected_tab(page) == "saving" and page.get_by_text(EN["saving.tab"]).first.is_visible()
    assert page.errors == []
    context.close()


def test_the_address_bar_follows_the_learner_and_a_pasted_link_opens_the_same_view(browser, client, app_url):
    context, page = open_page(browser, app_url + "?lang=en")
    page.locator('#lesson-pick input[value="maxpool"]').click()
    page.locator("#lesson-maxpool").wait_for()
    page.wait_for_function("() => location.search.includes('lesson=maxpool')")
    page.get_by_role("tab", name=EN["train.tab"], exact=True).click()
    page.wait_for_function("() => location.search.includes('tab=training')")
    assert query(page) == {"lang": "en", "lesson": "maxpool", "tab": "training"}
    link = page.url
    context.close()
    context, page = open_page(browser, link)   # the teacher's link, pasted by a learner
    page.wait_for_function("() => document.querySelector('[role=tab][aria-selected=true]').dataset.tabId === 'training'",
                           timeout=WAIT)
    page.locator("#train-start").wait_for()
    assert page.locator('#lesson-pick input[value="maxpool"]').is_checked()
    assert query(page)["tab"] == "training"
    page.get_by_role("tab", name=EN["lessons.tab"], exact=True).click()
    page.locator("#lesson-maxpool").wait_for()
    page.wait_for_function("() => location.search.includes('tab=lessons')")
    assert page.errors == []
    context.close()


def luminance(rgb: str) -> float:
    r, g, b = (float(v) for v in rgb[rgb.index("(") + 1:rgb.index(")")].split(",")[:3])
    return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255


def test_in_dark_mode_the_charts_are_dark_with_light_words(browser, client, app_url, screenshots):
    context, page = open_page(browser, app_url, color_scheme="dark")
    assert page.evaluate("() => !!document.querySelector('.dark')"), "Gradio follows the browser's dark mode"
    page.get_by_role("tab", name=EN["train.tab"], exact=True).click()
    page.locator(".js-plotly-plot").filter(has_text=EN["train.chart_epochs"]).first.wait_for(timeout=WAIT)
    page.wait_for_timeout(500)
    page.screenshot(path=screenshots / "training-dark.png", full_page=True)
    for title in (EN["train.chart_loss"], EN["train.chart_epochs"]):
        figure, = page.evaluate(FIGURE_TEXTS, title)
        background = figure["background"]
        assert background in ("rgba(0, 0, 0, 0)", "transparent") or luminance(background) < 0.3, background
        words = [t for t in figure["texts"] if t["text"] in (title, "0", "100", EN["train.axis_accuracy"])]
        assert len(words) >= 3 and all(luminance(t["fill"]) > 0.6 for t in words), words
    chart = page.locator(".js-plotly-plot").filter(has_text=EN["train.chart_epochs"]).first
    shot = Image.open(io.BytesIO(chart.screenshot(path=screenshots / "epochs-dark.png"))).convert("L")
    mean = ImageStat.Stat(shot).mean[0]
    assert mean < 100, f"the chart is a dark panel (mean brightness {mean:.0f} of 255; a white panel is ~250)"
    assert page.errors == []
    context.close()


def test_the_epoch_charts_right_axis_shows_100_and_its_title_clear_of_the_ticks(page):
    page.get_by_role("tab", name=EN["train.tab"], exact=True).click()
    page.locator(".js-plotly-plot").filter(has_text=EN["train.chart_epochs"]).first.wait_for(timeout=WAIT)
    page.wait_for_timeout(500)
    figure, = page.evaluate(FIGURE_TEXTS, EN["train.chart_epochs"])
    left, right, top, bottom = figure["box"]
    ticks = [t for t in figure["texts"] if "y2tick" in t["cls"]]
    assert "100" in [t["text"] for t in ticks], ticks
    title = next(t for t in figure["texts"] if t["text"] == EN["train.axis_accuracy"])
    for t in [*ticks, title]:
        assert left <= t["box"][0] and t["box"][1] <= right + 0.5, f"{t['text']!r} cut at the chart's right edge"
    assert all(t["box"][1] <= title["box"][0] for t in ticks), "the title sits right of the tick labels"
    assert page.errors == []


# Each text in the visible tables and the page's title: how many lines each word (title) or cell takes.
BROKEN_WORDS = """() => {
  const lines = (node, start, end) => { const r = document.createRange(); r.setStart(node, start); r.setEnd(node, end);
    return r.getClientRects().length; };
  const out = [];
  const title = document.querySelector('#app-title h1').firstChild;
  for (const m of title.textContent.matchAll(/\\S+/g))
    if (lines(title, m.index, m.index + m[0].length) > 1) out.push(m[0]);
  for (const cell of document.querySelectorAll('.tabitem td, .tabitem th')) {
    if (!cell.offsetParent) continue;
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode())
      if (n.textContent.trim() && lines(n, 0, n.textContent.length) > 1) out.push(n.textContent);
  }
  return out; }"""


# How far each of the explorer's picture labels reaches down over its first picture, where it does.
LABELS_OVER_PICTURES = """() => ['explorer-input', 'explorer-output'].map(id => {
  const frame = document.getElementById(id), label = frame.closest('.block').querySelector('[data-testid=block-label]');
  return Math.round(label.getBoundingClientRect().bottom - frame.querySelector('img').getBoundingClientRect().top);
}).filter(over => over > 0)"""


def test_on_a_phone_nothing_breaks_and_a_slider_and_its_result_share_the_screen(browser, client, app_url, screenshots):
    context = browser.new_context(locale="en-US", viewport={"width": 390, "height": 844}, has_touch=True)
    page = context.new_page()
    page.goto(app_url + "?tab=explorer")
    page.get_by_text("output (64, 6, 32, 32)").first.wait_for(timeout=WAIT)
    settle(page)
    page.screenshot(path=screenshots / "explorer-390.png", full_page=True)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390, "no sideways scroll"
    assert page.evaluate(BROKEN_WORDS) == [], "no word of the title and no number in a table is cut in two"
    covered = page.evaluate(LABELS_OVER_PICTURES)
    assert covered == [], f"a label covers its pictures' top row by {covered} px (the label floated over them)"
    formula = page.locator(".tabitem:visible pre", has_text="H_out").first
    assert formula.evaluate("e => e.scrollWidth <= e.clientWidth"), "the formula's numbers are in view, not cut"
    box = page.get_by_label("number input for kernel_size").first
    box.scroll_into_view_if_needed()
    box.fill("5")
    box.press("Enter")
    page.get_by_text("output (64, 6, 30, 30)").first.wait_for(timeout=WAIT)
    page.wait_for_timeout(500)
    output = page.locator("#explorer-output img").bounding_box()
    kernel = box.bounding_box()
    assert 0 <= output["y"] and output["y"] + output["height"] <= 844, f"the output picture is on screen: {output}"
    assert 0 <= kernel["y"] and kernel["y"] + kernel["height"] <= 844 and kernel["y"] > output["y"] + 40
    page.screenshot(path=screenshots / "explorer-390-slider.png")
    context.close()


def test_a_teachers_link_opens_the_explorer_on_the_layer_and_settings_it_names(browser, client, app_url):
    context, page = open_page(browser, app_url + "?tab=explorer&kind=MaxPool2d&pool_kernel=3&pool_stride=3")
    page.get_by_text("output (64, 3, 10, 10)").first.wait_for(timeout=WAIT)   # (32 - 3) // 3 + 1
    assert page.get_by_role("radio", name="MaxPool2d", exact=True).is_checked()
    assert page.get_by_label("number input for kernel_size (pooling window)").input_value() == "3"
    page.get_by_role("radio", name="AvgPool2d", exact=True).check()   # the learner changes the view
    page.get_by_text("AvgPool2d(kernel_size=3").first.wait_for(timeout=WAIT)
    page.wait_for_function("() => location.search.includes('kind=AvgPool2d')")
    assert query(page) == {"tab": "explorer", "kind": "AvgPool2d", "pool_kernel": "3", "pool_stride": "3"}
    link = page.url
    context.close()
    context, page = open_page(browser, link)
    page.get_by_text("AvgPool2d(kernel_size=3").first.wait_for(timeout=WAIT)
    assert page.get_by_role("radio", name="AvgPool2d", exact=True).is_checked()
    context.close()
    context, page = open_page(browser, app_url + "?tab=explorer&kind=Nonsense&pool_kernel=99")   # left alone
    page.get_by_text("output (64, 6, 32, 32)").first.wait_for(timeout=WAIT)
    assert page.get_by_role("radio", name="Conv2d", exact=True).is_checked() and page.errors == []
    context.close()


def test_start_training_is_on_the_first_screen_and_whole_on_a_phone(browser, client, app_url):
    """The tab's loop listing pushed Start 1,060 px down a 900 px window; on a phone the run's status, squeezed into
    a 34 px column beside Start and Stop, stretched Start 778 px tall, and Start came 1,940 px down, after every
    training control."""
    for width, height in ((1400, 900), (390, 844)):
        context = browser.new_context(locale="en-US", viewport={"width": width, "height": height})
        page = context.new_page()
        page.goto(app_url + "?tab=training")
        start = page.locator("#train-start")
        start.wait_for(timeout=WAIT)
        settle(page)
        box, status = start.bounding_box(), page.locator("#train-status").bounding_box()
        if width == 1400:
            assert box["y"] + box["height"] <= height, f"Start at {box['y']:.0f} px, below the first screen"
            loop = page.locator("#train-loop")
            assert loop.is_hidden()   # the listing waits, closed, under its title
            page.get_by_text(EN["train.loop_title"]).click()
            loop.get_by_text("optimizer.zero_grad()").wait_for(timeout=WAIT)
        else:   # the columns stack: Start, its plan and the charts before the controls (Start was under all 11)
            assert box["height"] < 80 and status["width"] > 200, (box, status)
            control = page.get_by_role("combobox", name=EN["train.optimizer"]).bounding_box()
            chart = page.locator(".js-plotly-plot").filter(has_text=EN["train.chart_loss"]).first.bounding_box()
            quick = page.locator("#train-quick").bounding_box()
            assert quick["y"] < box["y"] < chart["y"] < control["y"], (quick, box, chart, control)
        context.close()


IN_VIEW = "e => { const r = e.getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight + 1; }"   # px


def in_view(box: dict | None, height: int) -> bool:
    return box is not None and 0 <= box["y"] and box["y"] + box["height"] <= height + 1   # a scroll's fraction of a px


def scrolled_to(page, locator) -> dict | None:
    """The element's box once the page's scrolling has brought it into view, or after 10 s as it then stands."""
    try:
        page.wait_for_function(IN_VIEW, arg=locator.element_handle(), timeout=10_000)
    except PlaywrightTimeout:
        pass
    return locator.bounding_box()


def test_the_builders_one_click_fix_is_in_view_with_its_error_after_the_click_that_caused_it(browser, client, app_url):
    """A Conv2d added after Flatten: the table grew under the learner's click, and the error and its fix button
    were 1,180 px down a 900 px window (1,480 px down at 390 px)."""
    from tests.test_builder_browser import add_after
    for width, height in ((1400, 900), (390, 844)):
        context = browser.new_context(locale="en-US", viewport={"width": width, "height": height})
        page = context.new_page()
        page.goto(app_url + "?tab=builder")
        page.get_by_text("The network runs:").wait_for(timeout=WAIT)
        settle(page)
        add_after(page, 6, "Conv2d")
        fix = page.get_by_role("button", name="Fix: Move conv4 before Flatten", exact=False)
        fix.wait_for(timeout=WAIT)
        error = page.get_by_text("✗ layer 8:").first
        assert in_view(scrolled_to(page, fix), height) and in_view(error.bounding_box(), height), \
            (width, fix.bounding_box(), error.bounding_box())
        context.close()


def test_a_lessons_open_button_lands_on_the_explorers_layer_not_mid_page(browser, client, app_url):
    """At 390 px the explorer opened where the lesson had been scrolled to, 3,900 px down at its sliding window, the
    layer the lesson set 2,600 px above the screen."""
    for width, height in ((1400, 900), (390, 844)):
        context = browser.new_context(locale="en-US", viewport={"width": width, "height": height})
        page = context.new_page()
        page.goto(app_url + "?lesson=maxpool")
        page.locator("#lesson-maxpool").wait_for(timeout=WAIT)
        settle(page)
        page.get_by_role("button", name=EN["lessons.open_explorer"]).click()   # scrolled to it, as the learner does
        layer = page.get_by_role("radio", name="MaxPool2d", exact=True)
        page.wait_for_function("() => document.querySelector('[role=tab][aria-selected=true]')?.dataset.tabId"
                               " === 'explorer'", timeout=WAIT)   # between two tabs, for a moment none is selected
        layer.wait_for(timeout=WAIT)
        page.wait_for_function("e => e.checked", arg=layer.element_handle(), timeout=WAIT)
        assert in_view(scrolled_to(page, layer), height), (width, layer.bounding_box())
        context.close()


def test_on_a_phone_the_language_switch_is_one_short_line_under_the_title(browser, client, app_url):
    """At 390 px English and 中文 stood in a 78 px stack in a box of their own under the title."""
    context = browser.new_context(locale="en-US", viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(app_url)
    page.get_by_role("tab", name=EN["data.tab"], exact=True).wait_for(timeout=WAIT)
    settle(page)   # the page's CSS and fonts in place before its boxes are measured
    switch, title = page.locator("#language"), page.locator("#app-title").bounding_box()
    english, chinese = (page.get_by_role("radio", name=name).bounding_box() for name in ("English", "中文"))
    assert abs(english["y"] - chinese["y"]) < 2, (english, chinese)   # side by side
    assert switch.bounding_box()["height"] <= 40 and switch.bounding_box()["y"] >= title["y"] + title["height"] - 1
    assert max(english["x"] + english["width"], chinese["x"] + chinese["width"]) <= 390
    page.get_by_role("radio", name="中文").check()   # it still switches
    page.get_by_role("tab", name=TRANSLATIONS["zh-CN"]["data.tab"], exact=True).wait_for(timeout=WAIT)
    context.close()


# Where a lesson's column starts on screen, in px (None while it is hidden).
LESSON_TOP = """(id) => { const c = document.getElementById(id);
  return c?.offsetParent ? c.getBoundingClientRect().top : null; }"""


def test_on_a_phone_picking_a_lesson_brings_its_content_into_view(browser, client, app_url):
    """At 390 px the 11 lessons' list comes before the lesson: a pick changed content below the list, off screen.
    The page opens where it starts; at 1400 px (the list beside the lesson) a pick does not move the page."""
    for width, height in ((390, 844), (1400, 900)):
        context = browser.new_context(locale="en-US", viewport={"width": width, "height": height})
        page = context.new_page()
        page.goto(app_url)
        page.locator("#lesson-module").wait_for(timeout=WAIT)
        settle(page)
        assert page.evaluate("() => scrollY") == 0, "the page opens at its top"
        page.locator('#lesson-pick label:has(input[value="maxpool"])').click()
        page.locator("#lesson-maxpool").wait_for(timeout=WAIT)
        scrolled = page.evaluate("() => scrollY")
        if width == 390:
            try:   # the page may still be scrolling to it
                page.wait_for_function(f"() => Math.abs(({LESSON_TOP})('lesson-maxpool')) < 2", timeout=10_000)
            except PlaywrightTimeout:
                pass
            top = page.evaluate(LESSON_TOP, "lesson-maxpool")
            assert -1 <= top <= height / 4, f"the lesson picked starts near the screen's top: {top} px"
        else:
            page.wait_for_timeout(500)
            assert page.evaluate("() => scrollY") == scrolled, "beside the list, the page stays where it is"
        context.close()


# The explorer's tables that scroll sideways inside their box: how far each reaches past it (px).
TABLES_CUT = """() => [...document.querySelectorAll('.tabitem .prose table')].filter(t => t.offsetParent)
  .map(t => t.scrollWidth - t.clientWidth).filter(cut => cut > 1)"""


def test_on_a_phone_the_explorers_statistics_table_shows_every_column(browser, client, app_url):
    """At 390 px the statistics' last column was cut ("% zer…"), scrolling sideways with nothing to show it does."""
    for kind in ("Conv2d", "Sigmoid"):   # Sigmoid's table has a seventh column, % saturated
        context = browser.new_context(locale="en-US", viewport={"width": 390, "height": 844})
        page = context.new_page()
        page.goto(app_url + f"?tab=explorer&kind={kind}")
        page.locator(".tabitem .prose th", has_text="% zero").first.wait_for(timeout=WAIT)
        settle(page)
        assert page.evaluate(TABLES_CUT) == [], f"{kind}: the tables fit their box (px past it)"
        context.close()
