"""Checks for values that arrive from the UI or straight from the API, bypassing the sliders."""
import math
import os

import gradio as gr

from nets import safejson
from nets.text import LearnerError, Phrase
from ui.common.i18n import current_locale, say

SHOWN_CHARS = 40   # a refused value is quoted up to this many characters: a 1 MB string is not echoed back


def bad(message: str) -> gr.Error:
    """A gr.Error for the learner: the message only (already in their language), no traceback in the console."""
    return gr.Error(message, print_exception=False)


def refuse(key: str, /, **params) -> gr.Error:
    """A gr.Error worded from the i18n tables in the language of the request being handled."""
    return bad(say(key, **params))


def refused(error: LearnerError) -> gr.Error:
    """A refusal from nets/ (weights, a config, the data) worded in the language of the request."""
    return bad(error.phrase.words(current_locale()))


def shown(value) -> str | Phrase:
    """A value as the message quotes it: its repr, cut to SHOWN_CHARS."""
    text = repr(value)
    return text if len(text) <= SHOWN_CHARS else Phrase("validate.characters", head=text[:SHOWN_CHARS],
                                                        count=len(text))


def as_number(value, name: str, kind: Phrase) -> float:
    """value as a finite float; True/False and text are refused rather than read as 1, 0 or NaN."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise refuse("validate.not_kind", name=name, kind=kind, value=shown(value))
    try:
        number = float(value)
    except (ValueError, OverflowError):
        raise refuse("validate.not_kind", name=name, kind=kind, value=shown(value)) from None
    if not math.isfinite(number):
        raise refuse("validate.not_kind", name=name, kind=kind, value=shown(value))
    return number


def as_int(value, name: str, low: int, high: int) -> int:
    """value as an int in [low, high], or a gr.Error naming the bound; 2.5 is refused, not rounded."""
    whole = Phrase("validate.kind_whole")
    number = as_number(value, name, whole)
    if number != int(number):
        raise refuse("validate.not_kind", name=name, kind=whole, value=shown(value))
    if not low <= number <= high:
        raise refuse("validate.range", name=name, low=low, high=high, value=int(number))
    return int(number)


def as_float(value, name: str, low: float, high: float) -> float:
    """value as a finite float in [low, high], or a gr.Error naming the bound."""
    number = as_number(value, name, Phrase("validate.kind_number"))
    if not low <= number <= high:
        raise refuse("validate.range", name=name, low=f"{low:g}", high=f"{high:g}", value=shown(value))
    return number


def as_choice(value, name: str, choices) -> str:
    """value if it is one of choices, else a gr.Error listing them."""
    if not isinstance(value, (str, int, float)) or isinstance(value, bool) or value not in choices:
        raise refuse("validate.choice", name=name, choices=", ".join(map(str, choices)), value=shown(value))
    return value


def as_text(value, name: str, max_chars: int) -> str:
    """value if it is a text of at most max_chars characters, else a gr.Error naming the limit."""
    if not isinstance(value, str) or len(value) > max_chars:
        raise refuse("validate.text", name=name, limit=max_chars, value=shown(value))
    return value


def as_bool(value, name: str) -> bool:
    """value if it is True or False (a checkbox), else a gr.Error: "yes" and 1 are not read as a tick."""
    if isinstance(value, bool):
        return value
    raise refuse("validate.bool", name=name, value=shown(value))


def as_subset(values, name: str, choices) -> list:
    """values if it is a list of some of choices (a group of checkboxes), else a gr.Error listing them."""
    if not isinstance(values, (list, tuple)) or (values and not choices):
        key = "validate.subset" if choices else "validate.subset_none"   # nothing to choose from yet
        raise refuse(key, name=name, choices=", ".join(map(str, choices)), value=shown(values))
    for value in values:
        as_choice(value, name, choices)
    return list(values)


def as_upload(value, name: str) -> str | None:
    """The path of an uploaded file as Gradio sends it (a FileData dict, already checked to lie in its upload
    folder), None for no file, else a gr.Error: a string or a number is not an upload."""
    if value is None:
        return None
    path = value.get("path") if isinstance(value, dict) else None
    if not isinstance(path, str) or not os.path.isfile(path):
        raise refuse("validate.not_file", name=name, value=shown(value))
    return path


def as_json(value, name: str, max_chars: int):
    """value (a JSON text) parsed, refused first if longer than max_chars or nested deeper than
    safejson.MAX_DEPTH levels (Python's json would fail with RecursionError), else a gr.Error saying why."""
    if not isinstance(value, str) or len(value) > max_chars:
        raise refuse("validate.json_size", name=name, limit=max_chars)
    try:
        return safejson.loads(value)
    except safejson.TooDeep as e:
        raise refuse("validate.json_deep", name=name, limit=e.limit) from None
    except ValueError as e:   # json.JSONDecodeError: where the text stops being JSON
        raise refuse("validate.json", name=name, line=getattr(e, "lineno", 1), column=getattr(e, "colno", 1)) from None
