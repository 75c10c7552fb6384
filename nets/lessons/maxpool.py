import torch
from torch import nn

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
    import torchvision
    from torch.utils.data import DataLoader

    dataset = torchvision.datasets.CIFAR10("./CIFAR10", train=False, download=True,
                                           transform=torchvision.transforms.ToTensor())
    imgs, targets = next(iter(DataLoader(dataset, batch_size=8, shuffle=True)))
    main(imgs, targets)
