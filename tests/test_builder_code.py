"""The code shown for a network runs, builds the same model as the builder, and loads LayerLab's downloads."""
import pytest
import torch

from nets.builder.code import module_code, sequential_code
from nets.builder.spec import build_model
from nets.explorer.code import STATE_FILE
from nets.models import TutorialNet, tutorial_spec
from nets.saving import save_state_dict

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
