"""`python -m nets.train`: the command-line trainer (nets.train.cli)."""
from nets.train.cli import main

main()
