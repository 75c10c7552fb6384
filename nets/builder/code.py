"""The learner's network as PyTorch code they can copy and run: a named Sequential, or the tutorial's template.

Code stays code; its comments are worded from the i18n tables in the learner's language."""
from nets.builder.layers import layer_code, layer_names
from nets.builder.spec import INPUT_SHAPE, normalize_spec
from nets.saving import STATE_FILE
from nets.text import text

HEADER = ["from collections import OrderedDict", "from pathlib import Path", "", "import torch", "from torch import nn", ""]


def named_layers(layers: list[dict], indent: str) -> list[str]:
    """The body of nn.Sequential(OrderedDict([...])): one ("conv1", nn.Conv2d(...)) line per layer."""
    return [f'{indent}("{n}", {layer_code(d)}),' for n, d in zip(layer_names(layers), layers)]


def load_lines(target: str, what: str, locale: str) -> list[str]:
    """Load the Save & load tab's download (a state_dict keyed conv1.weight, ...) into target, when it is here."""
    return [f"# {what}",
            f'if Path("{STATE_FILE}").exists():',
            f'    {target}.load_state_dict(torch.load("{STATE_FILE}", weights_only=True))',
            f"    model.eval()  # {text('builder.code.eval', locale)}"]


def sequential_code(spec, locale: str = "en") -> str:
    """A runnable script building the network as nn.Sequential with the same layer names LayerLab uses."""
    return "\n".join([
        *HEADER,
        f"# {text('builder.code.named_layers', locale)}",
        "model = nn.Sequential(OrderedDict([",
        *named_layers(normalize_spec(spec), "    "),
        "]))",
        "",
        *load_lines("model", text("builder.code.load_sequential", locale, file=STATE_FILE), locale),
        "",
        f"x = torch.ones({INPUT_SHAPE!r})  # {text('builder.code.one_image', locale)}",
        "print(model(x).shape)",
        "",
    ])


def module_code(spec, class_name: str = "Model", locale: str = "en") -> str:
    """A runnable script in the tutorial's form: an nn.Module whose __init__ holds self.model1 = Sequential(...)."""
    return "\n".join([
        *HEADER,
        "",
        f"class {class_name}(nn.Module):",
        "    def __init__(self):",
        "        super().__init__()",
        f"        self.model1 = nn.Sequential(OrderedDict([   # {text('builder.code.names_inline', locale)}",
        *named_layers(normalize_spec(spec), "            "),
        "        ]))",
        "",
        "    def forward(self, x):",
        "        x = self.model1(x)",
        "        return x",
        "",
        "",
        f"model = {class_name}()",
        *load_lines("model.model1", text("builder.code.load_module", locale, file=STATE_FILE), locale),
        "",
        f"x = torch.ones((64, 3, 32, 32))  # {text('builder.code.batch', locale)}",
        "print(model(x).shape)",
        "",
    ])
