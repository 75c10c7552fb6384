"""Training on CIFAR-10: the config, the loop as a generator of metric dicts, checkpoints and the CLI."""
