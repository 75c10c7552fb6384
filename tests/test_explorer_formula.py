"""The explorer's output-size formula: every step of its arithmetic, evaluated, is torch's output size."""
import itertools
import math
import re

import pytest
import torch
from torch import nn

from nets.explorer.layer import LayerConfig, build_layer, dropped_window_notes, formula_lines
from nets.models import TrainedModel, tutorial_cnn

H, W = 32, 19   # unequal, so a formula that mixes up the axes fails


def evaluate(step: str) -> int:
    """One '= ' step of a formula line as Python arithmetic: '·' is *, floor and ceil are math's."""
    expr = step.replace("·", "*").replace("floor", "math.floor").replace("ceil", "math.ceil")
    assert re.fullmatch(r"[\d\s+\-*/().a-z]*", expr), step
    return eval(expr, {"math": math})


def assert_formula_is_torch(layer: nn.Module, h: int = H, w: int = W) -> list[str]:
    with torch.no_grad():
        y = layer(torch.zeros(1, 3, h, w))
    lines = formula_lines(layer, h, w)
    assert len(lines) == 2
    for line, n in zip(lines, y.shape[2:]):
        steps = line.split(" = ")[2:]          # after "H_out" and the formula in letters
        assert [evaluate(step) for step in steps] == [n] * len(steps), line
    return lines


def fits(k: int, p: int, d: int) -> bool:
    return d * (k - 1) + 1 <= min(H, W) + 2 * p


def test_conv2d_formula_over_a_sweep():
    for k, s, p, d in itertools.product(range(1, 8), range(1, 5), range(0, 4), range(1, 4)):
        if fits(k, p, d):
            assert_formula_is_torch(nn.Conv2d(3, 2, k, stride=s, padding=p, dilation=d))


@pytest.mark.parametrize("kind", [nn.MaxPool2d, nn.AvgPool2d])
def test_pooling_formula_over_a_sweep_with_ceil_mode(kind):
    dilations = range(1, 4) if kind is nn.MaxPool2d else [1]
    for k, s, d, ceil in itertools.product(range(1, 7), range(1, 6), dilations, (False, True)):
        for p in range(0, k // 2 + 1):
            if fits(k, p, d):
                extra = dict(dilation=d) if kind is nn.MaxPool2d else {}
                assert_formula_is_torch(kind(k, s, p, ceil_mode=ceil, **extra))


def test_ceil_mode_drops_a_last_window_starting_in_the_right_padding():
    layer = nn.MaxPool2d(2, stride=3, padding=1, ceil_mode=True)
    lines = assert_formula_is_torch(layer, 32, 32)
    assert lines[0].endswith("ceil(32/3) + 1 - 1 = 11")      # torch gives 11; ceil(32/3) + 1 alone is 12
    notes = dropped_window_notes(layer, 32, 32)
    assert len(notes) == 2 and "11·3 = 33" in str(notes[0]) and "H + p = 33" in str(notes[0])
    assert "11·3 = 33" in notes[0].words("zh-CN") and "右侧填充" in notes[0].words("zh-CN")
    assert dropped_window_notes(nn.MaxPool2d(2, stride=2, ceil_mode=True), 32, 32) == []


def test_trained_conv1_formula_uses_its_own_kernel_size():
    torch.manual_seed(0)
    trained = TrainedModel(model=tutorial_cnn().eval(), classes=tuple("abcdefghij"), label="m")
    cfg = LayerConfig("Conv2d", weights="trained", kernel_size=3, padding=1)   # the sliders say 3
    layer = build_layer(cfg, (1, 3, H, W), trained)
    lines = assert_formula_is_torch(layer)
    assert "1·(5-1)" in lines[0] and lines[0].endswith(f"= {H - 2}")


def test_trained_conv1_formula_over_a_sweep():
    torch.manual_seed(0)
    trained = TrainedModel(model=tutorial_cnn().eval(), classes=tuple("abcdefghij"), label="m")
    for s, p, d in itertools.product(range(1, 4), range(0, 4), range(1, 4)):   # kernel 5 whatever the sliders say
        cfg = LayerConfig("Conv2d", weights="trained", kernel_size=3, stride=s, padding=p, dilation=d)
        lines = assert_formula_is_torch(build_layer(cfg, (1, 3, H, W), trained))
        assert f"{d}·(5-1)" in lines[0]
