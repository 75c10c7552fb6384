"""Decoding uploads: bounded memory paths give the same pixels as the plain float formulas."""
import tracemalloc

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PIL import Image

from nets.data import images
from nets.data.images import resize_tensor, to_rgb_array


def test_16_bit_images_scale_to_8_bits_as_the_float_formula_does():
    values = np.arange(65536, dtype=np.uint16).reshape(256, 256)
    reference = np.clip(values / 65535 * 255 + 0.5, 0, 255).astype(np.uint8)
    rgb = to_rgb_array(Image.fromarray(values))
    assert rgb.shape == (256, 256, 3) and (rgb == reference[:, :, None]).all()


def test_large_images_shrink_like_torchs_antialiased_resize():
    x = torch.randint(0, 256, (3, 1000, 1400), dtype=torch.uint8, generator=torch.Generator().manual_seed(0))
    reference = F.interpolate(x[None].float(), size=(32, 32), mode="bilinear", antialias=True)[0]
    y = resize_tensor(x, (32, 32))
    assert y.dtype == torch.uint8 and y.shape == (3, 32, 32)
    assert (y.float() - reference.round()).abs().max() <= 1   # block means first: at most one level apart


def old_float_formula(img: Image.Image) -> np.ndarray:
    """to_rgb_array's result before it worked in blocks: whole-picture float32 copies."""
    a = np.asarray(img, dtype=np.float32)
    if img.mode == "I":
        top = 65535.0 if a.max() <= 65535 else float(a.max())
        a = np.clip(a / top * 255.0 + 0.5, 0, 255).astype(np.uint8)
    else:
        span = max(a.max() - a.min(), 1e-12)
        a = ((a - a.min()) / span * 255.0 + 0.5).astype(np.uint8)
    return np.repeat(a[:, :, None], 3, axis=2)


@pytest.mark.parametrize("mode, values", [
    ("I", np.arange(-300, 70_000 * 97, 97, dtype=np.int32)),      # past 16 bits: scaled by its own top
    ("I", np.arange(0, 65536, 3, dtype=np.int32)),                # within 16 bits: scaled by 65535
    ("I", np.arange(2**31 - 300_000, 2**31 - 1, 7, dtype=np.int32)),  # float32 rounds the top
    ("F", np.linspace(-3.5, 1e6, 21_000, dtype=np.float32)),
    ("F", np.full(4096, 2.5, dtype=np.float32)),                  # one value: no span
])
def test_32_bit_and_float_pictures_give_the_old_formulas_pixels_block_by_block(monkeypatch, mode, values):
    monkeypatch.setattr(images, "BLOCK_PIXELS", 1000)             # many blocks, the last one short
    rng = np.random.default_rng(0)
    side = int(len(values) ** 0.5)
    img = Image.fromarray(rng.permutation(values)[:side * (side - 3)].reshape(side, side - 3), mode)
    assert img.mode == mode
    assert np.array_equal(to_rgb_array(img), old_float_formula(img))


def test_a_big_float_picture_converts_in_about_its_uint8_size():
    img = Image.fromarray(np.linspace(0, 1, 4000 * 3000, dtype=np.float32).reshape(3000, 4000), "F")
    tracemalloc.start()
    rgb = to_rgb_array(img)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert rgb.shape == (3000, 4000, 3) and rgb[0, 0, 0] == 0 and rgb[-1, -1, 0] == 255
    assert peak < 1.2 * rgb.nbytes          # the old formulas: a 48 MB float32 copy and temporaries besides
