"""The Builder tab in real Chromium: edit a cell, add then remove, and the one-click fix, as a learner does."""
from tests.test_browser import open_tab

WAIT = 30_000   # ms; the test machine's cores are shared, so the server can be slow to answer
TUTORIAL = ["conv1", "pool1", "conv2", "pool2", "conv3", "pool3", "flatten", "fc1", "fc2"]
PASSING = "The network runs:"
NOT_CHECKED = "not checked: an earlier layer fails"


def cell(page, row: int, col: int):
    """One cell of the layer table (rows and columns from 0, as Gradio's data-testid numbers them)."""
    return page.locator(f'[data-testid="cell-{row}-{col}"]')


def table_rows(page) -> list[list[str]]:
    """The layer table as the learner sees it: the text of each row's cells."""
    rows = page.locator(".virtual-row").evaluate_all(
        "rows => rows.map(r => [...r.querySelectorAll('[role=gridcell] .cell-wrap > span')]"
        "  .map(c => c.innerText.trim()))")   # the cell's text, without its menu button
    return sorted(rows, key=lambda r: int(r[0]))


def names(page) -> list[str]:
    return [r[1] for r in table_rows(page)]


def type_in_cell(page, row: int, col: int, text: str) -> None:
    """Double-click a cell, replace what it holds and press Enter, as a learner edits it."""
    cell(page, row, col).dblclick()
    editor = cell(page, row, col).get_by_label("Edit cell")
    editor.fill(text)
    editor.press("Enter")


def add_after(page, row: int, kind: str) -> None:
    """Click a row, pick a layer type and press "Add after selected"; wait for the longer table."""
    count = len(table_rows(page))
    cell(page, row, 2).click()
    page.get_by_label("Layer type").click()
    page.get_by_role("option", name=kind, exact=True).click()
    page.get_by_role("button", name="Add after selected").click()
    page.wait_for_function(f"() => document.querySelectorAll('.virtual-row').length === {count + 1}", timeout=WAIT)


def open_builder(page) -> None:
    open_tab(page, "Builder")
    page.get_by_text(PASSING).wait_for(timeout=WAIT)
    assert names(page) == TUTORIAL


def test_a_broken_cell_hides_no_layer_and_repairing_it_by_hand_brings_every_layer_back(page, screenshots):
    open_builder(page)
    type_in_cell(page, 7, 3, "512, 64")   # fc1 = Linear(512, 64) cannot take the 1024 flattened numbers
    cell(page, 7, 6).get_by_text("mat1 and mat2 shapes cannot be multiplied").wait_for(timeout=WAIT)
    rows = table_rows(page)
    assert [r[1] for r in rows] == TUTORIAL, "fc2 must stay in the table while fc1 fails"
    assert rows[7][3] == "512, 64" and rows[7][6].startswith("✗")
    assert rows[8][2:4] == ["Linear", "64, 10"] and rows[8][6] == NOT_CHECKED
    page.screenshot(path=screenshots / "builder-fc1-fails.png", full_page=True)

    type_in_cell(page, 7, 3, "1024, 64")  # repaired by hand, not with the fix button
    page.get_by_text(PASSING).wait_for(timeout=WAIT)
    rows = table_rows(page)
    assert [r[1] for r in rows] == TUTORIAL
    assert [r[6] for r in rows] == ["✓"] * len(TUTORIAL) and rows[8][4] == "(1, 10)"
    assert page.get_by_text("network ends with shape").count() == 0
    assert page.errors == []


def test_remove_right_after_add_removes_the_layer_just_added(page, screenshots):
    open_builder(page)
    add_after(page, 6, "Conv2d")                      # after flatten
    assert names(page)[6:8] == ["flatten", "conv4"]
    page.screenshot(path=screenshots / "builder-conv-after-flatten.png", full_page=True)

    page.get_by_role("button", name="Remove selected").click()
    page.wait_for_function("() => document.querySelectorAll('.virtual-row').length === 9", timeout=WAIT)
    assert names(page) == TUTORIAL, "the Conv2d just added goes, Flatten stays"
    page.get_by_text(PASSING).wait_for(timeout=WAIT)
    assert page.errors == []


def test_a_conv2d_after_flatten_gets_a_one_click_fix_that_makes_the_network_run(page, screenshots):
    open_builder(page)
    add_after(page, 6, "Conv2d")                      # a Conv2d after flatten gets a 2-d input
    fix = page.get_by_role("button", name="Fix: Move conv4 before Flatten")
    fix.wait_for(timeout=WAIT)
    assert page.get_by_text("already flattened").count() >= 1
    assert names(page) == TUTORIAL[:7] + ["conv4"] + TUTORIAL[7:], "every layer stays in the table"
    page.screenshot(path=screenshots / "builder-fix-offered.png", full_page=True)

    fix.click()
    page.get_by_text(PASSING).wait_for(timeout=WAIT)
    rows = table_rows(page)
    assert [r[2] for r in rows][5:8] == ["MaxPool2d", "Conv2d", "Flatten"]
    assert all(r[6] == "✓" for r in rows)
    assert not fix.is_visible()
    assert page.errors == []


def test_a_chinese_visitor_reads_the_builder_and_data_tabs_in_chinese_and_one_switch_redraws_them(
        browser, client, app_url):
    from nets.text import TRANSLATIONS
    zh = TRANSLATIONS["zh-CN"]
    page = browser.new_context(locale="zh-CN").new_page()
    page.goto(app_url)
    open_tab(page, zh["data.tab"])
    page.get_by_text("CIFAR-10 已就绪。").wait_for(timeout=WAIT)    # the server's status, worded for the visitor
    open_tab(page, zh["builder.tab"])
    page.get_by_text("网络能跑通：").wait_for(timeout=WAIT)
    page.get_by_text("限制（保证每个网络都能在 CPU 上训练）").wait_for(timeout=WAIT)
    assert page.get_by_text(zh["builder.not_checked"]).count() == 0
    type_in_cell(page, 7, 3, "512, 64")
    page.get_by_text(zh["builder.not_checked"]).first.wait_for(timeout=WAIT)
    page.locator("#language").get_by_text("English", exact=True).click()
    page.get_by_text(NOT_CHECKED).first.wait_for(timeout=WAIT)        # the text already on screen, redrawn
    page.get_by_text("Limits, so every network stays trainable on a CPU").wait_for(timeout=WAIT)
    page.get_by_role("button", name="Fix: Set fc1.in_features = 1024").wait_for(timeout=WAIT)
    open_tab(page, "Data")
    page.get_by_text("CIFAR-10 ready.").wait_for(timeout=WAIT)
    page.context.close()
