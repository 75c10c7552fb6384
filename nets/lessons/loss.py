import math

import torch
from torch import nn

from nets.lessons.sequential import Module

BATCH = ("test", 8)


def main(imgs, targets):
    torch.manual_seed(0)
    module = Module()
    loss_fn = nn.CrossEntropyLoss()
    outputs = module(imgs)
    print(outputs.shape, targets.shape)  # torch.Size([8, 10]) torch.Size([8])
    result_loss = loss_fn(outputs, targets)
    print(f"loss {result_loss.item():.3f}, ln(10) = {math.log(10):.3f}")
    conv1 = module.model1[0]
    print(conv1.weight.grad)  # None
    result_loss.backward()
    print(conv1.weight.grad.shape)  # torch.Size([32, 3, 5, 5])
    first = conv1.weight.grad.clone()
    loss_fn(module(imgs), targets).backward()
    print(torch.allclose(conv1.weight.grad, 2 * first))  # True
    print(math.ceil(50000 / 64))  # 782


if __name__ == "__main__":
    import torchvision
    from torch.utils.data import DataLoader

    dataset = torchvision.datasets.CIFAR10("./CIFAR10", train=False, download=True,
                                           transform=torchvision.transforms.ToTensor())
    imgs, targets = next(iter(DataLoader(dataset, batch_size=8, shuffle=True)))
    main(imgs, targets)
