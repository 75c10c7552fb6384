"""What the lessons say is what their code computes: sentences with a number or a shape are read from the
tensors the lesson's run prints, and the GPU lesson's child can use CUDA after the page looked for a GPU."""
import re
import subprocess
import sys

import pytest
import torch

from nets.lessons import runner
from nets.lessons.catalog import LESSONS
from nets.text import TRANSLATIONS
from tests.conftest import ROOT

LOCALES = ("en", "zh-CN")

# A server process as the page makes it: torch.cuda.is_available() was called while the Training tab was built
# (ui/training/tab.py), which registers torch's fork handler whether or not a GPU answers.
PAGE_PARENT = """
import importlib, sys, torch
print("available:", torch.cuda.is_available())
from nets.data.cifar import load_cifar10
from nets.lessons import runner
probe = importlib.import_module("tests.cuda_probe")
batch = torch.zeros(1, 3, 32, 32), torch.zeros(1, dtype=torch.long)
print("fork:", runner.run_in_child(probe, *batch, fresh=False).strip())
print("gpu lesson:", runner.run_in_child(probe, *batch, fresh=runner.fresh_interpreter("gpu")).strip())
print(runner.run_lesson("gpu", load_cifar10(sys.argv[1], sys.argv[2])))
"""


def test_gpu_lesson_child_can_initialise_cuda_after_the_page_checked_for_a_gpu(cifar, cifar_archive, cache_dir):
    """On this CPU machine the check is torch's own flag: a child marked "bad fork" raises "Cannot re-initialize
    CUDA in forked subprocess" at its first CUDA call on a GPU host. That CUDA really runs is checked on a lent
    GPU by benchmarks/gpu_check.sh (it calls /lesson_run gpu on the running app)."""
    done = subprocess.run([sys.executable, "-c", PAGE_PARENT, str(cifar_archive), str(cache_dir)], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "fork: bad fork" in out          # the page's call poisons a plain fork: the failure is reproduced
    assert "gpu lesson: can initialise CUDA" in out
    available = "available: True" in out
    lines = out.split("gpu lesson:", 1)[1].splitlines()[1:]
    assert lines[0] == ("cuda" if available else "cpu")     # the lesson prints the device it used
    assert re.search(r"epoch 2: 4 steps, loss \d+\.\d+, test \d+/64", out)


@pytest.fixture(scope="module")
def printed(cifar):
    """What each lesson's run prints (the page's Run), for the lessons whose sentences are checked here."""
    return {lesson: runner.run_lesson(lesson, cifar) for lesson in LESSONS if lesson != "gpu"}


def lesson_words(lesson: str, locale: str) -> str:
    """Everything the lesson says in locale: its text and every slip's sentences."""
    prefix = f"lessons.{lesson}."
    return "\n".join(v for k, v in TRANSLATIONS[locale].items() if k.startswith(prefix))


def shapes_in(words: str) -> set[tuple[int, ...]]:
    """Every shape written as (a, b, ...) or torch.Size([a, b, ...]), with two numbers or more; an interval such
    as Sigmoid's range (0, 1) is not one (no lesson has an empty dimension), nor a layer's call, Linear(1024, 64)."""
    found = re.findall(r"(?<![\w.])\((\d+(?:, \d+)+)\)|Size\(\[(\d+(?:, \d+)+)\]\)", words)
    shapes = {tuple(int(n) for n in (a or b).split(", ")) for a, b in found}
    return {shape for shape in shapes if 0 not in shape}


@pytest.mark.parametrize("lesson", [k for k in LESSONS if k != "gpu"])
@pytest.mark.parametrize("locale", LOCALES)
def test_every_shape_a_lesson_states_is_one_its_run_prints(lesson, locale, printed):
    assert shapes_in(lesson_words(lesson, locale)) <= shapes_in(printed[lesson])


@pytest.mark.parametrize("locale", LOCALES)
def test_sequential_lesson_gives_each_convolution_the_size_it_receives(locale, printed):
    """The sizes the text lists, in order, include the sizes the run's three convolutions received."""
    rows = [line.split(None, 1) for line in printed["sequential"].splitlines() if line.startswith(("Conv2d", "Max"))]
    shapes = [(32, 32)] + [tuple(int(n) for n in shape.strip("()").split(", ")[2:]) for _, shape in rows]
    received = [f"{h}×{w}" for (name, _), (h, w) in zip(rows, shapes) if name == "Conv2d"]
    said = re.findall(r"\d+×\d+", TRANSLATIONS[locale]["lessons.sequential.text"])
    assert received == ["32×32", "16×16", "8×8"]
    assert any(said[i:i + 3] == received for i in range(len(said)))
    assert printed["sequential"].splitlines()[-1] == "True"   # the two Linear layers equal one Linear(1024, 10)


@pytest.mark.parametrize("locale", LOCALES)
def test_optim_lesson_names_the_object_each_call_is_made_on(locale):
    """The three calls of a step: zero_grad and step belong to the optimizer, backward to the loss tensor."""
    layer = torch.nn.Linear(2, 1)
    objects = {"optimizer": torch.optim.SGD(layer.parameters(), lr=0.1), "loss": layer(torch.ones(1, 2)).sum()}
    words = TRANSLATIONS[locale]["lessons.optim.text"]
    calls = re.findall(r"`(optimizer|loss)\.(\w+)\(\)`", words)
    assert [f"{o}.{m}" for o, m in calls] == ["optimizer.zero_grad", "loss.backward", "optimizer.step"]
    assert all(callable(getattr(objects[o], m, None)) for o, m in calls)
    assert not hasattr(objects["optimizer"], "backward")
    optimizer_object = "optimizer object" if locale == "en" else "优化器对象"
    assert optimizer_object not in words          # no sentence puts all three on the optimizer
    loss_word = "**loss**" if locale == "en" else "**损失**"
    assert words.index("`optimizer.zero_grad()`") < words.index(loss_word) < words.index("`optimizer.step()`")


@pytest.mark.parametrize("locale", LOCALES)
def test_saving_lesson_counts_what_state_dict_holds(locale, printed):
    n_state, (n_params, n_buffers) = [line.split() for line in printed["saving"].splitlines()[1:3]]
    words = TRANSLATIONS[locale]["lessons.saving.text"]
    assert int(n_state[0]) == int(n_params) + int(n_buffers)
    assert f"{n_state[0]} " in words and ("buffer" in words if locale == "en" else "缓冲区" in words)


@pytest.mark.parametrize("locale", LOCALES)
def test_linear_slip_counts_what_drop_last_throws_away(locale, cifar):
    test_images = len(cifar.split("test")[1])
    kept = len(torch.utils.data.DataLoader(range(test_images), batch_size=64, drop_last=True)) * 64
    words = TRANSLATIONS[locale]["lessons.linear.slip1"]
    assert f"{test_images - kept} " in words and f"{test_images:,}" in words and "drop_last=True" in words


@pytest.mark.parametrize("locale", LOCALES)
def test_gpu_lesson_moves_the_loss_only_when_it_holds_tensors(locale):
    """The run's loss prints an empty state_dict, as the text says; the text no longer moves every loss."""
    from torch import nn
    assert f"`{list(nn.CrossEntropyLoss().state_dict())}`" in TRANSLATIONS[locale]["lessons.gpu.text"]
    assert "loss_fn = nn.CrossEntropyLoss()\n" in open(ROOT / "nets" / "lessons" / "gpu.py").read()
    assert "three things" not in TRANSLATIONS[locale]["lessons.gpu.text"] and "三样东西" not in \
        TRANSLATIONS[locale]["lessons.gpu.text"]


@pytest.mark.parametrize("locale", LOCALES)
def test_save_tab_says_state_dict_holds_buffers_too(locale):
    """A network with BatchNorm2d (the Builder offers it) keeps running statistics in its state_dict: buffers."""
    from torch import nn
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4))
    buffers = {name for name, _ in model.named_buffers()}
    assert buffers and buffers <= set(model.state_dict()) and not buffers & {n for n, _ in model.named_parameters()}
    for key in ("saving.method2", "saving.method2_code"):
        words = TRANSLATIONS[locale][key]
        assert ("buffers" if locale == "en" else "缓冲区") in words
        assert "parameters only" not in words and "only the parameters" not in words and "只保存参数" not in words
