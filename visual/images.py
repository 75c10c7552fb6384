"""uint8 image tensors as numpy pictures: enlarged thumbnails and batch grids."""
import numpy as np
import torch


def to_hwc(x: torch.Tensor) -> np.ndarray:
    """A (3, H, W) or (1, H, W) uint8 tensor as an (H, W, 3) numpy image."""
    if x.shape[0] == 1:
        x = x.expand(3, -1, -1)
    return x.permute(1, 2, 0).contiguous().numpy()


def enlarge(img: np.ndarray, factor: int) -> np.ndarray:
    """Nearest-neighbour enlargement: every pixel stays a crisp square."""
    return img.repeat(factor, axis=0).repeat(factor, axis=1)


def image_grid(batch: torch.Tensor, columns: int = 8, pad: int = 2) -> np.ndarray:
    """(B, C, H, W) uint8 images tiled into one (rows*H, columns*W, C) picture, like make_grid."""
    b, c, h, w = batch.shape
    columns = max(1, min(columns, b))
    rows = -(-b // columns)
    grid = torch.full((c, rows * (h + pad) + pad, columns * (w + pad) + pad), 255, dtype=torch.uint8)
    for i in range(b):
        r, col = divmod(i, columns)
        top, left = pad + r * (h + pad), pad + col * (w + pad)
        grid[:, top:top + h, left:left + w] = batch[i]
    return grid.permute(1, 2, 0).numpy()
