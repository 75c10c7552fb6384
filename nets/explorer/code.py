"""The PyTorch code that reproduces the explorer's view, runnable as shown."""
from torch import nn

from nets.data.cifar import CIFAR_MEAN, CIFAR_STD
from nets.explorer.layer import CONVS, POOLS, LayerConfig, build_conv, comparison_pool, conv_shape, trained_conv
from nets.saving import STATE_FILE

HEADER = ["import torch", "from torch import nn", ""]


def data_code(source: str, split: str = "test", batch: int = 64, seed: int = 0,
              name: str = "image.png") -> str:
    """Code that loads an input like the one on screen: a CIFAR-10 batch the tutorial's way, or the upload."""
    if source == "upload":
        return "\n".join([
            "import torchvision.transforms.functional as TF",
            "from PIL import Image",
            "",
            f"img = Image.open({name!r}).convert(\"RGB\")",
            "x = TF.to_tensor(TF.resize(img, [32, 32], antialias=True))[None]  # (1, 3, 32, 32) in 0..1",
            "",
        ])
    return "\n".join([
        "import torch",
        "import torchvision",
        "from torch.utils.data import DataLoader",
        "",
        f"dataset = torchvision.datasets.CIFAR10(\"./CIFAR10\", train={split == 'train'}, download=True,",
        "                                       transform=torchvision.transforms.ToTensor())",
        f"loader = DataLoader(dataset, batch_size={batch}, shuffle=True, "
        f"generator=torch.Generator().manual_seed({seed}))",
        f"x, targets = next(iter(loader))  # ({batch}, 3, 32, 32) in 0..1 (LayerLab draws its own {batch})",
        "",
    ])


