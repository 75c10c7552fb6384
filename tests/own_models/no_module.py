"""No network here."""
import torch

SIZE = 32
