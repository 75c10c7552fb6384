"""The tutorial's networks: the nn.Module template and the CIFAR-10 CNN, with named layers."""
import math
from dataclasses import dataclass, field

import torch
from torch import nn

from nets.builder.layers import make_sequential
from nets.builder.spec import tutorial_spec


class Template(nn.Module):
    """The tutorial's minimal nn.Module: __init__ builds the layers, forward says how data flows."""

    def __init__(self):
        super().__init__()

    def forward(self, input):
        output = input + 1
        return output


def tutorial_cnn(num_classes: int = 10) -> nn.Sequential:
    """The tutorial's CIFAR-10 network as a Sequential whose layers have names (conv1, pool1, ..., fc2)."""
    return make_sequential(tutorial_spec(num_classes))


class TutorialNet(nn.Module):
    """The same network written the tutorial's way: the template with a Sequential inside."""

    def __init__(self):
        super().__init__()
        self.model1 = tutorial_cnn()

    def forward(self, x):
        return self.model1(x)


def count_parameters(model: nn.Module) -> int:
    """Learned numbers (weights and biases) in a model or a single layer."""
    return sum(p.numel() for p in model.parameters())


NOT_RANDOM = (nn.modules.batchnorm._NormBase,)   # layers whose weights start as ones and zeros


def seeded(seed: int, make):
    """make()'s module with the weights it has after torch.manual_seed(seed), bit for bit, drawn from a generator
    of this call's own: requests building at the same time cannot interleave their draws, as they did when
    each seeded the process-wide generator (and restored it, rewinding the others')."""
    # The constructor draws from the process-wide generator too (its state put back after, for the caller);
    # every weight is drawn again below. Building on the meta device instead took 3-4 times as long (41-65 ms
    # for the tutorial's CNN: meta's uniform_ is slow).
    with torch.random.fork_rng(devices=[]):
        module = make()
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in module.modules():   # the order make() built them in, so the draws come in torch's order
            initialize(m, generator)
    return module


def initialize(m: nn.Module, generator: torch.Generator) -> None:
    """m's own weights drawn again as its constructor draws them, from generator."""
    if isinstance(m, (nn.Linear, nn.modules.conv._ConvNd)):
        # reset_parameters of nn.Linear and nn.Conv2d (torch 2.14), with the generator passed on
        nn.init.kaiming_uniform_(m.weight, a=math.sqrt(5), generator=generator)
        if m.bias is not None:
            fan_in, _ = nn.init._calculate_fan_in_and_fan_out(m.weight)
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            nn.init.uniform_(m.bias, -bound, bound, generator=generator)
    elif not isinstance(m, NOT_RANDOM) and any(True for _ in m.parameters(recurse=False)):
        raise TypeError(f"seeded() does not know how {type(m).__name__} draws its weights")


@dataclass
class TrainedModel:
    """A visitor's trained network, kept in their gr.State and shared by the tabs."""
    model: nn.Sequential                 # on the CPU, eval mode, named layers; takes nets.data.normalize(x)
    classes: tuple[str, ...]             # class names in label order
    label: object                        # one line for the UI (a nets.text.Phrase, or a str), e.g. "tutorial CNN, Adam, 5 epochs, 64.1%"
    epoch_states: list[dict] = field(default_factory=list)  # state_dict (CPU) after some epochs, oldest first
    state_epochs: list[int] = field(default_factory=list)   # the epoch each of epoch_states is from (empty: 1, 2, ...)
    metrics: dict = field(default_factory=dict)              # the last epoch's metric dict
