"""Shape checks and one-click fixes of the builder, compared with what torch itself does on the CPU."""
import re

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from torchinfo import summary

from nets.builder.layers import LAYER_TYPES, SpecError, layer_names, make_layer
from nets.builder.parse import parse_args
from nets.builder.shapes import MAX_LAYERS, walk
from nets.builder.spec import INPUT_SHAPE, NUM_CLASSES, build_model, check_spec, default_layer, normalize_spec
from nets.models import tutorial_cnn, tutorial_spec


def torch_run(spec):
    """Torch as the reference: build the layers plainly, run one image; (failing index, message) or shapes."""
    layers = [make_layer(d).eval() for d in normalize_spec(spec)]
    x, shapes = torch.zeros(INPUT_SHAPE), []
    for i, layer in enumerate(layers):
        try:
            x = layer(x)
        except Exception as e:  # noqa: BLE001 - whatever torch raises is the reference
            return (i, str(e).strip()), shapes
        shapes.append(tuple(x.shape))
    return None, shapes


LAYER = st.one_of(
    st.builds(lambda i, o, k, s, p: {"type": "Conv2d", "in_channels": i, "out_channels": o, "kernel_size": k,
                                     "stride": s, "padding": p},
              st.sampled_from([1, 3, 8, 16]), st.sampled_from([3, 8, 16]), st.sampled_from([1, 3, 5, 9]),
              st.sampled_from([1, 2]), st.sampled_from([0, 1, 2])),
    st.builds(lambda t, k, p: {"type": t, "kernel_size": k, "padding": p},
              st.sampled_from(["MaxPool2d", "AvgPool2d"]), st.sampled_from([2, 3, 4]), st.sampled_from([0, 1, 2])),
    st.builds(lambda i, o: {"type": "Linear", "in_features": i, "out_features": o},
              st.sampled_from([10, 64, 768, 1024, 3072]), st.sampled_from([10, 64])),
    st.builds(lambda c: {"type": "BatchNorm2d", "num_features": c}, st.sampled_from([3, 8, 16])),
    st.sampled_from([{"type": "Flatten"}, {"type": "ReLU"}, {"type": "Dropout", "p": 0.3}, {"type": "Tanh"}]),
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(LAYER, min_size=1, max_size=7))
def test_check_agrees_with_torch_on_random_layer_lists(spec):
    failure, shapes = torch_run(spec)
    result = check_spec(spec)
    if failure:
        assert (result.error_index, result.torch_error) == failure
        assert result.error and result.layers[failure[0]].out_shape is None
    else:
        assert [c.out_shape for c in result.layers] == shapes
        assert result.ok == (shapes[-1] == (1, NUM_CLASSES))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(LAYER, min_size=1, max_size=7))
def test_every_fix_gets_past_the_offending_layer(spec):
    result = check_spec(spec)
    if result.fix is None:
        return
    name = result.layers[result.error_index].name
    fixed_names = layer_names(normalize_spec(result.fix.spec))
    failure, shapes = torch_run(result.fix.spec)
    if result.fix.label.key == "builder.fix.remove":
        assert name not in fixed_names and len(fixed_names) == len(spec) - 1
    elif result.torch_error:
        assert failure is None or failure[0] > fixed_names.index(name)
    else:  # the ending fix: the network now gives one score per class
        assert failure is None and shapes[-1] == (1, NUM_CLASSES)


def test_tutorial_spec_builds_the_tutorial_network():
    model, reference = build_model(tutorial_spec()), tutorial_cnn()
    assert [n for n, _ in model.named_children()] == [n for n, _ in reference.named_children()]
    model.load_state_dict(reference.state_dict())
    x = torch.randn(4, 3, 32, 32)
    assert torch.equal(model(x), reference(x))
    assert check_spec(None).ok and build_model(None)(x).shape == (4, NUM_CLASSES)


def test_classic_linear_mismatch_reports_torch_text_and_the_number_that_fits():
    spec = tutorial_spec()
    spec[7]["in_features"] = 512
    result = check_spec(spec)
    assert result.error_index == 7 and "mat1 and mat2 shapes cannot be multiplied" in result.torch_error
    assert "fc1" in str(result.error) and "1024" in str(result.error) and result.fix.spec[7]["in_features"] == 1024
    assert check_spec(result.fix.spec).ok


def test_tutorials_whole_batch_linear_is_fixed_to_one_image():
    spec = [{"type": "Flatten"}, {"type": "Linear", "in_features": 196608, "out_features": 10}]
    result = check_spec(spec)
    assert str(result.fix.label) == "Set fc1.in_features = 3072" and check_spec(result.fix.spec).ok


def test_missing_flatten_fix_inserts_flatten():
    spec = [d for d in tutorial_spec() if d["type"] != "Flatten"]
    result = check_spec(spec)
    assert result.fix.spec[6] == {"type": "Flatten"} and check_spec(result.fix.spec).ok


def test_channel_change_fix_sets_in_channels():
    spec = tutorial_spec()
    spec[2]["in_channels"] = 16
    result = check_spec(spec)
    assert "to have 16 channels, but got 32 channels" in result.torch_error
    assert result.fix.spec[2]["in_channels"] == 32 and check_spec(result.fix.spec).ok


