"""Issue 25's small wrong things, checked where the words are made: bold that renders, counts that agree."""
import re

import pytest
import torch
from markdown_it import MarkdownIt

from nets.text import LOCALES, TRANSLATIONS, Phrase
from nets.train.device import device_phrase
from ui.training_status import counted


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


def page_update(sent, **changes):
    """The explorer page's update (explorer_tab.explore_shown) for the default controls with these changes."""
    from ui import explorer_tab
    from ui.explorer_inputs import DEFAULTS, KEPT
    controls = {**DEFAULTS, **changes}
    kept = {name: controls[name] for name in KEPT}
    return explorer_tab.explore_shown(sent, None, kept, **{k: v for k, v in controls.items() if k not in KEPT})


def test_explorer_refusals_go_beside_their_control_until_an_update_runs(cifar, monkeypatch):
    from ui import dataset
    monkeypatch.setattr(dataset.LOADER, "data", cifar)
    first = page_update(None)
    chain, grid, status, *_, sent, later = page_update(first[-2], kind="Conv2d", weights="grid", grid="1 2\n3")
    assert grid["visible"] and "must be square" in grid["value"] and not isinstance(later, list)
    chain, grid, status, *_, sent, _ = page_update(sent, kind="Sequential", chain="Linear(x, 10)")
    assert chain["visible"] and "does not know what x is" in chain["value"]
    chain, grid, status, *_, sent, later = page_update(sent, kind="Sequential", chain="Flatten()\nLinear(3 * 32 * 32, 10)")
    assert chain == grid == {"__type__": "update", "value": "", "visible": False} and "(64, 10)" in status["value"]
    assert page_update(sent, source="upload") == page_update(None, source="upload") and \
        not isinstance(page_update(sent, source="upload"), list)   # "Your image" before a file: no refusal
