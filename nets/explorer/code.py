"""The PyTorch code that reproduces the explorer's view, runnable as shown; its comments in the learner's language."""
import textwrap
from pathlib import Path

from torch import nn

from nets.data.cifar import CIFAR_MEAN, CIFAR_STD, torchvision_order
from nets.explorer.layer import CONVS, POOLS, LayerConfig, build_conv, comparison_pool, conv_shape, trained_conv
from nets.saving import STATE_FILE
from nets.text import text

HEADER = ["import torch", "from torch import nn", ""]


def cifar_code(split: str, batch: int, seed: int, label: int | None = None, class_name: str = "",
               locale: str = "en", source: str = "") -> str:
    """Code that loads the batch the tutorial's way: torchvision's CIFAR10 with ToTensor(), the chosen class's
    images (or all), and the seeded draw LayerLab makes (nets.explorer.view.pick_batch). The very batch on screen
    only when LayerLab read the official files (source "", or one torchvision_order accepts); from a folder or
    another archive the comment says the order differs."""
    if label is None:
        pool = "list(range(len(dataset)))  # " + text("explorer.code.pool_all", locale)
    else:
        pool = (f"[i for i, t in enumerate(dataset.targets) if t == {label}]  # "
                + text("explorer.code.pool_class", locale, label=label, name=class_name))
    if source and not torchvision_order(source):
        drawn = text("explorer.code.pick_other_one" if batch == 1 else "explorer.code.pick_other", locale, batch=batch,
                     seed=seed, source=Path(source).name)
    else:
        drawn = text("explorer.code.pick_one" if batch == 1 else "explorer.code.pick", locale, batch=batch, seed=seed)
    return "\n".join([
        "import torch",
        "import torchvision",
        "",
        f"dataset = torchvision.datasets.CIFAR10(\"./CIFAR10\", train={split == 'train'}, download=True,",
        "                                       transform=torchvision.transforms.ToTensor())",
        f"pool = {pool}",
        f"pick = torch.randperm(len(pool), generator=torch.Generator().manual_seed({seed}))[:{batch}]  # " + drawn,
        "x = torch.stack([dataset[pool[i]][0] for i in pick])  # " + text("explorer.code.batch", locale, batch=batch),
        "targets = torch.tensor([dataset.targets[pool[i]] for i in pick])",
        "",
    ])


def upload_code(name: str, size: tuple[int, int], resized: bool, locale: str = "en") -> str:
    """Code that loads the upload exactly as the view took it: 32x32, its own size, or shrunk to fit 512 px.

    size: the (H, W) the layer ran on; resized: LayerLab resized the image to it (antialiased)."""
    h, w = size
    if not resized:
        load, note = "TF.to_tensor(img)", text("explorer.code.upload_own", locale, h=h, w=w)
    else:
        key = "explorer.code.upload_32" if (h, w) == (32, 32) else "explorer.code.upload_fit"
        load, note = f"TF.to_tensor(TF.resize(img, [{h}, {w}], antialias=True))", text(key, locale, h=h, w=w)
    return "\n".join([
        "import torchvision.transforms.functional as TF",
        "from PIL import Image",
        "",
        f"img = Image.open({name!r}).convert(\"RGB\")",
        f"x = {load}[None]  # {note}",
        "",
    ])


def scale_code(scale: str, locale: str = "en") -> list[str]:
    """The normalisation step, when the view uses it."""
    if scale != "normalize":
        return ["# " + text("explorer.code.unit", locale)]
    return ["# " + text("explorer.code.normalise", locale),
            f"mean = torch.tensor({list(CIFAR_MEAN)}).view(1, 3, 1, 1)",
            f"std = torch.tensor({list(CIFAR_STD)}).view(1, 3, 1, 1)",
            "x = (x - mean) / std"]


