"""Networks with the mistakes learners make, one class each (started as mistakes.py:Name)."""
from torch import nn


class NoFlatten(nn.Module):
    """Linear straight after a convolution: forgot to flatten."""
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)
        self.fc = nn.Linear(4 * 32 * 32, 10)

    def forward(self, x):
        return self.fc(self.conv(x))


class MapsOut(nn.Module):
    """Gives feature maps, not class scores."""
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 10, 3, padding=1)

    def forward(self, x):
        return self.conv(x)


class HundredClasses(nn.Module):
    """A CIFAR-100 head on CIFAR-10."""
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3 * 32 * 32, 100)

    def forward(self, x):
        return self.fc(x.flatten(1))


class Broken(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(10, 10)
        raise ValueError("a typo in __init__")

    def forward(self, x):
        return x


def not_a_network():
    return 42
