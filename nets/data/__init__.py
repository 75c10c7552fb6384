"""CIFAR-10 from wherever the user has it: archives and folders decoded once into cached uint8 tensors."""
