"""The code shown for a network runs and builds the same model as the builder."""
import pytest
import torch

from nets.builder.spec import build_model
from nets.models import tutorial_spec
from nets.builder.code import module_code, sequential_code

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
    assert sum(p.numel() for p in generated.parameters()) == sum(p.numel() for p in built.parameters())
    # The tutorial's Sequential numbers its layers (model1.0.weight): same tensors, in the same order.
    keys = list(generated.state_dict())
    generated.load_state_dict(dict(zip(keys, built.state_dict().values())))
    x = torch.randn(5, 3, 32, 32)
    assert torch.equal(generated(x), built(x))
