import torch
from torch import nn

BATCH = ("test", 4)


class Module(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, x):
        output = x + 1
        return output


def main(imgs, targets):
    module = Module()
    print(module(torch.tensor(1.0)))  # tensor(2.)
    output = module(imgs)
    print(output.shape)  # torch.Size([4, 3, 32, 32])
    print(f"{imgs.min():.2f}..{imgs.max():.2f} -> {output.min():.2f}..{output.max():.2f}")


if __name__ == "__main__":
    import torchvision
    from torch.utils.data import DataLoader

    dataset = torchvision.datasets.CIFAR10("./CIFAR10", train=False, download=True,
                                           transform=torchvision.transforms.ToTensor())
    imgs, targets = next(iter(DataLoader(dataset, batch_size=4, shuffle=True)))
    main(imgs, targets)
