"""A small file that decodes to a big picture costs a bounded amount of memory: a 16-bit RGBA PNG of 2048 x 2048
(a few hundred KB) decodes within the bytes a pixel the server's memory check counts for it, and no more than two
pictures decode at once."""
import concurrent.futures
import io
import json
import struct
import subprocess
import sys
import threading
import zlib

import numpy as np
from PIL import Image

from nets.data import images
from nets.data.images import to_rgb_array
from nets.memory import PICTURE_BYTES_PER_PIXEL
from tests.conftest import ROOT
from ui.explorer import inputs as explorer_inputs

SIDE = 2048


def png16_rgba(width: int, height: int) -> bytes:
    """A 16-bit RGBA PNG of gradients and varied transparency (Pillow writes no 16-bit RGBA itself)."""
    y, x = np.mgrid[0:height, 0:width]
    pixels = np.stack([x * 37, y * 53, (x ^ y) * 97, (x + y) % 256 * 257], -1).astype(">u2")   # (H, W, 4)
    raw = b"".join(b"\0" + row.tobytes() for row in pixels)   # filter 0 on every row

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", width, height, 16, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b"")


# Run alone in a fresh process: its peak resident memory (VmHWM) is reset after the imports, then read.
MEASURE = """
import io, json, sys
from pathlib import Path
from PIL import Image
from nets.data.images import open_image, to_rgb_array
data = Path(sys.argv[1]).read_bytes()
def status(field):
    return next(int(l.split()[1]) * 1024 for l in open("/proc/self/status") if l.startswith(field + ":"))
small = io.BytesIO()
Image.new("RGBA", (2, 2)).save(small, "PNG")
to_rgb_array(open_image(small.getvalue(), "warm.png"))   # Pillow's PNG decoder loaded once, on a tiny picture
Path("/proc/self/clear_refs").write_text("5")
start = status("VmRSS")
rgb = to_rgb_array(open_image(data, "big.png"))
print(json.dumps({"added": status("VmHWM") - start, "shape": list(rgb.shape)}))
"""


def test_a_16_bit_rgba_png_decodes_within_its_memory_estimate(tmp_path):
    path = tmp_path / "big.png"
    path.write_bytes(png16_rgba(SIDE, SIDE))
    run = subprocess.run([sys.executable, "-c", MEASURE, str(path)], cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-2000:]
    measured = json.loads(run.stdout.splitlines()[-1])
    assert measured["shape"] == [SIDE, SIDE, 3]
    assert measured["added"] / SIDE**2 < PICTURE_BYTES_PER_PIXEL   # before: 22 bytes a pixel


def test_transparent_pixels_are_composited_over_white_as_pillow_does():
    img = Image.open(io.BytesIO(png16_rgba(300, 1000)))   # several blocks of rows
    img.load()
    whole = Image.alpha_composite(Image.new("RGBA", img.size, (255, 255, 255, 255)), img.convert("RGBA"))
    assert np.array_equal(to_rgb_array(img), np.asarray(whole.convert("RGB")))


def test_at_most_two_pictures_decode_at_once(tmp_path, monkeypatch):
    """Eight uploads at once (the Network tab's and the explorer's) decode two at a time: each decode is held inside
    until the test lets it go, and a third never arrives while two are in (before: +3.6 GB for eight at once)."""
    inside, entered, let_go = [], threading.Condition(), threading.Event()

    def held_open(real):
        def open_held(data, name="image"):
            with entered:
                inside.append(name)
                entered.notify_all()
            let_go.wait(60)
            try:
                return real(data, name)
            finally:
                with entered:
                    inside.remove(name)
        return open_held
    monkeypatch.setattr(images, "open_image", held_open(images.open_image))
    monkeypatch.setattr(explorer_inputs, "open_image", held_open(explorer_inputs.open_image))
    path = tmp_path / "small.png"
    path.write_bytes(png16_rgba(64, 48))
    uploads = [lambda: images.decode_image(path.read_bytes(), "network.png"),
               lambda: explorer_inputs.receive_upload(str(path))] * 4
    with concurrent.futures.ThreadPoolExecutor(len(uploads)) as pool:
        decoded = [pool.submit(upload) for upload in uploads]
        try:
            with entered:
                assert entered.wait_for(lambda: len(inside) >= 2, timeout=60)
                assert not entered.wait_for(lambda: len(inside) > 2, timeout=1.0), inside   # before: all eight
        finally:
            let_go.set()
        results = [d.result(timeout=60) for d in decoded]
    assert [tuple(r[0].shape) for r in results[::2]] == [(3, 32, 32)] * 4
    assert [r["size"] for r in results[1::2]] == [(64, 48)] * 4
