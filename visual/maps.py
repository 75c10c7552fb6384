"""Layer outputs as pictures: batch grids the tutorial's add_images way, and colour-mapped feature maps."""
import math
import os
import uuid

import numpy as np
import torch
from plotly.colors import hex_to_rgb, sequential

from nets.tempfolders import keep_newest_files
from nets.text import Phrase
from visual.images import Picture, enlarge, image_grid, picture_bytes

MAP_SCALES = ("shared", "per_map", "clip")  # one range for all maps, one per map, or TensorBoard's clip to 0..1
COLORMAPS = ("viridis", "cividis")         # perceptually uniform and readable with colour-blindness
VIEWS = ("reshape", "channel")             # the tutorial's reshape(-1, 3, H, W), or one channel per image
DISPLAY_PX = 512                            # grids are enlarged (nearest) to about this many pixels wide


def make_lut(stops: list[str]) -> np.ndarray:
    """A (256, 3) uint8 lookup table interpolated between plotly's colour stops."""
    rgb = np.array([hex_to_rgb(c) if c.startswith("#") else eval_rgb(c) for c in stops], dtype=np.float64)
    at = np.linspace(0, 1, len(rgb))
    t = np.linspace(0, 1, 256)
    return np.stack([np.interp(t, at, rgb[:, i]) for i in range(3)], axis=1).round().astype(np.uint8)


def eval_rgb(text: str) -> tuple:
    """'rgb(1, 2, 3)' as (1, 2, 3)."""
    return tuple(float(v) for v in text[text.index("(") + 1:text.index(")")].split(","))


LUTS = {"viridis": make_lut(sequential.Viridis), "cividis": make_lut(sequential.Cividis)}


def value_range(a: np.ndarray, scale: str) -> tuple:
    """Low and high values mapped to black and white: per map (N, C, 1, 1), shared, or fixed 0..1."""
    if scale == "clip":
        return np.float32(0.0), np.float32(1.0)
    if scale == "per_map":
        flat = a.reshape(a.shape[0], a.shape[1], -1)
        return flat.min(2)[..., None, None], flat.max(2)[..., None, None]
    return a.min(), a.max()


def to_uint8(x: torch.Tensor, scale: str = "shared") -> torch.Tensor:
    """Float maps (N, C, H, W) as uint8 0..255; a constant map is drawn mid-grey, not divided by zero.

    numpy, not torch: its single-threaded loops stay fast on two busy cores, where torch's thread pool
    spins (10x slower measured here under load)."""
    a = x.detach().float().contiguous().numpy()
    low, high = value_range(a, scale)
    span = np.asarray(high - low, np.float32)
    out = (a - low) * (np.float32(255) / np.where(span > 0, span, np.float32(1)))
    if not np.all(span > 0):
        out = np.where(span > 0, out, np.float32(127.5))
    return torch.from_numpy(np.clip(out + 0.5, 0, 255).astype(np.uint8))


def display_scale(width: int, height: int = 0) -> int:
    """Integer enlargement that brings a grid close to DISPLAY_PX on its long side."""
    return max(1, min(8, DISPLAY_PX // max(width, height, 1)))


def for_display(grid: np.ndarray) -> np.ndarray:
    """A grid enlarged pixel for pixel to about DISPLAY_PX on its long side."""
    return enlarge(grid, display_scale(grid.shape[1], grid.shape[0]))


def counted(n: int, noun: str) -> Phrase:
    """'1 image', '2 images' (noun: "images" or "pictures"), worded later in the page's language."""
    return Phrase(f"explorer.one_{noun[:-1]}") if n == 1 else Phrase(f"explorer.n_{noun}", n=n)


def batch_view(y: torch.Tensor, view: str, channel: int = 0) -> tuple[torch.Tensor, Phrase]:
    """The batch as images for a grid, and a note: (B, 3, H, W) as colour, or channel c in grey."""
    b, c = y.shape[:2]
    if view == "reshape" and c % 3 == 0:
        if c == 3:
            return y, Phrase("explorer.view_rgb", images=counted(b, "images"))
        shown = y.reshape(-1, 3, *y.shape[2:])   # the tutorial's torch.reshape(output, (-1, 3, 32, 32))
        return shown, Phrase("explorer.view_regroup", h=y.shape[2], w=y.shape[3], images=counted(b, "images"),
                             c=c, pictures=counted(b * c // 3, "pictures"))
    channel = min(channel, c - 1)
    note = Phrase("explorer.view_one" if b == 1 else "explorer.view_each", channel=channel, c=c, b=b)
    if view == "reshape":
        note = Phrase("explorer.view_not_three", note=note, c=c)
    return y[:, channel:channel + 1], note


def batch_grid(y: torch.Tensor, scale: str, columns: int = 0) -> np.ndarray:
    """(N, 3 or 1, H, W) floats as one enlarged grid picture, RGB or grey (8 columns; 16 beyond 64)."""
    columns = columns or (8 if y.shape[0] <= 64 else 16)
    u8 = to_uint8(y, scale)
    grid = image_grid(u8, columns=columns)
    return for_display(grid[:, :, 0] if grid.shape[2] == 1 else grid)


def palette(cmap: str) -> np.ndarray:
    """The colour map as a PNG palette: indices 0..254 are the map, 255 is the white between tiles."""
    pal = np.empty((256, 3), np.uint8)
    pal[:255] = LUTS[cmap][np.linspace(0, 255, 255).round().astype(int)]
    pal[255] = 255
    return pal


def indexed(x: torch.Tensor, scale: str) -> torch.Tensor:
    """Float maps as palette indices 0..254 (255 is kept for the white gaps)."""
    return (to_uint8(x, scale).to(torch.int32) * 254 // 255).to(torch.uint8)


def feature_maps_grid(maps: torch.Tensor, scale: str, cmap: str) -> tuple[np.ndarray, np.ndarray]:
    """Every channel (C, H, W) of one image as colour-mapped tiles: palette indices and the palette.

    One byte per pixel with the colour map as the PNG's palette encodes as fast as a grey image."""
    c = maps.shape[0]
    tiles = indexed(maps[None], scale)[0][:, None]                    # (C, 1, H, W)
    grid = image_grid(tiles.contiguous(), columns=math.ceil(math.sqrt(c)))[:, :, 0]
    return for_display(grid), palette(cmap)


def scores_grid(scores: torch.Tensor, cmap: str) -> tuple[np.ndarray, np.ndarray]:
    """A (B, F) table of numbers as a colour-mapped picture, one row per image (indices and palette)."""
    img = indexed(scores[None, None], "shared")[0, 0].numpy()
    factor = max(1, min(24, DISPLAY_PX // max(img.shape[1], 1)))
    return enlarge(img, min(factor, max(1, 384 // max(img.shape[0], 1)))), palette(cmap)


def save_png(pic: Picture, folder: str, keep: int = 512) -> str:
    """Write a picture as a fast lossless PNG; its path. Prunes old files."""
    return write_png(picture_bytes(pic), folder, keep)


def write_png(png: bytes, folder: str, keep: int = 512) -> str:
    """Write PNG bytes to a new file in folder; its path. Old pictures go, keeping about the newest `keep`."""
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, f"{uuid.uuid4().hex}.png")
    with open(path, "wb") as f:
        f.write(png)
    keep_newest_files(folder, keep)
    return path
