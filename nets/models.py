"""The tutorial's networks: the nn.Module template and the CIFAR-10 CNN, with named layers."""
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


def seeded(seed: int, make):
    """make() under torch.manual_seed(seed), leaving the caller's (and every other visitor's) random state alone.
    Seeds the CPU generator only (what torch.manual_seed does on the CPU): it also queues seeds for CUDA, MTIA
    and XPU, formatting a stack trace for each (2 ms of every explorer update)."""
    with torch.random.fork_rng(devices=[]):
        torch.default_generator.manual_seed(seed)
        return make()


@dataclass
class TrainedModel:
    """A visitor's trained network, kept in their gr.State and shared by the tabs."""
    model: nn.Sequential                 # on the CPU, eval mode, named layers; takes nets.data.normalize(x)
    classes: tuple[str, ...]             # class names in label order
    label: object                        # one line for the UI (a nets.text.Phrase, or a str), e.g. "tutorial CNN, Adam, 5 epochs, 64.1%"
    epoch_states: list[dict] = field(default_factory=list)  # state_dict (CPU) after some epochs, oldest first
    state_epochs: list[int] = field(default_factory=list)   # the epoch each of epoch_states is from (empty: 1, 2, ...)
    metrics: dict = field(default_factory=dict)              # the last epoch's metric dict
