"""The explorer's controls as one settings object, checked: the input batch, the layer, and how it is drawn."""
import os
from dataclasses import asdict, dataclass

import torch

from nets.data.cifar import SPLITS
from nets.data.images import (
    DECODES,
    MAX_PICTURE_FILE_BYTES,
    ImageError,
    fit_long_side,
    open_image,
    to_network_input,
    to_rgb_array,
)
from nets.explorer.chain import CHAIN_PRESETS
from nets.explorer.code import cifar_code, upload_code
from nets.explorer.kernels import PRESETS, KernelError, parse_grid, preset_kernel, resize_grid
from nets.explorer.layer import INPUT_SCALES, KINDS, PADDING_MODES, WEIGHT_SOURCES, LayerConfig
from nets.explorer.view import pick_batch
from nets.text import Phrase
from ui.common import dataset
from ui.common.i18n import current_locale, say
from ui.common.validate import as_choice, as_float, as_int, refuse, refused, shown
from visual.explorer import ViewOptions
from visual.maps import COLORMAPS, MAP_SCALES, VIEWS

ALL = "all"
SOURCES = ("cifar10", "upload")
RESOLUTIONS = ("32", "full")
APPROXIMATE = ("none", "tanh")
SEED_MAX = 2**31 - 1
CONTROL_BOUNDS = dict(out_channels=(1, 64), kernel_size=(1, 11), stride=(1, 8), padding=(0, 10), dilation=(1, 5),
                      pool_kernel=(1, 8), pool_stride=(1, 8), pool_padding=(0, 4), pool_dilation=(1, 4),
                      out_features=(1, 100))
DEFAULT_GRID = "0 -1 0\n-1 5 -1\n0 -1 0"   # sharpen, as the learner would type it


@dataclass
class Controls:
    """Every explorer control by the /explore API parameter it feeds, as sent (checked later); defaults as shown.

    The field order is the API's parameter order: gradio_client callers may pass them by position."""
    source: str = "cifar10"        # SOURCES: a CIFAR-10 batch or the visitor's upload
    split: str = "test"            # CIFAR-10: SPLITS
    class_name: str = ALL          # CIFAR-10: one class's images, or all
    batch_size: int = 64           # CIFAR-10: images in the batch
    seed: int = 0                  # CIFAR-10: which random batch
    upload: dict | None = None     # the decoded upload (receive_upload), kept in the visitor's state
    resolution: str = "32"         # upload: RESOLUTIONS, 32x32 as the network sees it or its own size
    scale: str = "unit"            # INPUT_SCALES: ToTensor()'s 0..1 or normalised
    kind: str = "Conv2d"           # KINDS: the layer
    out_channels: int = 6          # Conv2d
    kernel_size: int = 3           # Conv2d
    stride: int = 1                # Conv2d
    padding: int = 1               # Conv2d
    padding_mode: str = "zeros"    # Conv2d: PADDING_MODES
    dilation: int = 1              # Conv2d
    bias: bool = True              # Conv2d and Linear
    weights: str = "default"       # Conv2d: WEIGHT_SOURCES
    preset: str = "sobel x"        # Conv2d with preset weights: PRESETS
    init_seed: int = 0             # seeds PyTorch's default init
    grid: object = DEFAULT_GRID    # Conv2d with grid weights: the kernel as text, rows on lines
    pool_kernel: int = 2           # pooling
    pool_stride: int = 2           # pooling
    pool_padding: int = 0          # pooling
    pool_dilation: int = 1         # MaxPool2d
    ceil_mode: bool = False        # pooling
    negative_slope: float = 0.01   # LeakyReLU
    approximate: str = "none"      # GELU: APPROXIMATE
    out_features: int = 10         # Linear
    chain: str = next(iter(CHAIN_PRESETS.values()))   # Sequential: one layer per line
    chain_trained: bool = False    # Sequential: load the trained model's weights into the chain
    image: int = 0                 # the image of the batch that gets feature maps and the window
    map_scale: str = "shared"      # MAP_SCALES
    colormap: str = "viridis"      # COLORMAPS
    batch_view: str = "reshape"    # VIEWS
    channel: int = 0               # output channel for one-channel views, the kernel and the window
    step: int = 0                  # position of the sliding window


