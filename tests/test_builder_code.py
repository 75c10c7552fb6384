"""The code shown for a network runs, builds the same model as the builder, and loads LayerLab's downloads."""
import re

import pytest
import torch

from nets.builder.code import module_code, sequential_code
from nets.builder.shapes import walk
from nets.builder.spec import build_model, check_spec, normalize_spec
from nets.explorer.code import STATE_FILE
from nets.models import TutorialNet, tutorial_spec
from nets.saving import save_state_dict
from tests.test_tabs_language import visitor
from ui import builder_tab

SPECS = {
    "tutorial": tutorial_spec(),
    "every layer type": [
        {"type": "Conv2d", "in_channels": 3, "out_channels": 8, "kernel_size": 3, "stride": 2, "padding": 1},
        {"type": "BatchNorm2d", "num_features": 8},
        {"type": "LeakyReLU", "negative_slope": 0.2},
        {"type": "MaxPool2d", "kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True},
        {"type": "AvgPool2d", "kernel_size": 2},
        {"type": "GELU"}, {"type": "Tanh"}, {"type": "Sigmoid"},
        {"type": "Flatten", "name": "to_vector"},
        {"type": "Dropout", "p": 0.25},
        {"type": "Linear", "in_features": 128, "out_features": 32},
        {"type": "ReLU"},
        {"type": "Linear", "in_features": 32, "out_features": 10, "name": "head"},
    ],
}


def run_script(code: str) -> dict:
    namespace = {"__name__": "generated"}
    exec(compile(code, "<generated>", "exec"), namespace)  # noqa: S102 - our own generated code, under test
    return namespace


@pytest.mark.parametrize("name", list(SPECS))
def test_sequential_code_builds_the_same_model(name):
    built = build_model(SPECS[name]).eval()
    generated = run_script(sequential_code(SPECS[name]))["model"].eval()
    assert list(generated.state_dict()) == list(built.state_dict())
    generated.load_state_dict(built.state_dict())   # same keys: LayerLab's downloads load straight in
    x = torch.randn(5, 3, 32, 32)
    assert torch.equal(generated(x), built(x))


@pytest.mark.parametrize("name", list(SPECS))
def test_module_code_is_the_tutorials_template_with_the_same_network(name):
    code = module_code(SPECS[name])
    assert "class Model(nn.Module):" in code and "self.model1 = nn.Sequential(" in code
    built = build_model(SPECS[name]).eval()
    generated = run_script(code)["model"].eval()
    assert list(generated.state_dict()) == [f"model1.{k}" for k in built.state_dict()]
    generated.model1.load_state_dict(built.state_dict())
    x = torch.randn(5, 3, 32, 32)
    assert torch.equal(generated(x), built(x))


def test_the_tutorials_class_and_the_code_shown_share_state_dict_keys():
    generated = run_script(module_code(tutorial_spec()))["model"]
    assert list(generated.state_dict()) == list(TutorialNet().state_dict())


@pytest.mark.parametrize("form", [sequential_code, module_code])
@pytest.mark.parametrize("name", list(SPECS))
def test_the_code_shown_loads_the_save_and_load_tabs_download(name, form, tmp_path, monkeypatch):
    torch.manual_seed(7)
    original = build_model(SPECS[name]).eval()
    save_state_dict(original, tmp_path / STATE_FILE)   # what the Save & load tab's download button writes
    monkeypatch.chdir(tmp_path)                        # the learner runs the script beside the download
    generated = run_script(form(SPECS[name]))["model"].eval()
    x = torch.randn(5, 3, 32, 32)
    assert torch.equal(generated(x), original(x))


# What the page shows: both code forms as the Builder tab words them (comments in the visitor's language), for
# the tutorial's network, a network changed by the learner, and every layer type.
SHOWN = {**SPECS, "changed": tutorial_spec()[:2] + [
    {"type": "Conv2d", "in_channels": 32, "out_channels": 16, "kernel_size": 3, "padding": 1},
    {"type": "BatchNorm2d", "num_features": 16}, {"type": "ReLU"}, {"type": "MaxPool2d", "kernel_size": 2},
    {"type": "Flatten"}, {"type": "Dropout", "p": 0.2}, {"type": "Linear", "in_features": 1024, "out_features": 10}]}


def printed_shape(code: str, capsys) -> tuple:
    """Run a displayed script as the learner would and read the shape it prints: torch.Size([1, 10])."""
    capsys.readouterr()
    run_script(code)
    return tuple(int(n) for n in re.fullmatch(r"torch\.Size\(\[(.*)\]\)\n", capsys.readouterr().out)[1].split(","))


@pytest.mark.parametrize("locale", ["en", "zh-CN"])
@pytest.mark.parametrize("name", list(SHOWN))
def test_every_displayed_snippet_runs_and_prints_the_shapes_the_page_shows(name, locale, capsys):
    with visitor(locale):
        view = builder_tab.show_spec(SHOWN[name], None)
    table, status, seq_code, mod_code = view.table, view.status, view.seq_code, view.mod_code
    shown = table["data"][-1][4]                                   # the table's last output shape: "(1, 10)"
    assert f"→ {shown}" in status and shown == str(check_spec(SHOWN[name]).layers[-1].out_shape)
    assert str(printed_shape(seq_code, capsys)) == shown           # the Sequential form: one image
    batch = walk(normalize_spec(SHOWN[name]), (64, 3, 32, 32))[-1].out_shape
    assert printed_shape(mod_code, capsys) == batch == (64, 10)    # the Module form: the tutorial's batch of 64
    has_chinese = [bool(re.search(r"[\u4e00-\u9fff]", line)) for line in (seq_code + mod_code).splitlines()
                   if "#" in line]
    assert all(has_chinese) if locale == "zh-CN" else not any(has_chinese)
