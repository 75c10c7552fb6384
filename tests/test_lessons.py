"""Every lesson's script runs on real CIFAR-10 and prints what its page shows, checked against torch."""
import ast
import os
import re
import subprocess
import sys
import types

import pytest
import torch
import torch.nn.functional as F

from nets.lessons import runner
from nets.lessons.batch import pick_images
from nets.lessons.catalog import LESSONS, lesson_module, lesson_source
from nets.models import count_parameters, tutorial_cnn
from tests.conftest import ROOT
from nets.text import TRANSLATIONS

STDLIB = set(sys.stdlib_module_names)
EXPECTED = re.compile(r"^\s*print\(.*\)  # (.+)$")


@pytest.fixture(scope="module")
def outputs(cifar):
    """Every lesson's printed output, each run once through the server's runner."""
    return {lesson: runner.run_lesson(lesson, cifar) for lesson in LESSONS}


def shape_text(t: torch.Tensor) -> str:
    return str(t.shape)


@pytest.mark.parametrize("lesson", LESSONS)
def test_every_commented_print_prints_its_comment_in_order(lesson, outputs):
    expected = [m.group(1) for line in lesson_source(lesson).splitlines() if (m := EXPECTED.match(line))]
    printed = outputs[lesson].splitlines()
    assert expected, "a lesson shows at least one printed result"
    found = [line for line in printed if line in expected]
    assert found == expected


def test_conv2d_and_maxpool_shapes_are_torchs(cifar, outputs):
    imgs, _ = pick_images(cifar, "test", 64)   # the notes' batch of 64
    conv = F.conv2d(imgs, torch.zeros(6, 3, 3, 3), padding=1)
    assert shape_text(conv) in outputs["conv2d"]
    assert shape_text(conv.reshape(-1, 3, 32, 32)) in outputs["conv2d"]
    imgs = imgs[:8]
    assert shape_text(F.max_pool2d(imgs, 2, 2)) in outputs["maxpool"]
    assert shape_text(F.max_pool2d(imgs, 2, 2, padding=1)) in outputs["maxpool"]


def test_activation_ranges_are_torchs(cifar, outputs):
    imgs, _ = pick_images(cifar, "test", 8)
    s = torch.sigmoid(imgs)
    assert f"{imgs.min():.3f}..{imgs.max():.3f} -> {s.min():.3f}..{s.max():.3f}" in outputs["activation"]


def test_linear_and_sequential_shapes_are_torchs(cifar, outputs):
    imgs, _ = pick_images(cifar, "test", 64)
    assert shape_text(torch.flatten(imgs, 1)) in outputs["linear"]
    assert shape_text(torch.flatten(imgs)) in outputs["linear"]
    x = imgs[:8]
    lines = outputs["sequential"].splitlines()
    for i, layer in enumerate(tutorial_cnn()):
        x = layer(x)
        assert lines[i] == f"{type(layer).__name__:<10} {tuple(x.shape)}"
    assert lines[-2] == str(count_parameters(tutorial_cnn()))


def test_sequential_lesson_is_the_tutorial_network():
    ours = lesson_module("sequential").Module().model1
    reference = tutorial_cnn()
    assert [repr(a) for a in ours] == [repr(b) for b in reference.children()]


def test_training_lessons_learn(outputs):
    losses = [float(v) for v in re.findall(r"loss (\d+\.\d+)", outputs["optim"])]
    assert len(losses) == 8 and losses[-1] < losses[0]
    epochs = re.findall(r"epoch (\d): 4 steps, loss \d+\.\d+, test (\d+)/64", outputs["gpu"])
    assert [e for e, _ in epochs] == ["1", "2"]
    first_loss = float(re.search(r"loss (\d+\.\d+), ln", outputs["loss"]).group(1))
    assert abs(first_loss - 2.303) < 0.5   # an untrained 10-class network is near ln(10)


def test_vgg16_lesson_matches_torchvision(outputs):
    import torchvision
    with torch.device("meta"):
        vgg16 = torchvision.models.vgg16(weights=None)
    assert str(count_parameters(vgg16)) in outputs["vgg16"]