def conv_args(cfg: LayerConfig, in_channels: int, out_channels: int, k: int, bias: bool) -> str:
    """Conv2d's arguments, the defaults left out as a reader would write them."""
    args = [str(in_channels), str(out_channels), f"kernel_size={k}"]
    for name, value, default in (("stride", cfg.stride, 1), ("padding", cfg.padding, 0),
                                 ("dilation", cfg.dilation, 1), ("bias", bias, True),
                                 ("padding_mode", cfg.padding_mode, "zeros")):
        if value != default:
            args.append(f"{name}={value!r}")
    return ", ".join(args)


def conv_lines(cfg: LayerConfig, in_channels: int, trained=None, locale: str = "en") -> list[str]:
    """Build the Conv2d and give it the view's weights."""
    out_channels, k = conv_shape(cfg, trained)
    bias = cfg.bias or cfg.weights == "trained"
    make = f"layer = nn.Conv2d({conv_args(cfg, in_channels, out_channels, k, bias)})"
    if cfg.weights == "default":
        return [f"torch.manual_seed({cfg.seed})  # " + text("explorer.code.seeded", locale), make]
    if cfg.weights == "trained":
        name = next(n for n, m in trained.model.named_modules() if m is trained_conv(trained))
        return [make,
                f"state = torch.load({STATE_FILE!r}, weights_only=True)  # " + text("explorer.code.state", locale),
                f"layer.load_state_dict({{\"weight\": state[\"{name}.weight\"], "
                f"\"bias\": state[\"{name}.bias\"]}})"]
    kernel = build_conv(cfg, in_channels).weight[0, 0].tolist()   # the kernel exactly as the view built it
    rows = ",\n    ".join(repr(row) for row in kernel)
    label = cfg.preset if cfg.weights == "preset" else text("explorer.code.grid", locale)
    lines = [make, f"kernel = torch.tensor([\n    {rows},\n])  # {label}",
             "with torch.no_grad():",
             "    layer.weight.zero_()  # " + text("explorer.code.per_channel", locale),
             f"    for c in range({in_channels}):",
             "        layer.weight[c, c] = kernel"]
    return lines + (["    layer.bias.zero_()"] if bias else [])


def pool_lines(cfg: LayerConfig, locale: str = "en") -> list[str]:
    """The pooling layer, and the other kind beside it for comparison."""
    lines = [f"layer = nn.{cfg.kind}({pool_args(cfg, cfg.kind)})"]
    other = comparison_pool(cfg)
    if other is not None:
        kind = type(other).__name__
        lines += [f"other = nn.{kind}({pool_args(cfg, kind)})  # " + text("explorer.code.compare", locale),
                  "output_other = other(x)"]
    return lines


def pool_args(cfg: LayerConfig, kind: str) -> str:
    args = [f"kernel_size={cfg.kernel_size}", f"stride={cfg.stride}", f"padding={cfg.padding}"]
    if kind == "MaxPool2d":
        args.append(f"dilation={cfg.dilation}")
    return ", ".join(args + [f"ceil_mode={cfg.ceil_mode}"])


def layer_call(cfg: LayerConfig, shape: tuple, trained=None) -> str:
    """The layer as the code below builds it, nn. left out: the view's label names exactly that layer
    (torch's repr leaves settings out: AvgPool2d's ceil_mode=True, which changes the output size)."""
    if cfg.kind in CONVS:
        out_channels, k = conv_shape(cfg, trained)
        return f"Conv2d({conv_args(cfg, shape[1], out_channels, k, cfg.bias or cfg.weights == 'trained')})"
    if cfg.kind in POOLS:
        return f"{cfg.kind}({pool_args(cfg, cfg.kind)})"
    if cfg.kind == "Linear":
        n = shape[1] * shape[2] * shape[3]
        return f"Flatten() → Linear({n}, {cfg.out_features}{'' if cfg.bias else ', bias=False'})"
    return activation_line(cfg).removeprefix("layer = nn.")


def activation_line(cfg: LayerConfig) -> str:
    if cfg.kind == "LeakyReLU":
        return f"layer = nn.LeakyReLU(negative_slope={cfg.negative_slope!r})"
    if cfg.kind == "GELU":
        return f"layer = nn.GELU(approximate={cfg.approximate!r})"
    return f"layer = nn.{cfg.kind}()"


