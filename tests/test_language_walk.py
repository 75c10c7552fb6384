"""A Chinese visitor walks every tab, doing one typical thing on each, and reads no English sentence.

The page's visible text is read after each tab's action: the body's innerText with code hidden
(`.cm-editor, code, pre`: code stays code) and the language switch hidden (it names each language in
itself), plus what innerText leaves out that a visitor still reads: the value (or, when empty, the
placeholder) of each visible text box and the title (tooltip) of each visible element.

An English sentence (english_sentences): the text is cut into lines, and each line into clauses at a tab
(table cells are texts of their own), at every character outside ASCII (a Chinese character or full-width
punctuation ends a clause; the typographic ‘’“”–— and × do not) and at a sentence end (. ! ? followed by
a space or the end of the line). In a clause a call written as code, name(...), is one identifier. A token
is a run of ASCII letters, digits and _ . ' ’ - (without . ' ’ - at its ends); a token of letters only (an
inner ' or - allowed) is an English word, any other token is a number or an identifier (64, 3x3,
kernel_size, model.pth, CIFAR-10, Conv2d, vgg16) and is skipped. A clause is an English sentence when it
holds 3 or more English words and not all of them are names (NAMES: PyTorch, every class of torch.nn and
torch.optim, the optimizers' choice values, the CIFAR-10 class names, which are the dataset's labels,
units, and the few terms the Chinese text keeps on purpose, such as epoch).

Gradio's own widget words (the English strings of the installed Gradio's frontend, "Drop File Here",
"Click to Upload", ..., and GRADIO_FIXED) are counted apart: a line that is one of them is Gradio's.
The header and footer are read once, as "page"; each tab's findings leave out what they already hold.
"""
import re
from collections import Counter
from pathlib import Path

import gradio
import pytest
import torch

from nets.data.cifar import CIFAR10_CLASSES
from nets.text import TRANSLATIONS
from nets.train.config import OPTIMIZERS
from tests.conftest import TINY_TRAINING

ZH = TRANSLATIONS["zh-CN"]
WAIT = 120_000   # ms; the machine's cores are shared, so the server can be slow to answer
TABS = ("lessons", "data", "explorer", "train", "network", "builder", "zoo", "saving")   # i18n keys, page order

NAMES = ({n for module in (torch.nn, torch.optim) for n in dir(module) if n[:1].isupper()}
         | set(OPTIMIZERS) | set(CIFAR10_CLASSES)
         | {"PyTorch", "CIFAR", "ImageNet", "LayerLab", "Gradio", "TensorBoard", "Python", "NumPy", "torch",
            "torchvision", "nn", "optim", "CUDA", "GPU", "CPU", "MPS", "API", "URL", "JPEG", "PNG", "RGB",
            "pickle", "safetensors", "state_dict", "epoch", "epochs", "batch", "MB", "KB", "GB", "px", "ms", "s"})
CLAUSE_END = re.compile(r"[^\x00-\x7f‘’“”–—×]+|[.!?](?=\s|$)|\t")
CALL = re.compile(r"[A-Za-z_][\w.]*\([^()]*\)")   # Normalize(mean, std), reshape(-1, 3, H, W): code, not words
PATH = re.compile(r"(?<![\w/])(?:~|\.{1,2})?(?:/[\w.-]+)+/?")   # /work/shared/data/cifar10.tar.gz: a file, not words
TOKEN = re.compile(r"[A-Za-z0-9_.'’-]+")
WORD = re.compile(r"[A-Za-z]+(?:['’-][A-Za-z]+)*")

