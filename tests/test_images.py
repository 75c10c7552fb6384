"""Decoding uploads: bounded memory paths give the same pixels as the plain float formulas."""
import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

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
