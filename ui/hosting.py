"""Where the app runs: a ZeroGPU Space, a CPU Space, or anywhere else, and what that allows."""
import importlib.util
import os

ZEROGPU_MAX_S = 110          # ZeroGPU's default per-call quota is 120 s of GPU; keep a margin
ZEROGPU_START_S = 10         # moving the data and model onto the GPU before the first step
CPU_SPACE_MAX_EPOCHS = 3     # a free CPU Space (2 vCPU) trains ~3 epochs in a few minutes
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


def on_cpu_space() -> bool:
    """A Space without any GPU, where training must be kept short."""
    import torch
    return on_space() and not on_zerogpu() and not torch.cuda.is_available()


def zerogpu_seconds(epochs: int, seconds_per_epoch: float) -> int:
    """The GPU time to ask ZeroGPU for: the run's estimate, capped at the quota."""
    return int(min(ZEROGPU_MAX_S, ZEROGPU_START_S + epochs * seconds_per_epoch * 1.5))


def max_epochs_that_fit(requested: int, seconds_per_epoch: float) -> tuple[int, str]:
    """Epochs allowed here, and a sentence explaining a cap (empty when there is none)."""
    if on_zerogpu():
        fit = max(1, int((ZEROGPU_MAX_S - ZEROGPU_START_S) / (seconds_per_epoch * 1.5)))
        if requested > fit:
            return fit, (f"On this ZeroGPU Space one run may use about {ZEROGPU_MAX_S} s of GPU time, "
                         f"so training stops after {fit} epochs (asked: {requested}).")
    elif on_cpu_space() and requested > CPU_SPACE_MAX_EPOCHS:
        return CPU_SPACE_MAX_EPOCHS, (f"This Space has no GPU, so runs are capped at {CPU_SPACE_MAX_EPOCHS} "
                                      f"epochs (asked: {requested}); run LayerLab locally for longer training.")
    return requested, ""


def gpu_task(fn, duration):
    """fn wrapped in spaces.GPU(duration=...) on ZeroGPU; fn itself everywhere else.

    duration is a function of fn's arguments returning seconds, as spaces.GPU accepts."""
    if not on_zerogpu():
        return fn
    import spaces
    return spaces.GPU(duration=duration)(fn)
