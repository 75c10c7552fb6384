"""The tutorial's network, checked against torch's own counts and shapes."""
import torch
from torch import nn

from nets.builder.spec import normalize_spec, spec_from_model
from nets.explorer.chain import CHAIN_PRESETS, parse_chain
from nets.models import Template, TutorialNet, count_parameters, seeded, tutorial_cnn, tutorial_spec


def test_tutorial_cnn_maps_a_batch_to_ten_scores():
    model = tutorial_cnn()
    assert model(torch.randn(64, 3, 32, 32)).shape == (64, 10)


def test_layers_are_named_in_order():
    names = [name for name, _ in tutorial_cnn().named_children()]
    assert names == ["conv1", "pool1", "conv2", "pool2", "conv3", "pool3", "flatten", "fc1", "fc2"]


def test_parameter_count_matches_torch():
    model = tutorial_cnn()
    by_hand = sum(p.numel() for p in model.parameters())
    layers = [m for m in model if isinstance(m, (nn.Conv2d, nn.Linear))]
    from_shapes = sum(m.weight.numel() + m.bias.numel() for m in layers)
    assert count_parameters(model) == by_hand == from_shapes


def test_seeded_builds_the_same_weights_and_leaves_the_callers_random_stream_alone():
    torch.manual_seed(1)
    expected = torch.rand(3)
    torch.manual_seed(1)
    first, second = seeded(5, tutorial_cnn), seeded(5, tutorial_cnn)
    assert torch.equal(torch.rand(3), expected)
    torch.manual_seed(5)
    reference = tutorial_cnn()
    for a, b, c in zip(first.parameters(), second.parameters(), reference.parameters()):
        assert torch.equal(a, b) and torch.equal(a, c)


def test_template_and_tutorial_net_behave_as_written():
    assert Template()(torch.tensor(1.0)).item() == 2.0
    net = TutorialNet()
    x = torch.randn(3, 3, 32, 32)
    assert torch.equal(net(x), net.model1(x))


def test_every_form_of_the_tutorial_network_comes_from_one_layer_list():
    spec = normalize_spec(tutorial_spec())
    assert spec_from_model(tutorial_cnn()) == spec == spec_from_model(TutorialNet().model1)
    assert parse_chain(CHAIN_PRESETS["tutorial network"]) == spec
    assert spec_from_model(tutorial_cnn(num_classes=5))[-1]["out_features"] == 5
