"""The Builder tab's handlers: table edits, buttons, the one-click fix, arch_state, and bad input."""
import json

import gradio as gr
import pytest
import torch

from nets.builder.shapes import MAX_LAYERS
from nets.builder.spec import build_model, normalize_spec
from nets.models import tutorial_spec
from ui import builder_tab as bt

PREVIOUS = [{"type": "Flatten"}, {"type": "Linear", "in_features": 3072, "out_features": 10}]


def test_table_round_trips_and_names_stay_automatic():
    rows, _ = bt.spec_rows(tutorial_spec())
    assert bt.table_to_spec(rows) == normalize_spec(tutorial_spec())
    rows[0][1] = "stem"                        # the learner renames conv1
    spec = bt.table_to_spec(bt.layer_table(rows))
    assert spec[0]["name"] == "stem" and "name" not in spec[2]
    assert [n for n, _ in build_model(spec).named_children()][:3] == ["stem", "pool1", "conv1"]


def test_editing_arguments_rechecks_and_updates_arch_state():
    rows, _ = bt.spec_rows(tutorial_spec())
    rows[0][3] = "3, 16, kernel_size=3, padding=1"
    out = bt.edit_table(rows, PREVIOUS)
    table, fix_button = out.table, out.fix_button
    assert table["headers"] == ["#", "name", "layer", "arguments", "output shape", "parameters", "check"]
    assert "✗" in table["data"][2][6] and "to have 32 channels, but got 16" in table["data"][2][6]
    assert out.arch_state == PREVIOUS and fix_button["visible"] and "conv2.in_channels = 16" in fix_button["value"]
    out = bt.apply_fix(out.fix_state, PREVIOUS)
    spec = out.spec_state
    assert out.arch_state == spec and "✓ The network runs" in out.status and out.fix_button["visible"] is False
    namespace = {}
    exec(out.seq_code, namespace)  # noqa: S102 - the code the tab shows must build the checked model
    model = namespace["model"]
    assert sum(p.numel() for p in model.parameters()) == sum(p.numel() for p in build_model(spec).parameters())


def test_buttons_add_remove_and_move_layers():
    spec = normalize_spec(tutorial_spec())
    out = bt.add_layer(spec, "ReLU", 0, None)
    assert [d["type"] for d in out.spec_state[:3]] == ["Conv2d", "ReLU", "MaxPool2d"]
    assert out.arch_state == out.spec_state and out.selected == 1
    out = bt.add_layer(out.spec_state, "BatchNorm2d", 0, None)
    assert out.spec_state[1] == {"type": "BatchNorm2d", "num_features": 32}
    moved = bt.move_down(out.spec_state, 1, None)
    assert [d["type"] for d in moved.spec_state[1:3]] == ["ReLU", "BatchNorm2d"] and moved.selected == 2
    removed = bt.remove_layer(moved.spec_state, 2, None)
    assert len(removed.spec_state) == len(spec) + 1 and removed.spec_state[1]["type"] == "ReLU"
    assert isinstance(removed.selected, type(gr.skip()))   # the row picked stays picked


def test_the_tutorials_linear_without_flatten_is_fixed_in_one_click():
    spec = [d for d in tutorial_spec() if d["type"] != "Flatten"]
    out = bt.set_layers(json.dumps(tutorial_spec()), None)
    out = bt.show_spec(spec, out.arch_state)
    assert "mat1 and mat2 shapes cannot be multiplied" in out.status
    assert "Insert Flatten before fc1" in out.fix_button["value"]
    fixed = bt.apply_fix(out.fix_state, out.arch_state)
    model = build_model(fixed.arch_state)
    assert model(torch.randn(2, 3, 32, 32)).shape == (2, 10)


@pytest.mark.parametrize("call, words", [
    (lambda: bt.remove_layer([{"type": "Flatten"}], 0, PREVIOUS), "empty"),
    (lambda: bt.remove_layer(tutorial_spec(), None, PREVIOUS), "Select a layer first"),
    (lambda: bt.remove_layer(tutorial_spec(), 99, PREVIOUS), "between 0 and 8"),
    (lambda: bt.add_layer(tutorial_spec(), "Attention", 0, PREVIOUS), "Layer type must be one of"),
    (lambda: bt.add_layer([{"type": "ReLU"}] * MAX_LAYERS, "ReLU", 0, PREVIOUS), "limit"),
    (lambda: bt.apply_fix(None, PREVIOUS), "nothing to fix"),
    (lambda: bt.set_layers("[", PREVIOUS), "not valid JSON"),
    (lambda: bt.set_layers("x" * 30_000, PREVIOUS), "at most 20,000"),
    (lambda: bt.set_layers(json.dumps({"type": "ReLU"}), PREVIOUS), "list of layers"),
    (lambda: bt.set_layers("[]", PREVIOUS), "empty"),
    (lambda: bt.set_layers(json.dumps([{"type": "Linear", "in_features": 10**6, "out_features": 1000}]), PREVIOUS),
     "1,000,001,000 parameters"),
    (lambda: bt.set_layers(json.dumps([{"type": "Conv2d", "in_channels": 3, "out_channels": 10_000,
                                        "kernel_size": 3}]), PREVIOUS), "between 1 and 1,024"),
    (lambda: bt.set_layers(json.dumps([{"type": "Softmax2000"}]), PREVIOUS), "unknown layer type"),
    (lambda: bt.set_layers(json.dumps(tutorial_spec()[:7] + tutorial_spec()[8:]), PREVIOUS),
     "mat1 and mat2 shapes cannot be multiplied"),
    (lambda: bt.edit_table("rows", PREVIOUS), "rows of"),
])
def test_bad_input_is_one_clear_gr_error(call, words):
    with pytest.raises(gr.Error, match=words.replace("(", r"\(")):
        call()


