"""Image-processing kernels as Conv2d weights: presets, and a hand-edited grid."""
import math

import torch

from nets.text import LearnerError

# 3x3 kernels from image processing; larger kernel sizes hold them in the centre.
FIXED = {
    "sharpen": [[0, -1, 0], [-1, 5, -1], [0, -1, 0]],
    "sobel x": [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]],
    "sobel y": [[-1, -2, -1], [0, 0, 0], [1, 2, 1]],
    "laplacian": [[0, 1, 0], [1, -4, 1], [0, 1, 0]],
    "emboss": [[-2, -1, 0], [-1, 1, 1], [0, 1, 2]],
}
PRESETS = ("identity", "box blur", "gaussian blur", *FIXED)
GRID_LIMIT = 100.0   # hand-typed weights beyond this are almost surely typos


class KernelError(LearnerError):
    """A preset or a typed grid that cannot be a kernel."""


def binomial(k: int) -> torch.Tensor:
    """Row k of Pascal's triangle: a Gaussian's discrete cousin (k=3 gives 1 2 1)."""
    return torch.tensor([math.comb(k - 1, i) for i in range(k)], dtype=torch.float32)


def preset_kernel(name: str, k: int) -> torch.Tensor:
    """The named (k, k) kernel; fixed 3x3 kernels are centred in a larger grid."""
    if name == "identity":
        kernel = torch.zeros(k, k)
        kernel[(k - 1) // 2, (k - 1) // 2] = 1.0
        return kernel
    if name == "box blur":
        return torch.full((k, k), 1.0 / (k * k))
    if name == "gaussian blur":
        row = binomial(k)
        return torch.outer(row, row) / row.sum() ** 2
    if name not in FIXED:
        raise KernelError("explorer.err.preset", presets=", ".join(PRESETS), got=repr(name))
    if k < 3:
        raise KernelError("explorer.err.preset_small", name=name, k=k)
    kernel = torch.zeros(k, k)
    top = (k - 3) // 2
    kernel[top:top + 3, top:top + 3] = torch.tensor(FIXED[name], dtype=torch.float32)
    return kernel


def per_channel_weight(kernel: torch.Tensor, channels: int = 3) -> torch.Tensor:
    """(channels, channels, k, k) weights that filter each colour channel on its own with kernel."""
    k = kernel.shape[-1]
    weight = torch.zeros(channels, channels, k, k)
    for c in range(channels):
        weight[c, c] = kernel
    return weight


def parse_grid(rows, k: int) -> torch.Tensor:
    """A hand-edited k x k table of numbers as a kernel, or a KernelError saying what is wrong."""
    if rows is None:
        raise KernelError("explorer.err.grid_empty")
    if hasattr(rows, "values") and not isinstance(rows, dict):
        rows = rows.values.tolist()        # a pandas DataFrame from the UI
    if isinstance(rows, dict):              # a Dataframe value sent straight to the API
        rows = rows.get("data")
    try:
        values = [[float(v) for v in row] for row in rows]
    except (TypeError, ValueError):
        raise KernelError("explorer.err.grid_number") from None
    if len(values) != k or any(len(row) != k for row in values):
        shape = f"{len(values)}x{len(values[0]) if values else 0}"
        raise KernelError("explorer.err.grid_shape", shape=shape, k=k)
    kernel = torch.tensor(values, dtype=torch.float32)
    if not torch.isfinite(kernel).all() or kernel.abs().max() > GRID_LIMIT:
        raise KernelError("explorer.err.grid_range", limit=f"{GRID_LIMIT:g}")
    return kernel


def resize_grid(kernel: torch.Tensor, k: int) -> torch.Tensor:
    """The kernel centred in a k x k grid: cropped when smaller, zero-padded when larger."""
    n = kernel.shape[0]
    out = torch.zeros(k, k)
    src, dst = max(0, (n - k) // 2), max(0, (k - n) // 2)
    m = min(n, k)
    out[dst:dst + m, dst:dst + m] = kernel[src:src + m, src:src + m]
    return out
