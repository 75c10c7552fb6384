"""Where the app runs (a ZeroGPU Space, a Space, anywhere else) and how long one training run may take there."""
import importlib.util
import os

from nets import limits

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


def max_epochs_that_fit(requested: int, seconds_per_epoch: float) -> int:
    """Epochs allowed here: fewer than requested only on ZeroGPU."""
    # Only ZeroGPU caps epochs up front: its worker cannot be stopped from here, so the run must end by itself
    # within the quota. Everywhere else the run-time budget (out_of_time) ends a run, whatever its epochs.
    if on_zerogpu():
        gpu_s = min(ZEROGPU_MAX_S, limits.MAX_RUN_S) - ZEROGPU_START_S
        return min(requested, max(1, int(gpu_s / (seconds_per_epoch * 1.5))))
    return requested


def gpu_task(fn, duration):
    """fn wrapped in spaces.GPU(duration=...) on ZeroGPU; fn itself everywhere else.

    duration is a function of fn's arguments returning seconds, as spaces.GPU accepts."""
    if not on_zerogpu():
        return fn
    import spaces
    return spaces.GPU(duration=duration)(fn)
