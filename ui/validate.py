"""Checks for values that arrive from the UI or straight from the API, bypassing the sliders."""
import math

import gradio as gr


def bad(message: str) -> gr.Error:
    """A gr.Error for the learner: the message only, no traceback in the console."""
    return gr.Error(message, print_exception=False)


def as_int(value, name: str, low: int, high: int) -> int:
    """value as an int in [low, high], or a gr.Error naming the bound."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise bad(f"{name} must be a whole number, got {value!r}.") from None
    if not math.isfinite(number) or number != int(number):
        raise bad(f"{name} must be a whole number, got {value!r}.")
    if not low <= number <= high:
        raise bad(f"{name} must be between {low} and {high}, got {int(number)}.")
    return int(number)


def as_float(value, name: str, low: float, high: float) -> float:
    """value as a finite float in [low, high], or a gr.Error naming the bound."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise bad(f"{name} must be a number, got {value!r}.") from None
    if not math.isfinite(number) or not low <= number <= high:
        raise bad(f"{name} must be between {low:g} and {high:g}, got {value!r}.")
    return number


def as_choice(value, name: str, choices) -> str:
    """value if it is one of choices, else a gr.Error listing them."""
    if value not in choices:
        raise bad(f"{name} must be one of {', '.join(map(str, choices))}; got {value!r}.")
    return value
