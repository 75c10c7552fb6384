"""A script for the lesson runner that prints whether its process could still initialise CUDA."""
import torch


def main(imgs, targets):
    print("bad fork" if torch.cuda._is_in_bad_fork() else "can initialise CUDA")
