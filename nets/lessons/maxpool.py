import torch
from torch import nn

from nets.lessons.batch import cifar_batch

BATCH = ("test", 8)


class Module(nn.Module):
    def __init__(self):
        super().__init__()
        self.maxpool = nn.MaxPool2d(kernel_size=2, stride=2)

    def forward(self, x):
        x = self.maxpool(x)
        return x


def main(imgs, targets):
    module = Module()
    output = module(imgs)
    print(imgs.shape)  # torch.Size([8, 3, 32, 32])
    print(output.shape)  # torch.Size([8, 3, 16, 16])
    padded = nn.MaxPool2d(kernel_size=2, stride=2, padding=1)(imgs)
    print(padded.shape)  # torch.Size([8, 3, 17, 17])
    grid = torch.arange(16.0).reshape(1, 1, 4, 4)
    print(module(grid).flatten().tolist())  # [5.0, 7.0, 13.0, 15.0]


if __name__ == "__main__":
    main(*cifar_batch(*BATCH))