def test_builder_follows_a_network_loaded_in_another_tab():
    spec = normalize_spec(PREVIOUS)
    assert all(isinstance(v, type(gr.skip())) for v in bt.follow_arch(spec, spec))
    out = bt.follow_arch(spec, normalize_spec(tutorial_spec()))
    assert out.spec_state == spec and out.arch_state == spec
    assert [r[2] for r in out.table["data"]] == ["Flatten", "Linear"]


def test_every_layer_stays_in_the_table_when_one_fails_and_repairing_it_keeps_the_rest():
    rows, _ = bt.spec_rows(tutorial_spec())
    rows[7][3] = "512, 64"                      # fc1 no longer fits the 1024 flattened values
    out = bt.edit_table(rows, PREVIOUS)
    table = out.table["data"]
    assert [r[1] for r in table] == [r[1] for r in rows] and out.arch_state == PREVIOUS
    assert table[7][6].startswith("✗") and table[8][6] == "not checked: an earlier layer fails"
    assert table[8][3] == "64, 10" and table[8][4] == "—"
    table[7][3] = "1024, 64"                    # repaired by hand: fc2 is still there
    out = bt.edit_table(table, PREVIOUS)
    assert out.spec_state == normalize_spec(tutorial_spec()) and out.arch_state == out.spec_state
    assert "✓ The network runs" in out.status


def test_a_cell_that_cannot_be_read_stays_as_typed_and_the_buttons_wait():
    rows, _ = bt.spec_rows(tutorial_spec())
    rows[2][3] = "32, 32, kernel_size=banana"
    rows[4][2] = "Conv3d"
    out = bt.edit_table(rows, PREVIOUS)
    table = out.table["data"]
    assert [r[2:4] for r in table] == [r[2:4] for r in rows] and out.arch_state == PREVIOUS
    assert "does not know what banana is" in table[2][6] and "does not know what banana is" in out.status
    assert isinstance(out.seq_code, type(gr.skip())) and out.fix_button["visible"] is False
    with pytest.raises(gr.Error, match="Fix that cell first"):
        bt.add_layer(out.spec_state, "ReLU", 0, out.arch_state)
    table[2][3] = "32, 32, kernel_size=5, padding=2"
    table = bt.edit_table(table, PREVIOUS).table["data"]
    assert "unknown layer type 'Conv3d'" in table[4][6] and table[4][2:4] == rows[4][2:4]
    table[4][2] = "Conv2d"
    assert bt.edit_table(table, PREVIOUS).spec_state == normalize_spec(tutorial_spec())


def test_remove_right_after_add_removes_the_layer_just_added():
    spec = normalize_spec(tutorial_spec())
    out = bt.add_layer(spec, "Dropout", 6, None)
    assert out.selected == 7 and out.spec_state[7]["type"] == "Dropout"
    assert bt.remove_layer(out.spec_state, out.selected, None).spec_state == spec


def test_a_conv2d_after_flatten_keeps_every_layer_and_gets_a_one_click_fix():
    spec = normalize_spec(tutorial_spec())
    out = bt.add_layer(spec, "Conv2d", 6, None)   # after flatten
    table, status, fix_button, fix_spec = out.table["data"], out.status, out.fix_button, out.fix_state
    assert [r[1] for r in table] == [*[n for n, _ in build_model(None).named_children()][:7], "conv4", "fc1", "fc2"]
    assert "already flattened" in status and fix_button["value"].startswith("Fix: Move conv4 before Flatten")
    out = bt.apply_fix(fix_spec, None)          # one click: it keeps the 64 channels, so fc1 still fits
    spec = out.spec_state
    assert [d["type"] for d in spec[5:8]] == ["MaxPool2d", "Conv2d", "Flatten"]
    assert spec[6]["in_channels"] == spec[6]["out_channels"] == 64
    assert "✓ The network runs" in out.status and build_model(spec)(torch.randn(2, 3, 32, 32)).shape == (2, 10)
