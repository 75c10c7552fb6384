"""Decoding any image file into the uint8 RGB tensors the networks take."""
import io
import threading
import warnings

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image, UnidentifiedImageError

from nets import limits
from nets.memory import PICTURE_BYTES_PER_PIXEL, check_memory
from nets.text import LearnerError

# torchvision 0.29 deprecates its decoders in favour of TorchCodec but they are still the fastest
# here (3 s for CIFAR-10 against 5 s with PIL); one warning per decoded image would drown the log.
warnings.filterwarnings("ignore", "The image decoding and encoding capabilities of TorchVision",
                        DeprecationWarning)

REDUCE_ABOVE = 4   # block-average first above 4x the target size; the antialiased resize does the rest
BLOCK_PIXELS = 2**18   # 16-bit, 32-bit and float pictures are converted to uint8 this many pixels at a time
# An uploaded picture's file (the Layer explorer's, the Network tab's), read whole before its header is held
# against limits.MAX_PIXELS; below limits.MAX_UPLOAD_BYTES, which any upload (a weights file) must pass.
MAX_PICTURE_FILE_BYTES = 50 * limits.MB
# Pictures decoded at once: a 40-megapixel one holds ~7 bytes a pixel (Pillow's pixels, the RGB array) while
# it is decoded, 280 MB; eight uploads at once took +3.6 GB.
DECODES = threading.BoundedSemaphore(2)
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff", ".ppm", ".pgm")


class ImageError(LearnerError):
    """An image that cannot be used; the message says which and why."""


def open_image(data: bytes, name: str = "image") -> Image.Image:
    """Open and fully decode image bytes, turning every failure into one clear ImageError."""
    # Bigger images are refused before decoding (limits.MAX_PIXELS, read now: a flag may have set it);
    # Pillow's own check covers formats whose size shows only while decoding.
    Image.MAX_IMAGE_PIXELS = limits.MAX_PIXELS
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data))
            if img.width * img.height > limits.MAX_PIXELS:
                raise ImageError("data.err.image_pixels", name=name, width=img.width, height=img.height,
                                 limit=megapixels())
            check_memory(img.width * img.height * PICTURE_BYTES_PER_PIXEL, "memory.work_picture",
                         ImageError)
            img.load()
    except ImageError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageError("data.err.image_bomb", name=name, limit=megapixels()) from None
    except UnidentifiedImageError:
        raise ImageError("data.err.image_unreadable", name=name) from None
    except (OSError, SyntaxError, ValueError) as e:
        raise ImageError("data.err.image_corrupt", name=name, reason=str(e)) from None
    return img


def megapixels() -> str:
    """The pixel limit as the refusals word it ("40", "0.5")."""
    return f"{limits.MAX_PIXELS / 1_000_000:g}"


def to_rgb_array(img: Image.Image) -> np.ndarray:
    """Any PIL mode (grayscale, RGBA, palette, 16-bit, 32-bit, float) as a uint8 (H, W, 3) array."""
    if img.mode.startswith("I;16"):
        return gray_blocks_to_rgb(img, np.uint16, sixteen_to_eight)
    if img.mode == "I":
        # 32-bit integer images: scale their full range down to 8 bits instead of clipping.
        most = img.getextrema()[1]
        top = 65535.0 if most <= 65535 else float(np.float32(most))
        return gray_blocks_to_rgb(img, np.float32,
                                  lambda a: np.clip(a / top * 255.0 + 0.5, 0, 255).astype(np.uint8))
    if img.mode == "F":
        low, high = (np.float32(v) for v in img.getextrema())
        span = max(high - low, 1e-12)
        return gray_blocks_to_rgb(img, np.float32,
                                  lambda a: ((a - low) / span * 255.0 + 0.5).astype(np.uint8))
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        return blocks_to_rgb(img, over_white)   # transparent pixels shown over white, as a viewer would
    return blocks_to_rgb(img, lambda block: block.convert("RGB"))


