import torch
from torch import nn

BATCH = ("test", 64)


class Module(nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(3 * 32 * 32, 10)

    def forward(self, x):
        x = self.linear(x)
        return x


def main(imgs, targets):
    torch.manual_seed(0)
    module = Module()
    print(imgs.shape)  # torch.Size([64, 3, 32, 32])
    flat = torch.flatten(imgs, start_dim=1)
    print(flat.shape)  # torch.Size([64, 3072])
    output = module(flat)
    print(output.shape)  # torch.Size([64, 10])
    whole_batch = torch.flatten(imgs)
    print(whole_batch.shape)  # torch.Size([196608])
    print(module(flat[:16]).shape)  # torch.Size([16, 10])


if __name__ == "__main__":
    import torchvision
    from torch.utils.data import DataLoader

    dataset = torchvision.datasets.CIFAR10("./CIFAR10", train=False, download=True,
                                           transform=torchvision.transforms.ToTensor())
    imgs, targets = next(iter(DataLoader(dataset, batch_size=64, shuffle=True)))
    main(imgs, targets)
