"""The tutorial's networks: the nn.Module template and the CIFAR-10 CNN, with named layers."""
from collections import OrderedDict
from dataclasses import dataclass, field

import torch
from torch import nn


class Template(nn.Module):
    """The tutorial's minimal nn.Module: __init__ builds the layers, forward says how data flows."""

    def __init__(self):
        super().__init__()

    def forward(self, input):
        output = input + 1
        return output


def tutorial_cnn(num_classes: int = 10) -> nn.Sequential:
    """The tutorial's CIFAR-10 network as a Sequential whose layers have names."""
    return nn.Sequential(OrderedDict([
        ("conv1", nn.Conv2d(3, 32, kernel_size=5, padding=2)),   # (B, 32, 32, 32)
        ("pool1", nn.MaxPool2d(2)),                               # (B, 32, 16, 16)
        ("conv2", nn.Conv2d(32, 32, kernel_size=5, padding=2)),  # (B, 32, 16, 16)
        ("pool2", nn.MaxPool2d(2)),                               # (B, 32, 8, 8)
        ("conv3", nn.Conv2d(32, 64, kernel_size=5, padding=2)),  # (B, 64, 8, 8)
        ("pool3", nn.MaxPool2d(2)),                               # (B, 64, 4, 4)
        ("flatten", nn.Flatten()),                                # (B, 1024)
        ("fc1", nn.Linear(1024, 64)),                             # (B, 64)
        ("fc2", nn.Linear(64, num_classes)),                      # (B, 10)
    ]))


class TutorialNet(nn.Module):
    """The same network written the tutorial's way: the template with a Sequential inside."""

    def __init__(self):
        super().__init__()
        self.model1 = tutorial_cnn()

    def forward(self, x):
        return self.model1(x)


def count_parameters(model: nn.Module) -> int:
    """Number of trainable numbers in the model."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


@torch.no_grad()
def layer_outputs(model: nn.Sequential, x: torch.Tensor) -> list[tuple[str, nn.Module, torch.Tensor]]:
    """Run x through a Sequential, keeping each named layer's output (no hooks needed)."""
    outputs = []
    for name, layer in model.named_children():
        x = layer(x)
        outputs.append((name, layer, x))
    return outputs


@dataclass
class TrainedModel:
    """A visitor's trained network, kept in their gr.State and shared by the tabs."""
    model: nn.Sequential                 # on the CPU, eval mode, named layers; takes nets.data.normalize(x)
    classes: tuple[str, ...]             # class names in label order
    label: str                           # one line for the UI, e.g. "tutorial CNN, Adam, 5 epochs, 64.1%"
    epoch_states: list[dict] = field(default_factory=list)  # state_dict (CPU) after some epochs, oldest first
    state_epochs: list[int] = field(default_factory=list)   # the epoch each of epoch_states is from (empty: 1, 2, ...)
    metrics: dict = field(default_factory=dict)              # the last epoch's metric dict
