"""The small real CIFAR-10 batch a lesson script runs on."""
import torch

from nets.data.cifar import Cifar10, load_cifar10, to_unit

SEED = 0   # the same images on every run, so printed numbers can be compared


def pick_images(data: Cifar10, split: str, n: int) -> tuple[torch.Tensor, torch.Tensor]:
    """n images of a split (a seeded shuffle: archives may be sorted by class) as ToTensor() floats and labels."""
    x, y = data.split(split)
    pick = torch.randperm(len(y), generator=torch.Generator().manual_seed(SEED))[:n]
    return to_unit(x[pick]), y[pick]   # (n, 3, 32, 32) in 0..1, (n,)