# The visible text, as described in the docstring; with panels=False, only the header and footer.
VISIBLE_TEXT = """(panels) => {
  const code = ".cm-editor, code, pre, #language";
  const hidden = [...document.querySelectorAll(panels ? code : code + ", [role=tabpanel]")];
  hidden.forEach(e => e.style.setProperty("display", "none", "important"));
  try {
    const shown = e => e.checkVisibility();
    const boxes = [...document.querySelectorAll("input, textarea")].filter(e => shown(e) &&
      !["radio", "checkbox", "range", "file", "hidden"].includes(e.type));
    return [document.body.innerText, ...boxes.map(e => e.value || e.placeholder),
            ...[...document.querySelectorAll("[title]")].filter(shown).map(e => e.title)].join("\\n");
  } finally {
    hidden.forEach(e => e.style.removeProperty("display"));
  }
}"""
# Every string of a module of Gradio's frontend translations, nested objects included.
# Gradio's words that are not in its translation tables: the Dataframe's copy button.
GRADIO_FIXED = ("Copy table data", "Copied to clipboard")
STRINGS_OF = """async (url) => {
  const strings = o => Object.values(o).flatMap(v => typeof v === "string" ? [v] : strings(v));
  const m = await import(url);
  return strings(Object.fromEntries(Object.entries(m).filter(([k]) => k !== "_name")));
}"""


def is_sentence(clause: str) -> bool:
    tokens = TOKEN.findall(CALL.sub("call", PATH.sub(" ", clause)))
    words = [w for w in (t.strip(".'’-") for t in tokens) if WORD.fullmatch(w)]
    return len(words) >= 3 and any(w not in NAMES for w in words)


def english_sentences(text: str, gradio_words: list[re.Pattern]) -> tuple[list[str], list[str]]:
    """(English sentences, Gradio's own widget words) in the visible text, as the module docstring says."""
    sentences, widget_words = [], []
    for line in (line.strip() for line in text.splitlines()):
        if any(p.fullmatch(line) for p in gradio_words):
            widget_words.append(line)
            continue
        sentences += [c.strip() for c in CLAUSE_END.split(line) if is_sentence(c)]
    return sentences, widget_words


def gradio_word_patterns(page) -> list[re.Pattern]:
    """Gradio's English widget strings, read from the installed frontend; {placeholders} match anything."""
    assets = Path(gradio.__file__).parent / "templates" / "frontend" / "assets"
    english = next(assets.glob("en-*.js"))
    strings = page.evaluate(STRINGS_OF, f"./assets/{english.name}")
    return [re.compile(r".+?".join(map(re.escape, re.split(r"\{\w+\}", s.strip()))))
            for s in (*strings, *GRADIO_FIXED) if s.strip()]


def open_tab(page, key: str) -> None:
    page.get_by_role("tab", name=ZH[f"{key}.tab"], exact=True).click()
    page.wait_for_timeout(1000)


def run_lesson(page) -> None:
    page.locator("#lesson-run").click()
    page.wait_for_function("() => document.querySelector('#lesson-output .cm-content')?.innerText.trim()",
                           timeout=WAIT)


def pick_class(page) -> None:
    """The ninth class (ship), chosen by its place: a class may be named in either language."""
    page.get_by_label(ZH["data.class"]).click()
    page.get_by_role("option").nth(9).click()   # after "all"
    page.wait_for_function("""() => { const c = [...document.querySelectorAll('#data-gallery figcaption')];
        return c.length && new Set(c.map(e => e.innerText.replace(/^#\\d+\\s*/, ''))).size === 1; }""")


def change_layer(page) -> None:
    box = page.get_by_label(f"number input for {ZH['explorer.out_channels']}", exact=True).first
    box.fill("12")
    box.press("Tab")
    page.get_by_text("(64, 12, 32, 32)").first.wait_for(timeout=WAIT)


def train_tiny(page) -> None:
    """A run of three steps on 1,000 images (TINY_TRAINING), waited for until it is listed as done."""
    page.get_by_role("button", name=re.compile("^" + ZH["train.advanced"])).click()   # the accordion
    for key in ("train_images", "test_images", "max_steps", "epochs"):
        box = page.get_by_label(ZH[f"train.{key}"]).first
        box.fill(str(TINY_TRAINING[key]))
        box.press("Enter")
    page.get_by_role("button", name=ZH["train.start"]).click()
    page.get_by_role("checkbox", name=re.compile(r"^#1\b")).wait_for(timeout=3 * WAIT)   # the run, to compare


def show_network(page) -> None:
    page.get_by_role("button", name=ZH["network.show"]).click()
    page.locator(".tabitem:visible img").first.wait_for(timeout=WAIT)


