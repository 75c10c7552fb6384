"""The tutorial's networks: the nn.Module template and the CIFAR-10 CNN, with named layers."""
import inspect
from dataclasses import dataclass, field

import torch
from torch import nn
from torch.overrides import TorchFunctionMode

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


# Tensor methods and torch functions that draw random numbers and take a generator= (torch 2.14), and the nn.init
# functions that take one.
DRAWS = {"uniform_", "normal_", "random_", "bernoulli_", "exponential_", "cauchy_", "log_normal_", "geometric_",
         "rand", "randn", "randint", "randperm", "normal", "bernoulli", "multinomial"}
INIT_DRAWS = {name for name, f in vars(nn.init).items()
              if inspect.isfunction(f) and "generator" in inspect.signature(f).parameters}


def seeded(seed: int, make):
    """make()'s module with the weights it has after torch.manual_seed(seed), bit for bit, every draw taken from a
    generator of this call's own: the process-wide generator is neither read nor moved, so requests building at
    once, and any other thread drawing numbers, cannot change each other's."""
    with OwnDraws(torch.Generator().manual_seed(seed)):
        return make()


class OwnDraws(TorchFunctionMode):
    """Inside it, in this thread only (torch's function modes are per thread), every random draw that takes no
    generator of its own (a constructor's weight initialisation) takes this one."""

    def __init__(self, generator: torch.Generator):
        super().__init__()
        self.generator = generator

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = dict(kwargs or {})
        if kwargs.get("generator") is None and draws(func):
            kwargs["generator"] = self.generator
        return func(*args, **kwargs)


def draws(func) -> bool:
    """Whether func draws random numbers and takes a generator= to draw them from."""
    name = getattr(func, "__name__", None)
    return name in INIT_DRAWS if getattr(func, "__module__", None) == "torch.nn.init" else name in DRAWS


@dataclass
class TrainedModel:
    """A visitor's trained network, kept in their gr.State and shared by the tabs."""
    model: nn.Sequential                 # on the CPU, eval mode, named layers; takes nets.data.normalize(x)
    classes: tuple[str, ...]             # class names in label order
    label: object                        # one line for the UI (a nets.text.Phrase, or a str), e.g. "tutorial CNN, Adam, 5 epochs, 64.1%"
    epoch_states: list[dict] = field(default_factory=list)  # state_dict (CPU) after some epochs, oldest first
    state_epochs: list[int] = field(default_factory=list)   # the epoch each of epoch_states is from (empty: 1, 2, ...)
    metrics: dict = field(default_factory=dict)              # the last epoch's metric dict
