import torch
from torch import nn

from nets.lessons.sequential import Module

BATCH = ("test", 16)


def main(imgs, targets):
    torch.manual_seed(0)
    module = Module()
    loss_fn = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(module.parameters(), lr=0.01, momentum=0.9)
    for step in range(8):
        outputs = module(imgs)
        result_loss = loss_fn(outputs, targets)
        optimizer.zero_grad()
        result_loss.backward()
        optimizer.step()
        print(f"step {step + 1}: loss {result_loss.item():.4f}")
    group = optimizer.param_groups[0]
    print(type(optimizer).__name__, group["lr"], group["momentum"])  # SGD 0.01 0.9


if __name__ == "__main__":
    import torchvision
    from torch.utils.data import DataLoader

    dataset = torchvision.datasets.CIFAR10("./CIFAR10", train=False, download=True,
                                           transform=torchvision.transforms.ToTensor())
    imgs, targets = next(iter(DataLoader(dataset, batch_size=16, shuffle=True)))
    main(imgs, targets)