def linear_lines(cfg: LayerConfig, shape: tuple, locale: str = "en") -> list[str]:
    """Flatten per image, then Linear; with the tutorial's flatten-the-batch mistake spelled out."""
    b, c, h, w = shape
    n = c * h * w
    why = text("explorer.code.not_batch_flatten", locale, bn=b * n, f=cfg.out_features, b=b)
    return [
        "flatten = nn.Flatten()  # " + text("explorer.code.flatten", locale, b=b, c=c, h=h, w=w, n=n),
        f"torch.manual_seed({cfg.seed})",
        f"linear = nn.Linear({n}, {cfg.out_features}{'' if cfg.bias else ', bias=False'})",
        "layer = nn.Sequential(flatten, linear)",
        *comment_lines(why),
    ]


def comment_lines(words: str, width: int = 100) -> list[str]:
    """A long comment as '# ' lines of at most `width` characters (Chinese, with no spaces, is cut anywhere)."""
    return ["# " + line for line in textwrap.wrap(words, width - 2)]


def model_lines(model: nn.Module, var: str = "model") -> list[str]:
    """A named Sequential as code; a leaf module's repr is its constructor call."""
    rows = [f"    (\"{name}\", nn.{child!r})," for name, child in model.named_children()]
    return ["from collections import OrderedDict", "", f"{var} = nn.Sequential(OrderedDict([", *rows, "]))"]


def trained_scores_lines(trained, locale: str = "en") -> list[str]:
    """Run the trained network on the normalised batch: class scores and softmax probabilities."""
    return ["", "# " + text("explorer.code.your_network", locale),
            *model_lines(trained.model, "model"),
            f"model.load_state_dict(torch.load({STATE_FILE!r}, weights_only=True))",
            "model.eval()",
            "with torch.no_grad():",
            "    scores = model((x_in - mean) / std)  # " + text("explorer.code.scores", locale),
            "probs = scores.softmax(dim=1)          # " + text("explorer.code.rows_sum", locale),
            f"classes = {list(trained.classes)!r}",
            "print([classes[i] for i in probs.argmax(dim=1).tolist()])"]


def layer_script(cfg: LayerConfig, shape: tuple, trained=None, locale: str = "en") -> str:
    """Code that turns x (floats in 0..1, shape `shape`) into `output` exactly as the view does."""
    lines = list(HEADER)
    if cfg.kind == "Linear" and trained is not None:
        lines += ["x_in = x  # " + text("explorer.code.kept", locale)]
    lines += scale_code(cfg.scale, locale)
    if cfg.kind in CONVS:
        lines += conv_lines(cfg, shape[1], trained, locale)
    elif cfg.kind in POOLS:
        lines += pool_lines(cfg, locale)
    elif cfg.kind == "Linear":
        lines += linear_lines(cfg, shape, locale)
    else:
        lines.append(activation_line(cfg))
    lines += ["output = layer(x)", "print(x.shape, \"->\", output.shape)"]
    if cfg.kind == "Linear" and trained is not None:
        if cfg.scale != "normalize":
            lines += scale_code("normalize")[1:3]
        lines += trained_scores_lines(trained, locale)
    return "\n".join(lines) + "\n"


def chain_code(model: nn.Module, scale: str, seed: int, trained: bool, locale: str = "en") -> str:
    """Code for the Sequential view: the chain built with the same seed, run stage by stage."""
    lines = list(HEADER) + scale_code(scale, locale)
    lines += [f"torch.manual_seed({seed})  # " + text("explorer.code.seeded", locale)]
    lines += model_lines(model)
    if trained:
        lines += [f"trained = torch.load({STATE_FILE!r}, weights_only=True)  # "
                  + text("explorer.code.your_state", locale),
                  "model.load_state_dict({k: v for k, v in trained.items() if k in model.state_dict()})"]
    lines += ["h = x", "for name, layer in model.named_children():  # " + text("explorer.code.every_stage", locale),
              "    h = layer(h)", "    print(name, tuple(h.shape))", "output = h"]
    return "\n".join(lines) + "\n"