def scale_code(scale: str) -> list[str]:
    """The normalisation step, when the view uses it."""
    if scale != "normalize":
        return ["# x: images as ToTensor() gives them, floats in 0..1"]
    return ["# Normalise each colour channel the way LayerLab's trained networks expect: (x - mean) / std",
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


def conv_lines(cfg: LayerConfig, in_channels: int, trained=None) -> list[str]:
    """Build the Conv2d and give it the view's weights."""
    out_channels, k = conv_shape(cfg, trained)
    bias = cfg.bias or cfg.weights == "trained"
    make = f"layer = nn.Conv2d({conv_args(cfg, in_channels, out_channels, k, bias)})"
    if cfg.weights == "default":
        return [f"torch.manual_seed({cfg.seed})  # PyTorch's default init, seeded: the weights on screen",
                make]
    if cfg.weights == "trained":
        name = next(n for n, m in trained.model.named_modules() if m is trained_conv(trained))
        return [make,
                f"state = torch.load({STATE_FILE!r}, weights_only=True)  # from Save & load: state_dict (.pth)",
                f"layer.load_state_dict({{\"weight\": state[\"{name}.weight\"], "
                f"\"bias\": state[\"{name}.bias\"]}})"]
    kernel = build_conv(cfg, in_channels).weight[0, 0].tolist()   # the kernel exactly as the view built it
    rows = ",\n    ".join(repr(row) for row in kernel)
    label = cfg.preset if cfg.weights == "preset" else "your kernel grid"
    lines = [make, f"kernel = torch.tensor([\n    {rows},\n])  # {label}",
             "with torch.no_grad():",
             "    layer.weight.zero_()  # (out, in, k, k): output channel c looks only at input channel c",
             f"    for c in range({in_channels}):",
             "        layer.weight[c, c] = kernel"]
    return lines + (["    layer.bias.zero_()"] if bias else [])


def pool_lines(cfg: LayerConfig) -> list[str]:
    """The pooling layer, and the other kind beside it for comparison."""
    lines = [f"layer = nn.{cfg.kind}({pool_args(cfg, cfg.kind)})"]
    other = comparison_pool(cfg)
    if other is not None:
        kind = type(other).__name__
        lines += [f"other = nn.{kind}({pool_args(cfg, kind)})  # the same window, for comparison",
                  "output_other = other(x)"]
    return lines


def pool_args(cfg: LayerConfig, kind: str) -> str:
    args = [f"kernel_size={cfg.kernel_size}", f"stride={cfg.stride}", f"padding={cfg.padding}"]
    if kind == "MaxPool2d":
        args.append(f"dilation={cfg.dilation}")
    return ", ".join(args + [f"ceil_mode={cfg.ceil_mode}"])


def activation_line(cfg: LayerConfig) -> str:
    if cfg.kind == "LeakyReLU":
        return f"layer = nn.LeakyReLU(negative_slope={cfg.negative_slope!r})"
    if cfg.kind == "GELU":
        return f"layer = nn.GELU(approximate={cfg.approximate!r})"
    return f"layer = nn.{cfg.kind}()"


def linear_lines(cfg: LayerConfig, shape: tuple) -> list[str]:
    """Flatten per image, then Linear; with the tutorial's flatten-the-batch mistake spelled out."""
    b, c, h, w = shape
    n = c * h * w
    return [
        f"flatten = nn.Flatten()  # ({b}, {c}, {h}, {w}) -> ({b}, {n}): "
        f"one row of {c}·{h}·{w} = {n} values per image",
        f"torch.manual_seed({cfg.seed})",
        f"linear = nn.Linear({n}, {cfg.out_features}{'' if cfg.bias else ', bias=False'})",
        "layer = nn.Sequential(flatten, linear)",
        f"# Not torch.flatten(x) -> ({b * n},) with Linear({b * n}, {cfg.out_features}), as the tutorial",
        f"# wrote: that mixes all {b} images into one vector, gives {cfg.out_features} numbers for the",
        "# whole batch, and",
        "# fails on a smaller last batch (hence its drop_last=True). nn.Flatten keeps the batch dimension.",
    ]


def model_lines(model: nn.Module, var: str = "model") -> list[str]:
    """A named Sequential as code; a leaf module's repr is its constructor call."""
    rows = [f"    (\"{name}\", nn.{child!r})," for name, child in model.named_children()]
    return ["from collections import OrderedDict", "", f"{var} = nn.Sequential(OrderedDict([", *rows, "]))"]


def trained_scores_lines(trained) -> list[str]:
    """Run the trained network on the normalised batch: class scores and softmax probabilities."""
    return ["", "# Your trained network on the same images (normalised, as it was trained):",
            *model_lines(trained.model, "model"),
            f"model.load_state_dict(torch.load({STATE_FILE!r}, weights_only=True))",
            "model.eval()",
            "with torch.no_grad():",
            "    scores = model((x_in - mean) / std)  # (B, 10) class scores (logits)",
            "probs = scores.softmax(dim=1)          # each row sums to 1",
            f"classes = {list(trained.classes)!r}",
            "print([classes[i] for i in probs.argmax(dim=1).tolist()])"]


def layer_script(cfg: LayerConfig, shape: tuple, trained=None) -> str:
    """Code that turns x (floats in 0..1, shape `shape`) into `output` exactly as the view does."""
    lines = list(HEADER)
    if cfg.kind == "Linear" and trained is not None:
        lines += ["x_in = x  # kept for the trained network below"]
    lines += scale_code(cfg.scale)
    if cfg.kind in CONVS:
        lines += conv_lines(cfg, shape[1], trained)
    elif cfg.kind in POOLS:
        lines += pool_lines(cfg)
    elif cfg.kind == "Linear":
        lines += linear_lines(cfg, shape)
    else:
        lines.append(activation_line(cfg))
    lines += ["output = layer(x)", "print(x.shape, \"->\", output.shape)"]
    if cfg.kind == "Linear" and trained is not None:
        if cfg.scale != "normalize":
            lines += scale_code("normalize")[1:3]
        lines += trained_scores_lines(trained)
    return "\n".join(lines) + "\n"


def chain_code(model: nn.Module, scale: str, seed: int, trained: bool) -> str:
    """Code for the Sequential view: the chain built with the same seed, run stage by stage."""
    lines = list(HEADER) + scale_code(scale)
    lines += [f"torch.manual_seed({seed})  # PyTorch's default init, seeded: the weights on screen"]
    lines += model_lines(model)
    if trained:
        lines += [f"trained = torch.load({STATE_FILE!r}, weights_only=True)  # your model's state_dict",
                  "model.load_state_dict({k: v for k, v in trained.items() if k in model.state_dict()})"]
    lines += ["h = x", "for name, layer in model.named_children():  # every stage, as shown",
              "    h = layer(h)", "    print(name, tuple(h.shape))", "output = h"]
    return "\n".join(lines) + "\n"
