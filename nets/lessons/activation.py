import torch
from torch import nn

from nets.lessons.batch import cifar_batch

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
    main(*cifar_batch(*BATCH))
