"""Where training runs: the device, its name, CPU threads, the allocator and bf16 support."""
import ctypes
import os

import torch

from nets.text import LearnerError, Phrase

DEVICES = ("auto", "cpu", "cuda", "mps")


class DeviceError(LearnerError):
    """A device that is not available here; the message (a key of assets/i18n/training.json) says which to choose."""


def resolve_device(name: str = "auto") -> torch.device:
    """The torch device for "auto", "cpu", "cuda" or "mps"; a clear DeviceError if it is missing."""
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise DeviceError("train.err.no_cuda")
    if name == "mps" and not torch.backends.mps.is_available():
        raise DeviceError("train.err.no_mps")
    if name not in DEVICES:
        raise DeviceError("train.err.unknown", name="device", value=repr(name), choices=", ".join(DEVICES))
    return torch.device(name)


def device_phrase(device: torch.device, threads: int | None = None) -> Phrase:
    """A line for the learner, in any language: the GPU's name, or the CPU and its thread count (threads: the
    run's, where it sets its own; else this thread's)."""
    if device.type == "cuda":
        return Phrase("train.device_gpu", name=torch.cuda.get_device_name(device))
    if device.type == "mps":
        return Phrase("train.device_gpu", name="Apple MPS")
    n = threads or torch.get_num_threads()
    return Phrase("train.device_cpu", threads=n) if n > 1 else Phrase("train.device_cpu_one")


def device_name(device: torch.device) -> str:
    """device_phrase in English (the CLI's line)."""
    return device_phrase(device).words()


def cpu_cores() -> int:
    """Cores this process may use (taskset and container limits included)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:   # macOS, Windows
        return os.cpu_count() or 1


def app_threads() -> int:
    """Threads for a run inside the app: all cores but one, so pages keep answering while it trains."""
    return max(1, cpu_cores() - 1)


# What glibc may keep of a CPU run's freed buffers once tune_allocator has run (its trim threshold).
KEPT_FREE_BYTES = 512 * 2**20
# Images per forward/backward when a CPU step is sliced (nets.train.steps.sliced_step): a Stop is read between
# slices, so it waits for at most one slice whatever the batch size, and a step holds one slice's activations.
# At batch 1024 on a loaded 2-core CPU, slices of 128 cost about 20% more step time than the whole batch
# (256: about the same; 64: 80% more).
SLICE = 128
EVAL_BATCH = 1000   # images a test pass computes at once (no gradients: only two layers' outputs live at a time)


def tune_allocator() -> None:
    """Ask glibc to keep large freed buffers instead of returning them to the OS after every step."""
    # Each step frees and re-allocates the same multi-megabyte activations; by default glibc maps
    # and unmaps them every time, which costs thousands of page faults per step (measured: 2,900 →
    # 3,800 images/s on 2 cores). A no-op where glibc is absent.
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return
    m_trim_threshold, m_mmap_threshold = -1, -3
    libc.mallopt(m_mmap_threshold, 32 * 1024 * 1024)   # glibc's maximum on 64-bit
    libc.mallopt(m_trim_threshold, KEPT_FREE_BYTES)


# LAYERLAB_BF16 picks the arithmetic of training and test passes: "auto" (unset) uses bf16 autocast where it is
# fast, "0" never does, "1" does wherever the device can run it. A CPU without AVX-512 bf16 runs bf16 about
# 10x slower, but "1" and "0" let one machine test both paths (the tests and .ci/run do).
BF16_ENV = "LAYERLAB_BF16"
BF16_CHOICES = ("auto", "0", "1")


def use_bf16(device: torch.device) -> bool:
    """Whether to train and test under bf16 autocast on device: where it is fast, unless LAYERLAB_BF16 says."""
    choice = os.environ.get(BF16_ENV, "auto").strip().lower() or "auto"
    if choice not in BF16_CHOICES:
        raise ValueError(f"{BF16_ENV} must be one of {', '.join(BF16_CHOICES)}, got {choice[:40]!r}")
    if choice == "0" or device.type not in ("cuda", "cpu"):
        return False
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported(including_emulation=choice == "1")   # emulated bf16 is slow
    return choice == "1" or bf16_is_fast_on_cpu()


def bf16_is_fast_on_cpu() -> bool:
    """Whether this CPU computes bf16 natively (AVX-512 bf16 or AMX), where autocast pays (~3x the fp32 step)."""
    return torch.backends.mkldnn.is_available() and torch.ops.mkldnn._is_mkldnn_bf16_supported()


def autocast(device: torch.device, enabled: bool):
    return torch.autocast(device.type, dtype=torch.bfloat16, enabled=enabled)


