"""Layout in real Chromium: code boxes show every line, and the Network tab's upload box can be read."""
import pytest

from nets.lessons.catalog import LESSONS
from nets.text import TRANSLATIONS
from tests.conftest import CODE_SHOWS
from tests.test_browser import open_tab

WAIT = 30_000   # ms; the test machine's cores are shared, so the server can be slow to answer

# Each visible code box: its size against its content's, and every line against the box's right edge.
CODE_BOXES = """() => [...document.querySelectorAll('.cm-scroller')].filter(s => s.offsetParent).map(s => {
  const right = s.getBoundingClientRect().right;
  const lines = [...s.querySelectorAll('.cm-line')];
  return {scroll: [s.scrollWidth, s.scrollHeight], client: [s.clientWidth, s.clientHeight],
          cut: lines.filter(l => l.getBoundingClientRect().right > right + 1 || l.scrollWidth > l.clientWidth + 1)
                    .map(l => l.textContent), text: lines.map(l => l.textContent).join('\\n')}})"""

# Each visible code box's last line number, and how far it sits from the last line it numbers.
LINE_NUMBERS = """() => [...document.querySelectorAll('.cm-editor')].filter(e => e.offsetParent).map(e => {
  const lines = e.querySelectorAll('.cm-line');
  const numbers = e.querySelectorAll('.cm-lineNumbers .cm-gutterElement');
  const last = lines[lines.length - 1], number = numbers[numbers.length - 1];
  return {lines: lines.length, last_number: +number.textContent,
          offset: Math.abs(last.getBoundingClientRect().bottom - number.getBoundingClientRect().bottom)}})"""

# Every piece of text in a block: whether it lies inside the block and whether its element overflows.
TEXTS_INSIDE = """b => { const box = b.getBoundingClientRect(), out = [];
  const walker = document.createTreeWalker(b, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const e = n.parentElement;
    if (!n.textContent.trim() || !e.offsetParent) continue;
    const range = document.createRange(); range.selectNodeContents(n); const r = range.getBoundingClientRect();
    out.push({text: n.textContent.trim(), lines: range.getClientRects().length,
              inside: r.left >= box.left - 1 && r.right <= box.right + 1 && r.top >= box.top - 1 && r.bottom <= box.bottom + 1,
              overflow: e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).display !== 'inline'}); }
  return out }"""


def test_every_model_zoo_code_box_shows_all_its_lines(page, screenshots):
    open_tab(page, "Model zoo")
    for model in ("vgg16", "resnet18"):
        page.get_by_label(model, exact=True).check()
        page.wait_for_function("m => [...document.querySelectorAll('.cm-content')].some(c => c.textContent"
                               ".includes(`torchvision.models.${m}(`))", arg=model, timeout=WAIT)
        page.wait_for_timeout(500)
        boxes = page.evaluate(CODE_BOXES)
        assert len(boxes) == 6, "code and head of the original and both ways"
        for box in boxes:
            assert box["scroll"][0] <= box["client"][0] and box["scroll"][1] <= box["client"][1], box
            assert box["cut"] == [], f"lines cut off: {box['cut']}"
        assert sum("out_features=10," in b["text"] for b in boxes) == 2, "both heads show the new 10-class layer"
        page.screenshot(path=screenshots / f"zoo-{model}.png", full_page=True)
    assert page.errors == []


def scrolled_sideways(page) -> list[str]:
    """The start of each visible code box that the learner would have to scroll sideways to read."""
    for box in page.locator(".cm-editor:visible").all():
        box.scroll_into_view_if_needed()   # as the learner scrolls to it
    page.wait_for_timeout(300)
    return [b["text"][:60] for b in page.evaluate(CODE_BOXES) if b["scroll"][0] > b["client"][0] or b["cut"]]


@pytest.mark.parametrize("language", ["English", "中文"])
def test_no_code_box_a_learner_reads_scrolls_sideways(page, screenshots, language):
    table = TRANSLATIONS["en" if language == "English" else "zh-CN"]
    page.locator("#language").get_by_text(language, exact=True).click()
    page.get_by_role("tab", name=table["lessons.tab"], exact=True).wait_for(timeout=WAIT)
    for lesson in LESSONS:
        page.locator(f'#lesson-pick input[value="{lesson}"]').click()
        page.locator(f"#lesson-{lesson} .cm-content").wait_for(timeout=WAIT)
        assert scrolled_sideways(page) == [], lesson
    page.locator("#lesson-run").click()   # the last lesson's output, printed by the server
    page.locator("#lesson-output .cm-line").first.wait_for(timeout=WAIT)
    assert scrolled_sideways(page) == [], "the lesson's output"
    opened = {"explorer": "nn.Conv2d(", "builder": "nn.Sequential(", "saving": "torch.save("}
    for tab, code in opened.items():
        open_tab(page, table[f"{tab}.tab"])
        page.wait_for_function(CODE_SHOWS, arg=code, timeout=WAIT)
        page.screenshot(path=screenshots / f"code-{tab}-{language}.png", full_page=True)
        assert scrolled_sideways(page) == [], tab
    assert page.errors == []


def test_builder_code_boxes_show_and_number_every_line(page, screenshots):
    open_tab(page, "Builder")
    page.get_by_text("The network runs:").wait_for(timeout=WAIT)
    for box in page.locator(".cm-editor:visible").all():   # other tabs hold hidden code boxes too
        box.scroll_into_view_if_needed()   # as the learner scrolls to it
        page.wait_for_timeout(300)
    page.screenshot(path=screenshots / "builder-code.png")
    boxes = page.evaluate(LINE_NUMBERS)
    assert len(boxes) == 2
    for box in boxes:
        assert box["last_number"] == box["lines"] and box["offset"] <= 2, box
    assert [b["cut"] for b in page.evaluate(CODE_BOXES)] == [[], []], "no line is cut off at the right"
    assert page.errors == []


def test_the_network_tabs_upload_box_can_be_read_in_full(page, screenshots):
    open_tab(page, "Network")
    upload = page.locator(".block", has=page.locator("input[type=file]"), has_text="Click to Upload")
    upload.get_by_text("Click to Upload").wait_for(timeout=WAIT)
    page.screenshot(path=screenshots / "network-upload.png")
    texts = upload.evaluate(TEXTS_INSIDE)
    shown = " ".join(t["text"] for t in texts)
    assert "your own image (resized to 32x32)" in shown and "Drop Image Here" in shown and "Click to Upload" in shown
    for t in texts:
        assert t["inside"] and not t["overflow"], t
    label = next(t for t in texts if "your own image" in t["text"])
    assert label["lines"] == 1, "the label fits on one line"
    assert page.errors == []
