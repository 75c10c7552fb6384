"""The server's memory budget: what the process holds now, what a piece of work will add, and one check
that refuses the work when the sum would pass limits.MAX_SERVER_MEMORY_BYTES (read at each call)."""
import ctypes.util
import os
import resource
import sys

from nets import limits
from nets.builder.shapes import numel
from nets.builder.spec import check_spec
from nets.models import tutorial_spec
from nets.text import LearnerError, Phrase
from nets.train.device import EVAL_BATCH, KEPT_FREE_BYTES, SLICE

FLOAT_BYTES = 4
# A training run holds per weight its value, its gradient and up to two optimizer slots (Adam's moments), the
# snapshots it keeps, and at each epoch's end the new one before the oldest is dropped (the run's peak for a
# big network: benchmarks/memory_estimates.py measured 2.9 GB for 400 MB of weights, 7 copies).
TRAINING_COPIES = 4 + 1
# A training step keeps each activation of the batch for the backward pass, its gradient and a temporary.
ACTIVATION_COPIES = 3
# An uploaded weights file is read (torch.save never compresses: about its size), loaded into a network of
# the same size, and the loaded weights kept once more as the model's first snapshot.
UPLOAD_COPIES = 3
# A decoded picture: Pillow's own pixels (up to 4 bytes each for 32-bit and float modes), the uint8 RGB array
# and one RGB temporary.
PICTURE_BYTES_PER_PIXEL = 10
# Work smaller than this is not checked: one more small allocation cannot matter, and the dataset's 60,000
# pictures are decoded without reading /proc for each.
SMALL_BYTES = 16 * limits.MB


class OverBudgetError(LearnerError):
    """Work refused because the server's memory would pass its budget."""


def rss_bytes() -> int:
    """The process's resident memory now (where there is no /proc: its peak so far)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak if sys.platform == "darwin" else peak * 1024   # bytes on macOS, KiB elsewhere


def give_memory_back() -> None:
    """Hand the heap's free pages back to the system (glibc; a no-op elsewhere).

    glibc keeps freed blocks for reuse, and a training run tunes it to keep up to 512 MB of them
    (nets.train.device.tune_allocator): a finished run's buffers and a dropped model would stay counted
    against the server (tests/test_memory.py: 200 MB freed in 4 MB blocks stays held without this)."""
    libc = ctypes.util.find_library("c")
    if libc:
        ctypes.CDLL(libc).malloc_trim(0)


def check_memory(needed: int, work: str, refusal=OverBudgetError) -> None:
    """Raise refusal("memory.over_budget", ...) when what the process holds plus `needed` bytes would pass
    the budget; work is the key naming the work. ui/ passes ui.validate.refuse (the visitor's language)."""
    if needed < SMALL_BYTES:
        return
    held = rss_bytes()
    if held + needed > limits.MAX_SERVER_MEMORY_BYTES:
        raise refusal("memory.over_budget", work=Phrase(work), needed=needed / limits.MB,
                      held=held / limits.MB, budget=limits.MAX_SERVER_MEMORY_BYTES / limits.MB)


def network_size(arch) -> tuple[int, int, int, bool]:
    """(weights, activation values per image, the largest two consecutive activations per image, whether it
    has BatchNorm) of a layer list (None: the tutorial's), from its shape walk."""
    result = check_spec(arch if arch is not None else tutorial_spec())
    outputs = [numel(c.out_shape) for c in result.layers if c.out_shape]
    pairs = [a + b for a, b in zip([3 * 32 * 32, *outputs], outputs)]   # a layer's input and output
    return (result.params, sum(outputs), max(pairs, default=0),
            any(c.type.startswith("BatchNorm") for c in result.layers))


def network_bytes(arch) -> int:
    """The bytes a built network's float32 weights take."""
    return network_size(arch)[0] * FLOAT_BYTES


def snapshots_that_fit(snapshot_bytes: int, most: int) -> int:
    """Weight snapshots one visitor may keep: as many as MAX_VISITOR_BYTES holds, at most `most`, at least the
    first and the newest."""
    return max(2, min(most, limits.MAX_VISITOR_BYTES // max(snapshot_bytes, 1)))


def training_bytes(arch, batch_size: int, most_snapshots: int) -> int:
    """What a training run holds at once: its weights with their gradients, optimizer slots and snapshots,
    the activations of a step or a test pass (whichever is larger), and the freed buffers glibc keeps for the
    next step (KEPT_FREE_BYTES: the tutorial's CNN, a few MB of weights and activations, took 290-350 MB
    above the start)."""
    params, activations, largest_pair, batch_norm = network_size(arch)
    snapshots = snapshots_that_fit(params * FLOAT_BYTES, most_snapshots)
    # A CPU step holds the activations of one slice at a time (nets.train.steps.sliced_step), unless
    # BatchNorm needs the whole batch's statistics; a GPU's are not the server's memory. A test pass holds a
    # layer's input and output for EVAL_BATCH images, more than a slice for a wide first layer.
    held = batch_size if batch_norm else min(batch_size, SLICE)
    values = max(activations * held * ACTIVATION_COPIES, largest_pair * EVAL_BATCH)
    return KEPT_FREE_BYTES + FLOAT_BYTES * (params * (TRAINING_COPIES + snapshots) + values)


def upload_bytes(path) -> int:
    """What loading an uploaded weights file holds at once (0 if it is gone: the loader says so)."""
    try:
        return UPLOAD_COPIES * os.path.getsize(path)
    except (OSError, TypeError):
        return 0
