import torch
from torch import nn

BATCH = ("test", 64)


class Module(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels=3, out_channels=6, kernel_size=3, stride=1, padding=1)

    def forward(self, x):
        x = self.conv1(x)
        return x


def main(imgs, targets):
    torch.manual_seed(0)
    module = Module()
    output = module(imgs)
    print(imgs.shape)  # torch.Size([64, 3, 32, 32])
    print(module.conv1.weight.shape)  # torch.Size([6, 3, 3, 3])
    print(output.shape)  # torch.Size([64, 6, 32, 32])
    as_images = torch.reshape(output, (-1, 3, 32, 32))
    print(as_images.shape)  # torch.Size([128, 3, 32, 32])
    no_padding = nn.Conv2d(3, 6, kernel_size=3)(imgs)
    print(no_padding.shape)  # torch.Size([64, 6, 30, 30])


if __name__ == "__main__":
    import torchvision
    from torch.utils.data import DataLoader

    dataset = torchvision.datasets.CIFAR10("./CIFAR10", train=False, download=True,
                                           transform=torchvision.transforms.ToTensor())
    imgs, targets = next(iter(DataLoader(dataset, batch_size=64, shuffle=True)))
    main(imgs, targets)
