"""The Data tab's pictures: inline BMPs that hold CIFAR-10's exact pixels, in one labelled HTML grid."""
import base64
import io
import re

import numpy as np
from PIL import Image

from visual.images import bmp_data_uri, labelled_grid_html, to_hwc


def decoded(uri: str) -> np.ndarray:
    assert uri.startswith("data:image/bmp;base64,")
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1]))).convert("RGB"))


def test_inline_bmps_hold_the_exact_pixels_of_real_images(cifar):
    for i in (0, 1, 9_999):
        img = to_hwc(cifar.test_x[i])
        assert (decoded(bmp_data_uri(img)) == img).all()


def test_rows_whose_width_is_not_a_multiple_of_four_bytes_keep_their_pixels():
    for width in (1, 5, 7):
        img = np.random.default_rng(width).integers(0, 256, (3, width, 3), dtype=np.uint8)
        assert (decoded(bmp_data_uri(img)) == img).all()


def test_the_grid_gives_every_picture_its_caption_as_alt_text(cifar):
    items = [(to_hwc(cifar.test_x[i]), f"#{i} <cat> & dog") for i in range(3)]
    grid = labelled_grid_html(items)
    assert grid.count('<figure class="ll-thumb" tabindex="0">') == 3
    assert grid.count('alt="#0 &lt;cat&gt; &amp; dog"') == 1 and "<figcaption>#2 &lt;cat&gt; &amp; dog" in grid
    uris = re.findall(r'src="([^"]+)"', grid)
    assert all((decoded(u) == to_hwc(cifar.test_x[i])).all() for i, u in enumerate(uris))
