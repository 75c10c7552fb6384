"""Where the app runs (a ZeroGPU Space, a Space, anywhere else) and how long one training run may take there."""
import importlib.util
import os

from nets.text import DEFAULT, text
from nets.weights import limit_from_env

# Every run on every host stops once it has trained this long, keeping its weights as after a Stop: runs
# go one at a time, so on a shared server or Space a visitor waits at most (runs ahead) x this.
MAX_RUN_S = 60 * limit_from_env("LAYERLAB_MAX_RUN_MINUTES", 15)
ZEROGPU_MAX_S = 110          # ZeroGPU's default per-call quota is 120 s of GPU; keep a margin
ZEROGPU_START_S = 10         # moving the data and model onto the GPU before the first step
# One epoch (50,000 images, batch 128, with the test pass) took 0.25 s on a whole H200; a ZeroGPU slice
# is shared and smaller, so plan with four times that.
ZEROGPU_EPOCH_S = 1.0


def on_space() -> bool:
    """Hugging Face Spaces sets SPACE_ID in every Space."""
    return bool(os.environ.get("SPACE_ID"))


def on_zerogpu() -> bool:
    """A ZeroGPU Space: SPACES_ZERO_GPU is set and the spaces package is importable."""
    return os.environ.get("SPACES_ZERO_GPU", "").lower() in ("1", "true") and \
        importlib.util.find_spec("spaces") is not None


def zerogpu_seconds(epochs: int, seconds_per_epoch: float) -> int:
    """The GPU time to ask ZeroGPU for: the run's estimate, capped at the quota."""
    return int(min(ZEROGPU_MAX_S, ZEROGPU_START_S + epochs * seconds_per_epoch * 1.5))


def max_epochs_that_fit(requested: int, seconds_per_epoch: float, locale: str = DEFAULT) -> tuple[int, str]:
    """Epochs allowed here, and a sentence in locale explaining a cap (empty when there is none)."""
    # Only ZeroGPU caps epochs up front: its worker cannot be stopped from here, so the run must end by itself
    # within the quota. Everywhere else the run-time budget (out_of_time) ends a run, whatever its epochs.
    if on_zerogpu():
        fit = max(1, int((min(ZEROGPU_MAX_S, MAX_RUN_S) - ZEROGPU_START_S) / (seconds_per_epoch * 1.5)))
        if requested > fit:
            return fit, text("hosting.zerogpu_cap", locale, seconds=ZEROGPU_MAX_S, fit=fit, requested=requested)
    return requested, ""


def budget_text(locale: str = DEFAULT) -> str:
    """The run-time budget in words, for the status line."""
    return text("hosting.minutes", locale, minutes=f"{MAX_RUN_S / 60:g}")


def out_of_time_note(locale: str = DEFAULT) -> str:
    """Why a run stopped by itself, in locale."""
    return text("hosting.out_of_time", locale, budget=budget_text(locale))


def gpu_task(fn, duration):
    """fn wrapped in spaces.GPU(duration=...) on ZeroGPU; fn itself everywhere else.

    duration is a function of fn's arguments returning seconds, as spaces.GPU accepts."""
    if not on_zerogpu():
        return fn
    import spaces
    return spaces.GPU(duration=duration)(fn)
