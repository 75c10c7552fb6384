"""DistributedDataParallel under torchrun: the process group, each process's share of a batch, sums across them."""
# Without torchrun nothing here starts: world size 1, rank 0, every helper returns its input, and
# training runs exactly as in one process. Under torchrun every process holds the whole dataset and
# draws the same shuffled order (same seed), takes its own slice of each global batch, and DDP
# averages the gradients in backward, so all processes keep identical weights.
import os
from contextlib import contextmanager
from datetime import timedelta

import torch
import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel

from nets.train.config import ConfigError
from nets.train.device import DeviceError, resolve_device

# Long enough for a machine's first process to download CIFAR-10 while the others wait, or for
# rank 0 to evaluate; short enough that a process stuck waiting on a lost peer ends the run.
TIMEOUT = timedelta(minutes=10)


def launched_by_torchrun() -> bool:
    """Whether torchrun (or a launcher setting the same variables) started this process."""
    return all(name in os.environ for name in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR"))


def setup(device_name: str) -> None:
    """Under torchrun, join the process group: NCCL with one GPU per process, gloo on the CPU."""
    if not launched_by_torchrun() or dist.is_initialized():
        return
    device = resolve_device(device_name)
    if device.type == "mps":
        raise DeviceError("train.err.torchrun_mps")
    if device.type == "cpu":
        dist.init_process_group("gloo", timeout=TIMEOUT)
        return
    local, gpus = int(os.environ["LOCAL_RANK"]), torch.cuda.device_count()
    if local >= gpus:
        raise DeviceError("train.err.torchrun_gpus", gpus=gpus)
    torch.cuda.set_device(local)   # from here on "cuda" means this process's own GPU
    dist.init_process_group("nccl", timeout=TIMEOUT, device_id=torch.device("cuda", local))


def teardown() -> None:
    """Leave the process group (a no-op without torchrun)."""
    if dist.is_initialized():
        dist.destroy_process_group()


def world_size() -> int:
    return dist.get_world_size() if dist.is_initialized() else 1


def rank() -> int:
    return dist.get_rank() if dist.is_initialized() else 0


def is_main() -> bool:
    """Whether this process is rank 0: the one that prints, evaluates and writes files."""
    return rank() == 0


def local_processes() -> int:
    """Processes sharing this machine, so that they can share its CPU cores instead of fighting over them."""
    return int(os.environ.get("LOCAL_WORLD_SIZE", 1)) if dist.is_initialized() else 1


def check_batch(batch: int) -> None:
    """A ConfigError unless the global batch splits evenly across the processes."""
    world = world_size()
    if batch % world:
        raise ConfigError("train.err.global_batch", world=world, batch=batch,
                          example=max(world, batch // world * world))


def my_share(idx: torch.Tensor) -> torch.Tensor:
    """This process's part of a global batch's indices: rank r takes the r-th of world equal slices."""
    share = len(idx) // world_size()
    return idx[rank() * share:(rank() + 1) * share]


def wrap(model: nn.Module) -> nn.Module:
    """model in DistributedDataParallel under torchrun (backward then averages gradients), else model."""
    return DistributedDataParallel(model) if dist.is_initialized() else model


def mean_across(x: torch.Tensor) -> torch.Tensor:
    """x averaged over the processes (gloo has no AVG, so a sum divided by their number)."""
    return sum_across(x) / world_size()


def sum_across(x: torch.Tensor) -> torch.Tensor:
    """x summed over the processes."""
    if not dist.is_initialized():
        return x
    x = x.clone()
    dist.all_reduce(x)
    return x


@contextmanager
def main_first():
    """Run the block in each machine's first process before the others: one download, one cache write."""
    first = int(os.environ.get("LOCAL_RANK", 0)) == 0
    if dist.is_initialized() and not first:
        dist.barrier()
    yield
    if dist.is_initialized() and first:
        dist.barrier()
