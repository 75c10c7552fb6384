import os
import tempfile

import torch

from nets.lessons.sequential import Module

BATCH = ("test", 4)


def main(imgs, targets):
    torch.manual_seed(0)
    module = Module().eval()
    with tempfile.TemporaryDirectory() as folder:
        path1 = os.path.join(folder, "module_method1.pth")
        torch.save(module, path1)
        model1 = torch.load(path1, weights_only=False)
        path2 = os.path.join(folder, "module_method2.pth")
        torch.save(module.state_dict(), path2)
        model2 = Module().eval()
        model2.load_state_dict(torch.load(path2))
    print(type(model1).__name__)  # Module
    print(len(module.state_dict()))  # 10
    print(len(list(module.parameters())), len(list(module.buffers())))  # 10 0
    print(list(module.state_dict())[:2])  # ['model1.0.weight', 'model1.0.bias']
    with torch.no_grad():
        print(torch.equal(model1(imgs), module(imgs)), torch.equal(model2(imgs), module(imgs)))  # True True


if __name__ == "__main__":
    import torchvision
    from torch.utils.data import DataLoader

    dataset = torchvision.datasets.CIFAR10("./CIFAR10", train=False, download=True,
                                           transform=torchvision.transforms.ToTensor())
    imgs, targets = next(iter(DataLoader(dataset, batch_size=4, shuffle=True)))
    main(imgs, targets)
