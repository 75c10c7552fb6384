"""Two constructors that take a keyword: one with a default (LayerLab builds it), one without (refused)."""
from torch import nn


class Wide(nn.Module):
    def __init__(self, width=8):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(3, width, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1))
        self.classifier = nn.Linear(width, 10)

    def forward(self, x):
        return self.classifier(self.features(x).flatten(1))


class NeedsWidth(Wide):
    def __init__(self, width):
        super().__init__(width)
