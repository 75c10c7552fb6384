import torch
from torch import nn

from nets.lessons.batch import cifar_batch

BATCH = ("test", 8)


class Module(nn.Module):
    def __init__(self):
        super().__init__()
        self.model1 = nn.Sequential(
            nn.Conv2d(3, 32, kernel_size=5, padding=2),
            nn.MaxPool2d(2),
            nn.Conv2d(32, 32, kernel_size=5, padding=2),
            nn.MaxPool2d(2),
            nn.Conv2d(32, 64, kernel_size=5, padding=2),
            nn.MaxPool2d(2),
            nn.Flatten(),
            nn.Linear(1024, 64),
            nn.Linear(64, 10),
        )

    def forward(self, x):
        x = self.model1(x)
        return x


def main(imgs, targets):
    torch.manual_seed(0)
    module = Module()
    x = imgs
    for layer in module.model1:
        x = layer(x)
        print(f"{type(layer).__name__:<10} {tuple(x.shape)}")
    print(module(imgs).shape)  # torch.Size([8, 10])
    print(sum(p.numel() for p in module.parameters()))  # 145578


if __name__ == "__main__":
    main(*cifar_batch(*BATCH))
