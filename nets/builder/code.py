"""The learner's network as PyTorch code they can copy and run: a named Sequential, or the tutorial's template."""
from nets.builder.spec import INPUT_SHAPE, normalize_spec
from nets.builder.layers import layer_code, layer_names


def sequential_code(spec) -> str:
    """A runnable script building the network as nn.Sequential with the same layer names LayerLab uses."""
    layers = normalize_spec(spec)
    rows = [f'    ("{n}", {layer_code(d)}),' for n, d in zip(layer_names(layers), layers)]
    return "\n".join([
        "from collections import OrderedDict",
        "",
        "import torch",
        "from torch import nn",
        "",
        "# Named layers: the state_dict keys (conv1.weight, ...) match LayerLab's downloads.",
        "model = nn.Sequential(OrderedDict([",
        *rows,
        "]))",
        "",
        f"x = torch.ones({INPUT_SHAPE!r})  # one image: (batch, channels, height, width)",
        "print(model(x).shape)",
        "",
    ])


def module_code(spec, class_name: str = "Model") -> str:
    """A runnable script in the tutorial's form: an nn.Module whose __init__ holds self.model1 = Sequential(...)."""
    layers = normalize_spec(spec)
    names = layer_names(layers)
    width = max(len(layer_code(d)) for d in layers) + 1
    rows = [f"            {(layer_code(d) + ','):<{width}}  # {n}" for n, d in zip(names, layers)]
    return "\n".join([
        "import torch",
        "from torch import nn",
        "",
        "",
        f"class {class_name}(nn.Module):",
        "    def __init__(self):",
        "        super().__init__()",
        "        self.model1 = nn.Sequential(",
        *rows,
        "        )",
        "",
        "    def forward(self, x):",
        "        x = self.model1(x)",
        "        return x",
        "",
        "",
        f"model = {class_name}()",
        "x = torch.ones((64, 3, 32, 32))  # a batch of 64 images, as in the tutorial",
        "print(model(x).shape)",
        "",
    ])
