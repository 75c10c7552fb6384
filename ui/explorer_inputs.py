"""The explorer's inputs and settings, checked: a CIFAR-10 batch or an upload, and the layer's controls."""
import os

import gradio as gr
import torch

from nets.data.cifar import SPLITS
from nets.explorer.layer import KINDS, PADDING_MODES, SCALES, WEIGHTS, LayerConfig
from nets.explorer.code import data_code
from nets.data.images import ImageError, fit_long_side, open_image, to_network_input, to_rgb_array
from nets.explorer.kernels import PRESETS, parse_grid, resize_grid
from ui import dataset
from ui.validate import as_choice, as_float, as_int, bad
from visual.maps import COLORMAPS, SCALES as MAP_SCALES, VIEWS

ALL = "all"
SOURCES = ("cifar10", "upload")
RESOLUTIONS = ("32", "full")
APPROXIMATE = ("none", "tanh")
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
SEED_MAX = 2**31 - 1
LIMITS = dict(out_channels=(1, 64), kernel_size=(1, 11), stride=(1, 8), padding=(0, 10), dilation=(1, 5),
              pool_kernel=(1, 8), pool_stride=(1, 8), pool_padding=(0, 4), pool_dilation=(1, 4),
              out_features=(1, 100))


def as_bool(value, name: str) -> bool:
    """value if it is True or False, else a gr.Error."""
    if isinstance(value, bool):
        return value
    raise bad(f"{name} must be true or false, got {value!r}.")


def cifar_batch(split, class_name, batch_size, seed) -> tuple[torch.Tensor, list[str], str]:
    """A seeded random batch of CIFAR-10 (uint8), its labels, and the code that loads one like it."""
    data = dataset.require_data()
    split = as_choice(split, "Split", SPLITS)
    class_name = as_choice(class_name, "Class", (ALL, *data.classes))
    batch_size = as_int(batch_size, "Batch size", 1, 64)
    seed = as_int(seed, "Seed", 0, SEED_MAX)
    x, y = data.split(split)
    if class_name == ALL:
        pool = torch.arange(len(y))
    else:
        pool = (y == data.classes.index(class_name)).nonzero()[:, 0]
    pick = pool[torch.randperm(len(pool), generator=torch.Generator().manual_seed(seed))[:batch_size]]
    labels = [data.classes[i] for i in y[pick].tolist()]
    return x[pick], labels, data_code("cifar10", split, batch_size, seed)


def receive_upload(path) -> dict:
    """Decode an uploaded file once into the visitor's state: the 32x32 the network sees and its own size."""
    if isinstance(path, dict):       # a FileData dict sent straight to the API
        path = path.get("path")
    if not path or not isinstance(path, str) or not os.path.isfile(path):
        raise bad("The upload did not arrive as a file: upload the image again.")
    size = os.path.getsize(path)
    if size > MAX_UPLOAD_BYTES:
        raise bad(f"The upload is {size / 2**20:.0f} MB; images up to {MAX_UPLOAD_BYTES // 2**20} MB "
                  "are accepted.")
    name = os.path.basename(path)
    with open(path, "rb") as f:
        data = f.read()
    try:
        img = open_image(data, name)
        rgb = to_rgb_array(img)
    except ImageError as e:
        raise bad(str(e)) from None
    return dict(name=name, mode=img.mode, size=img.size, small=to_network_input(rgb)[None],
                full=fit_long_side(rgb, 512)[None])


def uploaded_image(upload, resolution) -> tuple[torch.Tensor, list[str], str]:
    """The upload as a (1, 3, H, W) uint8 batch at 32x32 or its own size (long side at most 512)."""
    resolution = as_choice(resolution, "Resolution", RESOLUTIONS)
    if not isinstance(upload, dict) or "small" not in upload:
        raise bad("Upload an image first (PNG, JPEG, WebP, BMP, GIF or TIFF), or choose the CIFAR-10 batch.")
    x = upload["small"] if resolution == "32" else upload["full"]
    w, h = upload["size"]
    note = f"upload {upload['name']} ({w}×{h}, {upload['mode']})"
    return x, [note], data_code("upload", name=upload["name"])


def load_input(source, split, class_name, batch_size, seed, upload, resolution):
    """(uint8 batch, labels, data-loading code) for the chosen source."""
    source = as_choice(source, "Images", SOURCES)
    if source == "upload":
        return uploaded_image(upload, resolution)
    return cifar_batch(split, class_name, batch_size, seed)