DEFAULTS = asdict(Controls())   # the controls' starting values (tests and benchmarks use them too)
# The controls the page keeps in one value (ui.explorer.tab.build): all but the upload (server-side state), the
# kernel grid and the chain (text that redraws on Enter or a button, not each key) and the window's step
# (it moves the window alone).
KEPT = tuple(name for name in DEFAULTS if name not in ("upload", "grid", "chain", "step"))


def as_bool(value, name: str) -> bool:
    """value if it is True or False, else a gr.Error."""
    if isinstance(value, bool):
        return value
    raise refuse("explorer.err.bool", name=name, value=shown(value))


def cifar_batch(split, class_name, batch_size, seed) -> tuple[torch.Tensor, list[str], str]:
    """A seeded random batch of CIFAR-10 (uint8), its labels, and the code that loads one like it."""
    data = dataset.require_data()
    split = as_choice(split, say("explorer.split"), SPLITS)
    class_name = as_choice(class_name, say("explorer.class"), (ALL, *data.classes))
    batch_size = as_int(batch_size, say("explorer.batch"), 1, 64)
    seed = as_int(seed, say("explorer.seed"), 0, SEED_MAX)
    label = None if class_name == ALL else data.classes.index(class_name)
    x, y = pick_batch(*data.split(split), label, batch_size, seed)
    code = cifar_code(split, batch_size, seed, label, class_name, current_locale(), data.source)
    return x, [data.classes[i] for i in y.tolist()], code


