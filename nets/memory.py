"""The server's memory budget: what the process holds now, what an upload or a picture will add, and one
check that refuses the work when the sum would pass limits.MAX_SERVER_MEMORY_BYTES (read at each call).
What a network or a training run will add is estimated in nets.estimates."""
import ctypes.util
import functools
import os
import resource
import sys

from nets import limits
from nets.text import LearnerError, Phrase

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
    trim = malloc_trim()
    if trim is not None:
        trim(0)


@functools.cache
def malloc_trim():
    """glibc's malloc_trim, looked up once (find_library runs `ldconfig -p` in a subprocess at every call);
    None where the C library has none (macOS, musl, Windows)."""
    try:
        return ctypes.CDLL(ctypes.util.find_library("c")).malloc_trim
    except (OSError, AttributeError, TypeError):
        return None


def check_memory(needed: int, work: str, refusal=OverBudgetError) -> None:
    """Raise refusal("memory.over_budget", ...) when what the process holds plus `needed` bytes would pass
    the budget; work is the key naming the work. ui/ passes ui.common.validate.refuse (the visitor's language)."""
    if needed < SMALL_BYTES:
        return
    held = rss_bytes()
    if held + needed > limits.MAX_SERVER_MEMORY_BYTES:
        raise refusal("memory.over_budget", work=Phrase(work), needed=needed / limits.MB,
                      held=held / limits.MB, budget=limits.MAX_SERVER_MEMORY_BYTES / limits.MB)


def upload_bytes(path) -> int:
    """What loading an uploaded weights file holds at once (0 if it is gone: the loader says so)."""
    try:
        return UPLOAD_COPIES * os.path.getsize(path)
    except (OSError, TypeError):
        return 0
