"""The one input standard: a refused value names the setting, the value (cut short) and what is allowed."""
import gradio as gr
import pytest

from ui.common.validate import as_choice, as_float, as_int


def refusal(check) -> str:
    """The message of the gr.Error that check() raises."""
    with pytest.raises(gr.Error) as error:
        check()
    return error.value.message


@pytest.mark.parametrize("value", [True, False, 2.5, "2.5", float("nan"), float("inf"), "1e999", None, [3], {"a": 1}])
def test_whole_numbers_are_never_rounded_or_guessed(value):
    assert refusal(lambda: as_int(value, "Epochs", 1, 10)).startswith("Epochs must be a whole number, got ")


@pytest.mark.parametrize("value, expected", [(3, 3), (3.0, 3), ("3", 3), ("3.0", 3)])
def test_whole_numbers_in_any_spelling_are_read(value, expected):
    assert as_int(value, "Epochs", 1, 10) == expected


def test_a_number_out_of_range_names_the_range():
    assert refusal(lambda: as_int(12, "kernel_size", 1, 11)) == "kernel_size must be between 1 and 11, got 12."
    assert (refusal(lambda: as_float(11, "Learning rate", 1e-6, 10))
            == "Learning rate must be between 1e-06 and 10, got 11.")
    assert refusal(lambda: as_float(True, "Learning rate", 0, 10)) == "Learning rate must be a number, got True."


def test_huge_values_are_not_echoed_back():
    huge = "x" * 1_000_000
    for check in (lambda: as_int(huge, "Seed", 0, 9), lambda: as_choice(huge, "Split", ("train", "test"))):
        message = refusal(check)
        assert len(message) < 200 and "1,000,002 characters" in message


def test_choices_are_listed():
    assert refusal(lambda: as_choice("valid", "Split", ("train", "test"))) == \
        "Split must be one of train, test; got 'valid'."
    assert refusal(lambda: as_choice(["train"], "Split", ("train", "test"))).endswith("got ['train'].")


def test_checkboxes_uploads_texts_and_json_are_checked_by_kind():
    from ui.common.validate import as_bool, as_json, as_subset, as_text, as_upload
    assert refusal(lambda: as_bool("yes", "Augmentation")) == "Augmentation must be true or false, got 'yes'."
    assert as_subset(["#1"], "Runs", ["#1", "#2"]) == ["#1"] and as_subset([], "Runs", []) == []
    assert refusal(lambda: as_subset(None, "Runs", ["#1"])).startswith("Runs must be a list of some of #1;")
    assert refusal(lambda: as_subset(["#3"], "Runs", [])).startswith("Runs must be an empty list")
    assert refusal(lambda: as_upload("/etc/passwd", "Weights file")).startswith("Weights file must be an uploaded file")
    assert as_upload({"path": __file__}, "Weights file") == __file__ and as_upload(None, "Weights file") is None
    assert "at most 100 characters" in refusal(lambda: as_text("x" * 101, "Layer", 100))
    assert as_json('[{"type": "ReLU"}]', "JSON", 100) == [{"type": "ReLU"}]
    assert "deeper than 32 levels" in refusal(lambda: as_json("[" * 10_000 + "]" * 10_000, "JSON", 20_000))
    assert "line 1, column 2" in refusal(lambda: as_json("[", "JSON", 100))