def test_parameter_counts_shapes_and_macs_match_torch_and_torchinfo():
    spec = tutorial_spec()[:2] + [{"type": "BatchNorm2d", "num_features": 32}, {"type": "ReLU"}] + tutorial_spec()[2:]
    result, model = check_spec(spec), build_model(spec)
    stats = summary(model, input_size=INPUT_SHAPE, verbose=0, col_names=("output_size", "num_params", "mult_adds"),
                    device="cpu", mode="eval")
    rows = [info for info in stats.summary_list if info.depth == 1]
    for check, (_, layer), info in zip(result.layers, model.named_children(), rows, strict=True):
        assert check.params == sum(p.numel() for p in layer.parameters()) == info.num_params
        assert (check.name, list(check.out_shape), check.macs) == (info.var_name, info.output_size, info.macs)


def test_one_walker_serves_a_batch_and_marks_the_layers_after_a_failure_unreached():
    spec = normalize_spec(tutorial_spec())
    one, batch = walk(spec, INPUT_SHAPE), walk(spec, (4, 3, 32, 32))
    x = torch.zeros(4, 3, 32, 32)
    for a, b, layer in zip(one, batch, build_model(spec)):
        x = layer(x)
        assert b.out_shape == tuple(x.shape) and b.macs == 4 * a.macs and b.params == a.params
    spec[2]["in_channels"] = 16
    checks = walk(spec, INPUT_SHAPE)
    assert [c.reached for c in checks] == [True] * 3 + [False] * 6 and checks[2].error is not None
    assert [c.name for c in checks] == [n for n, _ in build_model(None).named_children()]


def numbers(sentence: str) -> list[str]:
    return re.findall(r"\d+(?:,\d{3})*", sentence)


@pytest.mark.parametrize("spec, words", [
    ([], "empty"),
    ("conv", "list of layers"),
    ([{"type": "Transformer"}], "unknown layer type"),
    ([{"type": "Linear", "in_features": 100_000, "out_features": 10_000}], "limit for one Linear"),
    ([{"type": "Conv2d", "in_channels": 3, "out_channels": 10_000, "kernel_size": 3}], "between 1 and 1,024"),
    ([{"type": "ReLU"}] * (MAX_LAYERS + 1), "the limit is 64"),
    ([{"type": "Conv2d", "in_channels": 3, "out_channels": 8, "kernal_size": 3}], "no argument 'kernal_size'"),
    ([{"type": "Conv2d", "in_channels": 3, "out_channels": 8, "kernel_size": 2.5}], "whole number"),
    ([{"type": "Conv2d", "in_channels": True, "out_channels": 8, "kernel_size": 3}], "must be a number"),
    ([{"type": "ReLU", "name": "x.y"}], "Python identifier"),
    ([{"type": "ReLU", "name": "training"}], "already an attribute"),
    ([{"type": "ReLU", "name": "a"}, {"type": "ReLU", "name": "a"}], "used twice"),
    ([{"type": "Conv2d", "in_channels": 3, "out_channels": 1024, "kernel_size": 1, "padding": 16},
      {"type": "Conv2d", "in_channels": 1024, "out_channels": 1024, "kernel_size": 1, "padding": 16}],
     "the limit is 4,194,304"),
    ([{"type": "Conv2d", "in_channels": 3, "out_channels": 1024, "kernel_size": 3, "padding": 1},
      {"type": "Conv2d", "in_channels": 1024, "out_channels": 1024, "kernel_size": 3, "padding": 1}],
     "multiply-adds"),
])
def test_bad_layer_lists_get_one_clear_sentence(spec, words):
    result = check_spec(spec)
    assert not result.ok and words in str(result.error)
    chinese = result.error.words("zh-CN")           # the same sentence for a Chinese visitor, numbers kept
    assert re.search(r"[\u4e00-\u9fff]", chinese) and numbers(chinese) == numbers(str(result.error))
    with pytest.raises(SpecError, match=words.replace("(", r"\(")):
        build_model(spec)


def test_parse_args_reads_pytorch_style_arguments():
    assert parse_args("Conv2d", "3, 32, kernel_size=5, padding=2") == tutorial_spec()[0] | {"stride": 1}
    for text in ("__import__('os')", "3, 32, kernel_size=open('x')", "3,", "*x", "3, 32, 5, in_channels=3"):
        with pytest.raises(SpecError):
            parse_args("Conv2d", text)


@pytest.mark.parametrize("kind", list(LAYER_TYPES))
def test_new_layers_fit_where_they_are_added(kind):
    spec = tutorial_spec()
    result = check_spec(spec)
    spec.insert(6, default_layer(kind, result.layers[5].out_shape))   # after pool3: (1, 64, 4, 4)
    failure, _ = torch_run(spec)
    if kind == "Linear":   # a Linear on maps needs Flatten first, which the fix inserts
        assert failure[0] == 6 and str(check_spec(spec).fix.label).startswith("Insert Flatten")
    else:  # the new layer fits; a pool may leave later layers to fix
        assert failure is None or failure[0] > 6