def test_runner_stops_a_lesson_at_its_time_limit(cifar, monkeypatch):
    slow = types.SimpleNamespace(BATCH=("test", 1), main=lambda imgs, targets: __import__("time").sleep(60))
    monkeypatch.setattr(runner, "lesson_module", lambda lesson: slow)
    with pytest.raises(runner.LessonError, match="did not finish within 1 s"):
        runner.run_lesson("module", cifar, time_limit=1)


def test_runner_reports_a_failing_script(cifar, monkeypatch):
    def main(imgs, targets):
        print("before")
        raise ValueError("broken on purpose")
    monkeypatch.setattr(runner, "lesson_module", lambda lesson: types.SimpleNamespace(BATCH=("test", 1), main=main))
    with pytest.raises(runner.LessonError, match=r"(?s)before.*broken on purpose"):
        runner.run_lesson("module", cifar)


def test_a_server_that_uses_cuda_runs_lessons_in_a_fresh_interpreter(cifar, monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_initialized", lambda: True)   # a fork could not use CUDA then
    assert "torch.Size([8, 3, 17, 17])" in runner.run_lesson("maxpool", cifar, time_limit=240)


def test_unknown_lessons_are_refused(cifar):
    for bad in ("nope", "../app", "batch", "catalog"):
        with pytest.raises(KeyError, match="no lesson"):
            runner.run_lesson(bad, cifar)


def test_a_lesson_copied_out_of_layerlab_runs_on_its_own(cifar, tmp_path):
    """The file alone, outside the checkout (no nets/ to import), gives what the page's run gives."""
    (tmp_path / "lesson.py").write_text(lesson_source("maxpool"), encoding="utf-8")
    imgs, targets = pick_images(cifar, "test", 8)
    torch.save({"imgs": imgs, "targets": targets}, tmp_path / "batch.pt")
    run = ("import torch, lesson; b = torch.load('batch.pt'); lesson.main(b['imgs'], b['targets'])")
    done = subprocess.run([sys.executable, "-c", run], cwd=tmp_path, capture_output=True, text=True, timeout=300,
                          env=dict(os.environ, PYTHONPATH=""))
    assert done.returncode == 0, done.stderr
    assert done.stdout == runner.run_lesson("maxpool", cifar)


@pytest.mark.parametrize("lesson", LESSONS)
def test_a_lesson_needs_nothing_of_layerlab_but_lesson_6s_network(lesson):
    """Its imports are torch, torchvision and the standard library, and lesson 6's Module, which the page says
    to paste in; its own loader is torchvision's CIFAR10 with ToTensor(), the split and batch size it runs on."""
    tree = ast.parse(lesson_source(lesson))
    imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    imported |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    layerlab = {name for name in imported if name.split(".")[0] not in {"torch", "torchvision"} | STDLIB}
    assert layerlab <= {"nets.lessons.sequential"}
    assert ("nets.lessons.sequential" in layerlab) is (lesson in ("loss", "optim", "saving", "gpu"))
    split, n = lesson_module(lesson).BATCH
    assert f'torchvision.datasets.CIFAR10("./CIFAR10", train={split == "train"}' in lesson_source(lesson)
    assert f"DataLoader(dataset, batch_size={n}, shuffle=True)" in lesson_source(lesson)


@pytest.mark.parametrize("lesson", LESSONS)
def test_every_lesson_has_its_text_and_one_reason_per_slip_in_both_languages(lesson):
    keys = {"title", "text", *(f"slip{i}" for i in range(1, len(LESSONS[lesson]) + 1))}
    keys |= {f"{part}{i}" for i, s in enumerate(LESSONS[lesson], 1) if s.prose for part in ("wrong", "fixed")}
    for locale in ("en", "zh-CN"):
        prefix = f"lessons.{lesson}."
        have = {k.removeprefix(prefix) for k in TRANSLATIONS[locale] if k.startswith(prefix)}
        assert have == keys, locale


CJK = r"[\u4e00-\u9fff]"


@pytest.mark.parametrize("lesson", LESSONS)
def test_chinese_lesson_text_uses_full_width_punctuation(lesson):
    for key, text in TRANSLATIONS["zh-CN"].items():
        if key.startswith(f"lessons.{lesson}."):
            prose = re.sub(r"`[^`]*`", "`code`", text)
            bad = re.findall(rf"{CJK}[,;:!?()]|[,;:!?()]{CJK}", prose)
            assert not bad, (key, bad)
