import torch
import torchvision
from torch import nn

BATCH = ("test", 4)


def main(imgs, targets):
    with torch.device("meta"):
        vgg16 = torchvision.models.vgg16(weights=None)
        vgg16_add = torchvision.models.vgg16(weights=None)
        vgg16_add.classifier.add_module("add_linear", nn.Linear(1000, 10))
        vgg16_replace = torchvision.models.vgg16(weights=None)
        vgg16_replace.classifier[6] = nn.Linear(4096, 10)
    x = imgs.to("meta")
    print(sum(p.numel() for p in vgg16.parameters()))  # 138357544
    print(vgg16.classifier[6])  # Linear(in_features=4096, out_features=1000, bias=True)
    print(vgg16(x).shape)  # torch.Size([4, 1000])
    print(vgg16_add.classifier[-1])  # Linear(in_features=1000, out_features=10, bias=True)
    print(vgg16_add(x).shape)  # torch.Size([4, 10])
    print(vgg16_replace.classifier[6])  # Linear(in_features=4096, out_features=10, bias=True)
    print(vgg16_replace(x).shape)  # torch.Size([4, 10])


if __name__ == "__main__":
    import torchvision
    from torch.utils.data import DataLoader

    dataset = torchvision.datasets.CIFAR10("./CIFAR10", train=False, download=True,
                                           transform=torchvision.transforms.ToTensor())
    imgs, targets = next(iter(DataLoader(dataset, batch_size=4, shuffle=True)))
    main(imgs, targets)
