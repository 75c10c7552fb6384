import torch
from torch import nn

BATCH = ("test", 8)


class Module(nn.Module):
    def __init__(self):
        super().__init__()
        self.relu = nn.ReLU()
        self.sigmoid = nn.Sigmoid()

    def forward(self, x):
        x = self.sigmoid(x)
        return x


def main(imgs, targets):
    module = Module()
    x = torch.tensor([-2.0, -0.5, 0.0, 0.5, 2.0])
    print(module.relu(x).tolist())  # [0.0, 0.0, 0.0, 0.5, 2.0]
    print([round(v, 3) for v in module.sigmoid(x).tolist()])  # [0.119, 0.378, 0.5, 0.622, 0.881]
    output = module(imgs)
    print(output.shape)  # torch.Size([8, 3, 32, 32])
    print(f"{imgs.min():.3f}..{imgs.max():.3f} -> {output.min():.3f}..{output.max():.3f}")
    print(torch.equal(module.relu(imgs), imgs))  # True


if __name__ == "__main__":
    import torchvision
    from torch.utils.data import DataLoader

    dataset = torchvision.datasets.CIFAR10("./CIFAR10", train=False, download=True,
                                           transform=torchvision.transforms.ToTensor())
    imgs, targets = next(iter(DataLoader(dataset, batch_size=8, shuffle=True)))
    main(imgs, targets)