def receive_upload(path) -> dict:
    """Decode an uploaded file once into the visitor's state: the 32x32 the network sees and its own size."""
    if isinstance(path, dict):       # a FileData dict sent straight to the API
        path = path.get("path")
    if not path or not isinstance(path, str) or not os.path.isfile(path):
        raise refuse("explorer.err.upload_lost")
    size = os.path.getsize(path)
    if size > MAX_PICTURE_FILE_BYTES:
        raise refuse("explorer.err.upload_big", mb=size / 2**20, limit=MAX_PICTURE_FILE_BYTES // 2**20)
    name = os.path.basename(path)
    with open(path, "rb") as f:
        data = f.read()
    try:
        with DECODES:   # bounded: a big picture holds hundreds of MB until its copies are made
            img = open_image(data, name)
            mode, size, rgb = img.mode, img.size, to_rgb_array(img)
            img.close()   # Pillow's own pixels, before the resized copies are made
            return dict(name=name, mode=mode, size=size, small=to_network_input(rgb)[None],
                        full=fit_long_side(rgb, 512)[None])
    except ImageError as e:
        raise refused(e) from None


def uploaded_image(upload, resolution) -> tuple[torch.Tensor, Phrase, str]:
    """The upload as a (1, 3, H, W) uint8 batch at 32x32 or its own size (long side at most 512)."""
    resolution = as_choice(resolution, say("explorer.resolution"), RESOLUTIONS)
    if not isinstance(upload, dict) or "small" not in upload:
        raise refuse("explorer.err.upload_first")
    x = upload["small"] if resolution == "32" else upload["full"]
    w, h = upload["size"]
    note = Phrase("explorer.input_upload", name=upload["name"], w=w, h=h, mode=upload["mode"])
    size = tuple(x.shape[2:])
    return x, note, upload_code(upload["name"], size, size != (h, w), current_locale())


def load_input(c: Controls) -> tuple[torch.Tensor, list[str] | Phrase, str]:
    """(uint8 batch, its labels or what the upload is, data-loading code) for the chosen source."""
    if as_choice(c.source, say("explorer.source"), SOURCES) == "upload":
        return uploaded_image(c.upload, c.resolution)
    return cifar_batch(c.split, c.class_name, c.batch_size, c.seed)


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
    raise refuse("explorer.err.grid_rows")


def grid_kernel(grid, k: int) -> list:
    """The edited grid as a k x k kernel; a square grid of another size is centred (cropped or padded)."""
    rows = grid_rows(grid)
    if not rows or len(rows) > 15:
        raise refuse("explorer.err.grid_count", n=len(rows))
    if any(len(row) != len(rows) for row in rows):
        raise refuse("explorer.err.grid_square", n=len(rows), lengths=", ".join(str(len(row)) for row in rows[:5]))
    try:
        kernel = parse_grid(rows, len(rows))
    except KernelError as e:
        raise refused(e) from None
    return resize_grid(kernel, k).tolist()


# The controls each kind reads; the others keep LayerConfig's defaults and are not checked, so a value left in a
# hidden control (or sent to the API for another kind) cannot refuse the layer chosen.
READS = {"Conv2d": ("out_channels", "kernel_size", "stride", "padding", "dilation", "padding_mode", "bias",
                    "weights", "init_seed"),
         "MaxPool2d": ("pool_kernel", "pool_stride", "pool_padding", "pool_dilation", "ceil_mode"),
         "AvgPool2d": ("pool_kernel", "pool_stride", "pool_padding", "ceil_mode"),
         "LeakyReLU": ("negative_slope",), "GELU": ("approximate",), "Linear": ("out_features", "bias", "init_seed")}
WINDOW = {"pool_kernel": "kernel_size", "pool_stride": "stride", "pool_padding": "padding",
          "pool_dilation": "dilation"}   # the pooling sliders are separate, with their own bounds


def checked(c: Controls, name: str):
    """One control's value, checked against what it allows, under the LayerConfig field it sets."""
    value = getattr(c, name)
    if name in CONTROL_BOUNDS:
        return as_int(value, name, *CONTROL_BOUNDS[name])
    checks = {"padding_mode": lambda: as_choice(value, "padding_mode", PADDING_MODES),
              "bias": lambda: as_bool(value, "bias"), "ceil_mode": lambda: as_bool(value, "ceil_mode"),
              "weights": lambda: as_choice(value, say("explorer.weights"), WEIGHT_SOURCES),
              "init_seed": lambda: as_int(value, say("explorer.init_seed"), 0, SEED_MAX),
              "approximate": lambda: as_choice(value, "approximate", APPROXIMATE),
              "negative_slope": lambda: as_float(value, "negative_slope", 0.0, 1.0)}
    return checks[name]()


def layer_config(c: Controls) -> LayerConfig:
    """The controls the chosen kind reads, each checked against its bounds, as one LayerConfig."""
    kind = as_choice(c.kind, say("explorer.layer"), KINDS)
    fields = {WINDOW.get(name, "seed" if name == "init_seed" else name): checked(c, name)
              for name in READS.get(kind, ())}
    cfg = LayerConfig(kind=kind, scale=as_choice(c.scale, say("explorer.scale"), INPUT_SCALES), **fields)
    if kind == "Conv2d" and cfg.weights == "preset":
        cfg.preset = as_choice(c.preset, say("explorer.preset"), PRESETS)
    if kind == "Conv2d" and cfg.weights == "grid":
        cfg.grid = grid_kernel(c.grid, cfg.kernel_size)
    return cfg


def view_options(c: Controls) -> ViewOptions:
    """The drawing options, checked."""
    return ViewOptions(map_scale=as_choice(c.map_scale, say("explorer.map_scale"), MAP_SCALES),
                       colormap=as_choice(c.colormap, say("explorer.colormap"), COLORMAPS),
                       batch_view=as_choice(c.batch_view, say("explorer.batch_view"), VIEWS),
                       channel=as_int(c.channel, say("explorer.channel"), 0, 1023),
                       step=as_int(c.step, say("explorer.step"), 0, 1 << 20))


def load_preset_grid(preset, kernel_size):
    """The chosen preset as numbers in the grid, and switch the weights to the grid."""
    preset = as_choice(preset, say("explorer.preset"), PRESETS)
    k = as_int(kernel_size, "kernel_size", *CONTROL_BOUNDS["kernel_size"])
    try:
        kernel = preset_kernel(preset, k)
    except KernelError as e:
        raise refused(e) from None
    return grid_text(kernel.tolist()), "grid"


def next_seed(seed):
    """Shuffle: the next seed, so every batch can be found again."""
    return as_int(seed, say("explorer.seed"), 0, 2**31 - 2) + 1
