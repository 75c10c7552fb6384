import torch
from torch import nn

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
    flat, fc1, fc2 = module.model1[:7](imgs), module.model1[7], module.model1[8]
    one = nn.Linear(1024, 10)
    with torch.no_grad():
        one.weight.copy_(fc2.weight @ fc1.weight)
        one.bias.copy_(fc2.weight @ fc1.bias + fc2.bias)
        print(torch.allclose(fc2(fc1(flat)), one(flat), atol=1e-5))  # True


if __name__ == "__main__":
    import torchvision
    from torch.utils.data import DataLoader

    dataset = torchvision.datasets.CIFAR10("./CIFAR10", train=False, download=True,
                                           transform=torchvision.transforms.ToTensor())
    imgs, targets = next(iter(DataLoader(dataset, batch_size=8, shuffle=True)))
    main(imgs, targets)
