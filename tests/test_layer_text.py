"""Layer calls typed as the notes write them: read with ast, built as torch builds the same text."""
import re

import pytest
import torch
from torch import nn

from nets.builder.layers import SpecError, describe_layer, make_sequential
from nets.builder.parse import parse_args
from nets.explorer.chain import parse_chain
from nets.explorer.layer import LayerError
from ui.builder_tab import edit_table, spec_rows

CHAINS = [
    "Linear(8 * 32 * 32, 10)",
    "nn.Conv2d(3, 6, 5), nn.ReLU(), nn.MaxPool2d(2, 2),\nnn.Conv2d(6, 16, 5),\nnn.Flatten(), nn.Linear(16 * 5 * 5, 120),",
    "nn.Sequential(\n    nn.Conv2d(3, 32, kernel_size=(5, 5), padding=2),  # conv1\n    torch.nn.MaxPool2d(2),\n)",
    "Conv2d(3, 16, 3, stride=(2, 2), padding=3 // 2)\nBatchNorm2d(16)\nLeakyReLU(0.1)\nDropout(p=1 / 4)",
    "AvgPool2d(kernel_size=2 ** 2, stride=-(-4 // 2))\nFlatten()\nLinear(3 * (32 // 4) ** 2, 10 % 7 + 7)",
]


def torch_layers(text: str) -> list[nn.Module]:
    """The same text run by Python itself (trusted text, in the test only): torch's own reading of it."""
    names = {"nn": nn, "torch": torch, **{k: getattr(nn, k) for k in dir(nn)}}
    try:
        built = eval(f"(\n{text}\n)", names)  # noqa: S307 - the test's own text
    except SyntaxError:   # one layer a line without commas: each line on its own
        return [m for line in text.splitlines() if line.strip() for m in torch_layers(line)]
    return list(built) if isinstance(built, (tuple, nn.Sequential)) else [built]


@pytest.mark.parametrize("text", CHAINS)
def test_the_chain_builds_what_torch_builds_from_the_same_text(text):
    ours = list(make_sequential(parse_chain(text)))
    theirs = torch_layers(text)
    assert [type(m) for m in ours] == [type(m) for m in theirs]
    assert [describe_layer(m) for m in ours] == [describe_layer(m) for m in theirs]
    assert None not in [describe_layer(m) for m in ours]
    for a, b in zip(ours, theirs):   # the same parameters, shape for shape
        assert [p.shape for p in a.parameters()] == [p.shape for p in b.parameters()]


def test_a_builder_cell_reads_arithmetic_like_torch():
    assert parse_args("Linear", "64 * 4 * 4, 64") == describe_layer(nn.Linear(64 * 4 * 4, 64))
    assert parse_args("nn.Conv2d", "3, 32, kernel_size=(5, 5), padding=2") == describe_layer(
        nn.Conv2d(3, 32, kernel_size=(5, 5), padding=2))


@pytest.mark.parametrize("args, words", [
    ("10**10**10, 1", "goes past 1,000,000,000,000"),
    ("2 ** 41, 1", "goes past"),
    ("(1 << 50), 1", "cannot read"),
    ("9" * 13 + ", 1", "goes past"),
    ("1e400, 1", "goes past"),
    ("1 / 0, 1", "divides by zero"),
    ("num_classes, 1", "does not know what num_classes is"),
    ("__import__('os').getpid(), 1", "cannot read"),
    ("(-8) ** 0.5, 1", "cannot read"),
    ("-" * 150 + "1, 1", "too long"),
    ("64 * 4 * 4 * 1024 * 1024, 10", "in_features must be between 1 and 1,048,576"),
])
def test_arithmetic_is_bounded_and_never_run(args, words):
    with pytest.raises(SpecError, match=words):
        parse_args("Linear", args)


def test_chain_errors_are_all_chinese_for_a_chinese_visitor():
    for text in ("Conv2d(3, 6, 5)\nReLU()\nFlatten()\nLinear(16, 10)\nLinear(x, 10)", "Conv2d(3, 100000, 3)",
                 "Conv2d(3, 6, (3, 5))"):
        with pytest.raises(LayerError) as refused:
            parse_chain(text)
        chinese = refused.value.phrase.words("zh-CN")
        assert not re.search(r"\bLayer\b|cannot|must|between", chinese), chinese


def test_one_unreadable_cell_keeps_the_other_rows_shapes():
    rows, _ = spec_rows(parse_chain("Conv2d(3, 8, 3, padding=1)\nMaxPool2d(2)\nFlatten()\nLinear(8 * 16 * 16, 10)"))
    rows[3][3] = "8 * 16 * 16, ten"
    table = edit_table(rows, None)[0]["data"]
    assert [r[4] for r in table[:3]] == ["(1, 8, 32, 32)", "(1, 8, 16, 16)", "(1, 2048)"]
    assert table[3][4] == "—" and "ten" in table[3][6]
    rows[3][3] = "8 * 16 * 16, 10"
    assert edit_table(rows, None)[0]["data"][3][4] == "(1, 10)"
