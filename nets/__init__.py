"""Torch-only compute: CIFAR-10, the tutorial's networks, the explorer's layers, the Builder's lists, training."""