def over_white(block: Image.Image) -> Image.Image:
    """A transparent block of a picture as RGB over a white background."""
    block = block.convert("RGBA")
    return Image.alpha_composite(Image.new("RGBA", block.size, (255, 255, 255, 255)), block).convert("RGB")


def blocks_to_rgb(img: Image.Image, to_rgb) -> np.ndarray:
    """img as a uint8 (H, W, 3) array, converted BLOCK_PIXELS at a time: whole-picture copies (RGBA, the white
    background, their composite, its RGB, the array) took 22 bytes a pixel, 0.9 GB for 40 megapixels."""
    width, height = img.size
    rgb = np.empty((height, width, 3), dtype=np.uint8)
    rows = max(1, BLOCK_PIXELS // width)
    for first in range(0, height, rows):
        rgb[first:first + rows] = np.asarray(to_rgb(img.crop((0, first, width, min(first + rows, height)))))
    return rgb


def sixteen_to_eight(a: np.ndarray) -> np.ndarray:
    """uint16 values as uint8, in integers (65535 = 255 * 257, rounded half up)."""
    q, r = np.divmod(a, np.uint16(257))
    return (q + (r >= 129)).astype(np.uint8)


def gray_blocks_to_rgb(img: Image.Image, dtype, to_uint8) -> np.ndarray:
    """A one-channel picture as uint8 RGB, BLOCK_PIXELS at a time: its wide values (16-bit, 32-bit, float)
    are never copied whole (a 40-megapixel float copy is 160 MB, its temporaries as much again)."""
    width, height = img.size
    rgb = np.empty((height, width, 3), dtype=np.uint8)
    rows = max(1, BLOCK_PIXELS // width)
    for first in range(0, height, rows):
        block = np.asarray(img.crop((0, first, width, min(first + rows, height))), dtype=dtype)
        rgb[first:first + rows] = to_uint8(block)[:, :, None]
    return rgb


def resize_tensor(x: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """Resize a uint8 (3, H, W) tensor with antialiasing, the way torchvision's Resize does."""
    x = box_reduce(x, size)
    y = F.interpolate(x[None].float(), size=size, mode="bilinear", antialias=True, align_corners=False)
    return y[0].round().clamp(0, 255).to(torch.uint8)


def box_reduce(x: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """Average whole blocks of pixels while the image is over REDUCE_ABOVE times the target size, so a
    huge upload never becomes one float copy of itself (a 6300x6300 float RGB image is 476 MB)."""
    factor = min(x.shape[1] // size[0], x.shape[2] // size[1]) // REDUCE_ABOVE
    if factor < 2:
        return x
    rgb = Image.fromarray(x.permute(1, 2, 0).numpy()).reduce(factor)   # uint8 block means, in C
    return torch.from_numpy(np.array(rgb)).permute(2, 0, 1)


def to_network_input(rgb: np.ndarray, size: int = 32) -> torch.Tensor:
    """A (H, W, 3) uint8 array as the (3, size, size) uint8 tensor the network sees."""
    x = torch.from_numpy(np.ascontiguousarray(rgb)).permute(2, 0, 1)  # (3, H, W)
    if x.shape[1:] != (size, size):
        x = resize_tensor(x, (size, size))
    return x.contiguous()


def fit_long_side(rgb: np.ndarray, long_side: int = 512) -> torch.Tensor:
    """The image at its own resolution, shrunk only if its long side exceeds long_side."""
    x = torch.from_numpy(np.ascontiguousarray(rgb)).permute(2, 0, 1)  # (3, H, W)
    h, w = x.shape[1:]
    scale = long_side / max(h, w)
    if scale < 1:
        x = resize_tensor(x, (max(1, round(h * scale)), max(1, round(w * scale))))
    return x.contiguous()


def decode_image(data: bytes, name: str = "image", size: int = 32) -> tuple[torch.Tensor, bool]:
    """Bytes to a (3, size, size) uint8 tensor, and whether it had to be converted."""
    with DECODES:
        img = open_image(data, name)
        converted = img.mode != "RGB" or img.size != (size, size)
        return to_network_input(to_rgb_array(img), size), converted
