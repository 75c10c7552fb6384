"""Checks for values that arrive from the UI or straight from the API, bypassing the sliders."""
import math

import gradio as gr

SHOWN_CHARS = 40   # a refused value is quoted up to this many characters: a 1 MB string is not echoed back


def bad(message: str) -> gr.Error:
    """A gr.Error for the learner: the message only, no traceback in the console."""
    return gr.Error(message, print_exception=False)


def shown(value) -> str:
    """A value as the message quotes it: its repr, cut to SHOWN_CHARS."""
    text = repr(value)
    return text if len(text) <= SHOWN_CHARS else f"{text[:SHOWN_CHARS]}… ({len(text):,} characters)"


def as_number(value, name: str, kind: str) -> float:
    """value as a finite float; True/False and text are refused rather than read as 1, 0 or NaN."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise bad(f"{name} must be {kind}, got {shown(value)}.")
    try:
        number = float(value)
    except (ValueError, OverflowError):
        raise bad(f"{name} must be {kind}, got {shown(value)}.") from None
    if not math.isfinite(number):
        raise bad(f"{name} must be {kind}, got {shown(value)}.")
    return number


def as_int(value, name: str, low: int, high: int) -> int:
    """value as an int in [low, high], or a gr.Error naming the bound; 2.5 is refused, not rounded."""
    number = as_number(value, name, "a whole number")
    if number != int(number):
        raise bad(f"{name} must be a whole number, got {shown(value)}.")
    if not low <= number <= high:
        raise bad(f"{name} must be between {low} and {high}, got {int(number)}.")
    return int(number)


def as_float(value, name: str, low: float, high: float) -> float:
    """value as a finite float in [low, high], or a gr.Error naming the bound."""
    number = as_number(value, name, "a number")
    if not low <= number <= high:
        raise bad(f"{name} must be between {low:g} and {high:g}, got {shown(value)}.")
    return number


def as_choice(value, name: str, choices) -> str:
    """value if it is one of choices, else a gr.Error listing them."""
    if not isinstance(value, (str, int, float)) or isinstance(value, bool) or value not in choices:
        raise bad(f"{name} must be one of {', '.join(map(str, choices))}; got {shown(value)}.")
    return value
