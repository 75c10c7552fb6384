"""Issue 25's small wrong things, checked where the words are made: bold that renders, counts that agree."""
import re

import pytest
import torch
from markdown_it import MarkdownIt

from nets.text import LOCALES, TRANSLATIONS, Phrase
from nets.train.device import device_phrase
from ui.training.status import counted


@pytest.mark.parametrize("locale", LOCALES)
def test_no_message_shows_its_markdown_asterisks(locale):
    """CommonMark closes ** after punctuation only before a space or punctuation ("**这次训练：**390 步" did not)."""
    md = MarkdownIt("commonmark")
    for key, template in TRANSLATIONS[locale].items():
        html = md.render(re.sub(r"\{[^{}]*\}", "1", template))   # a value where each number goes
        assert "**" not in re.sub(r"<code>.*?</code>", "", html, flags=re.S), (key, template)


def test_counts_of_one_are_singular():
    assert str(counted("epochs", 1)) == "1 epoch" and str(counted("epochs", 3)) == "3 epochs"
    assert str(counted("tests", 1)) == "1 test pass"
    label = Phrase("train.model_label", network="tutorial CNN", optimizer="adam", epochs=counted("epochs", 1), acc=0.5)
    assert str(label) == "tutorial CNN, adam, 1 epoch, 50.0%" and "1 轮" in label.words("zh-CN")


def test_the_plan_names_the_threads_the_run_trains_with():
    before = torch.get_num_threads()
    assert str(device_phrase(torch.device("cpu"), 1)) == "CPU (1 thread)"
    assert str(device_phrase(torch.device("cpu"), 3)) == "CPU (3 threads)" and torch.get_num_threads() == before


def page_update(shown, part="pictures", **changes):
    """The explorer page's update (explorer_tab.show_view) for the default controls with these changes."""
    from ui.explorer import tab as explorer_tab
    from ui.explorer.inputs import DEFAULTS, KEPT
    controls = {**DEFAULTS, **changes}
    kept = {name: controls[name] for name in KEPT}
    return explorer_tab.show_view(shown, None, kept, controls["grid"], controls["chain"], controls["step"],
                                  controls["upload"], part=part)


def test_explorer_refusals_go_beside_their_control_until_an_update_runs(cifar, monkeypatch):
    import gradio as gr

    from ui.common import dataset
    from ui.explorer.tab import Shown
    monkeypatch.setattr(dataset.LOADER, "data", cifar)
    shown = Shown()
    page_update(shown)
    page = page_update(shown, kind="Conv2d", weights="grid", grid="1 2\n3")
    assert page.grid_error["visible"] and "must be square" in page.grid_error["value"]
    assert page.pictures == gr.skip()   # the last pictures stay, and the figures that go with them, not the refused
    fresh = Shown()                     # view's: those of the first update, as a page that showed only it has
    page_update(fresh)
    assert page_update(shown, "figures").code == page_update(fresh, "figures").code
    page = page_update(shown, kind="Sequential", chain="Linear(x, 10)")
    assert page.chain_error["visible"] and "does not know what x is" in page.chain_error["value"]
    page = page_update(shown, kind="Sequential", chain="Flatten()\nLinear(3 * 32 * 32, 10)")
    assert page.chain_error == page.grid_error == {"__type__": "update", "value": "", "visible": False}
    assert "(64, 10)" in page.status
    assert page_update(shown, source="upload") == gr.skip()   # "Your image" before a file: no refusal