def grid_text(kernel) -> str:
    """A kernel as the grid's text: one row per line, numbers separated by spaces."""
    return "\n".join(" ".join(f"{v:g}" for v in row) for row in kernel)


def grid_rows(grid) -> list:
    """The grid's text (rows on lines or separated by ';', numbers by spaces or commas) as rows of cells."""
    if isinstance(grid, str):
        lines = [line for line in grid.replace(";", "\n").splitlines() if line.strip()]
        return [line.replace(",", " ").split() for line in lines]
    if isinstance(grid, (list, tuple)) and all(isinstance(r, (list, tuple)) for r in grid):
        return [list(r) for r in grid]
    raise bad("The kernel grid must be rows of numbers, one row per line, e.g. '0 -1 0'.")


def grid_kernel(grid, k: int) -> list:
    """The edited grid as a k x k kernel; a square grid of another size is centred (cropped or padded)."""
    rows = grid_rows(grid)
    if not rows or len(rows) > 15:
        raise bad(f"The kernel grid must have between 1 and 15 rows, got {len(rows)}.")
    if any(len(row) != len(rows) for row in rows):
        raise bad(f"The kernel grid must be square (as many rows as columns); it has {len(rows)} rows of "
                  f"{', '.join(str(len(row)) for row in rows[:5])} numbers.")
    try:
        kernel = parse_grid(rows, len(rows))
    except ValueError as e:
        raise bad(str(e)) from None
    return resize_grid(kernel, k).tolist()


def layer_config(kind, scale, out_channels, kernel_size, stride, padding, padding_mode, dilation, bias,
                 weights, preset, init_seed, grid, pool_kernel, pool_stride, pool_padding, pool_dilation,
                 ceil_mode, negative_slope, approximate, out_features) -> LayerConfig:
    """Every control checked against its bounds, as one LayerConfig for the chosen kind."""
    ints = {name: as_int(value, name, *LIMITS[name]) for name, value in (
        ("out_channels", out_channels), ("kernel_size", kernel_size), ("stride", stride),
        ("padding", padding), ("dilation", dilation), ("pool_kernel", pool_kernel),
        ("pool_stride", pool_stride), ("pool_padding", pool_padding), ("pool_dilation", pool_dilation),
        ("out_features", out_features))}
    kind = as_choice(kind, "Layer", KINDS)
    cfg = LayerConfig(kind=kind, scale=as_choice(scale, "Input values", SCALES),
                      padding_mode=as_choice(padding_mode, "padding_mode", PADDING_MODES),
                      bias=as_bool(bias, "bias"), weights=as_choice(weights, "Weights", WEIGHTS),
                      preset=as_choice(preset, "Preset", PRESETS),
                      seed=as_int(init_seed, "Init seed", 0, SEED_MAX),
                      ceil_mode=as_bool(ceil_mode, "ceil_mode"),
                      approximate=as_choice(approximate, "approximate", APPROXIMATE),
                      out_features=ints["out_features"], out_channels=ints["out_channels"])
    cfg.negative_slope = as_float(negative_slope, "negative_slope", 0.0, 1.0)
    if kind in ("MaxPool2d", "AvgPool2d"):
        cfg.kernel_size, cfg.stride = ints["pool_kernel"], ints["pool_stride"]
        cfg.padding, cfg.dilation = ints["pool_padding"], ints["pool_dilation"]
    else:
        cfg.kernel_size, cfg.stride = ints["kernel_size"], ints["stride"]
        cfg.padding, cfg.dilation = ints["padding"], ints["dilation"]
    if kind == "Conv2d" and cfg.weights == "grid":
        cfg.grid = grid_kernel(grid, cfg.kernel_size)
    return cfg


def view_choices(image, map_scale, colormap, batch_view, channel, step):
    """The drawing options, checked."""
    from ui.explorer_view import ViewOptions
    return ViewOptions(image=as_int(image, "Image", 0, 63),
                       map_scale=as_choice(map_scale, "Colour scale", MAP_SCALES),
                       colormap=as_choice(colormap, "Colour map", COLORMAPS),
                       batch_view=as_choice(batch_view, "Output batch view", VIEWS),
                       channel=as_int(channel, "Channel", 0, 1023), step=as_int(step, "Step", 0, 1 << 20))
