"""Each optimizer LayerLab offers is the one the tutorial names, step for step against torch's own."""
import pytest
import torch
from torch import nn

from nets.models import count_parameters, tutorial_cnn
from nets.train.config import OPTIMIZERS, TrainConfig, make_optimizer

# How the tutorial builds each one: torch.optim.X(model.parameters(), lr=...), SGDM with momentum=0.9.
TUTORIAL = {
    "sgd": lambda p, lr: torch.optim.SGD(p, lr=lr),
    "momentum": lambda p, lr: torch.optim.SGD(p, lr=lr, momentum=0.9),
    "adagrad": lambda p, lr: torch.optim.Adagrad(p, lr=lr),
    "rmsprop": lambda p, lr: torch.optim.RMSprop(p, lr=lr),
    "adam": lambda p, lr: torch.optim.Adam(p, lr=lr),
}


def trained_weights(make) -> torch.Tensor:
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 4), nn.Tanh(), nn.Linear(4, 3))
    optimizer = make(model.parameters())
    x, y = torch.randn(16, 8), torch.randint(0, 3, (16,))
    for _ in range(5):
        optimizer.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        optimizer.step()
    return torch.cat([p.detach().flatten() for p in model.parameters()])


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_each_optimizer_steps_as_the_tutorials(name):
    cfg = TrainConfig(optimizer=name, lr=0.01, momentum=0.9, weight_decay=0.0)
    ours = trained_weights(lambda p: make_optimizer(cfg, p, torch.device("cpu")))
    theirs = trained_weights(lambda p: TUTORIAL[name](p, 0.01))
    assert torch.equal(ours, theirs)


def test_the_tutorial_network_has_145578_parameters():
    # conv1 3*32*25+32, conv2 32*32*25+32, conv3 32*64*25+64, fc1 1024*64+64, fc2 64*10+10
    assert count_parameters(tutorial_cnn()) == 2432 + 25632 + 51264 + 65600 + 650 == 145_578