def add_layer(page) -> None:
    page.locator('[data-testid="cell-2-2"]').click()   # the third layer, then ReLU (the default) after it
    page.get_by_role("button", name=ZH["builder.add"]).click()
    page.locator('[data-testid="cell-9-0"]').wait_for(timeout=WAIT)   # the tutorial's 9 layers and one more


def build_zoo_model(page) -> None:
    page.get_by_role("radio", name="resnet18", exact=True).click()
    page.get_by_text("11,689,512").first.wait_for(timeout=WAIT)   # torchvision's resnet18, as torch counts it


def load_refused_file(page, tmp_path: Path) -> None:
    """Save the model, then load a file that is no checkpoint: the refusal is on screen."""
    page.get_by_role("button", name=ZH["saving.download"]).click()
    page.locator(".tabitem:visible a[download]").first.wait_for(timeout=WAIT)
    refused = tmp_path / "not_weights.pth"
    refused.write_bytes(b"these bytes are no checkpoint")
    page.locator(".tabitem:visible input[type=file]").last.set_input_files(refused)
    page.locator(".toast-body").first.wait_for(timeout=WAIT)


ACTIONS = {"lessons": run_lesson, "data": pick_class, "explorer": change_layer, "train": train_tiny,
           "network": show_network, "builder": add_layer, "zoo": build_zoo_model, "saving": load_refused_file}


def walk(page, app_url: str, tmp_path: Path) -> dict[str, tuple[list[str], list[str]]]:
    """Open the app in a zh-CN page, do each tab's action; {tab: (English sentences, Gradio's words)}."""
    page.set_default_timeout(WAIT)
    page.goto(app_url)
    open_tab(page, "data")
    page.locator("#data-gallery img").first.wait_for(timeout=WAIT)
    patterns = gradio_word_patterns(page)
    header = english_sentences(page.evaluate(VISIBLE_TEXT, False), patterns)
    found = {"page": header}
    for key in TABS:
        open_tab(page, key)
        action = ACTIONS[key]
        action(page, tmp_path) if key == "saving" else action(page)
        page.wait_for_timeout(1000)   # what the action's last event writes after the awaited element
        sentences, words = english_sentences(page.evaluate(VISIBLE_TEXT, True), patterns)
        found[key] = (list((Counter(sentences) - Counter(header[0])).elements()),
                      list((Counter(words) - Counter(header[1])).elements()))
    return found


def report(found: dict) -> str:
    return "\n".join(f"[{tab}] {sentence}" for tab, (sentences, _) in found.items() for sentence in sentences)


@pytest.mark.parametrize("line, sentences", [
    ("Done: tutorial CNN, adam, 1 epochs, 13.4%. The Layer explorer and Network tabs now use this model.",
     ["Done: tutorial CNN, adam, 1 epochs, 13.4%", "The Layer explorer and Network tabs now use this model"]),
    ("训练完成：tutorial CNN，adam，1 个 epoch，准确率 13.4%。", []),
    ("把 Conv2d 换成 MaxPool2d(2, stride=2) 之后，输出是 (64, 6, 16, 16)", []),
    ("Normalize(mean, std) → Conv2d → ReLU → MaxPool2d → Linear", []),
    ("min\tmax\tmean\tstd\t% zero", []),
    ("the real tensor is 30×30", ["the real tensor is 30×30"]),
    ("PyTorch CIFAR Adam SGD", []),
])
def test_what_counts_as_an_english_sentence(line, sentences):
    assert english_sentences(line, []) == (sentences, [])


def test_gradio_widget_words_are_counted_apart():
    patterns = [re.compile("Drop File Here"), re.compile("In queue: .+? of .+?")]
    assert english_sentences("Drop File Here\nIn queue: 1 of 3\nUpload your own file here", patterns) == \
        (["Upload your own file here"], ["Drop File Here", "In queue: 1 of 3"])


def test_a_chinese_visitor_reads_no_english_sentence_on_any_tab(browser, client, app_url, tmp_path):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    try:
        found = walk(context.new_page(), app_url, tmp_path)
    finally:
        context.close()
    english = report(found)
    assert not english, f"English sentences on the zh-CN page:\n{english}"
