"""One training step, as pytorch/examples writes it; beside it the same step in slices that a Stop can end,
and captured as a CUDA graph."""
import threading

import torch
from torch import nn
from torch.nn.parallel import DistributedDataParallel

from nets.train.batches import prepare
from nets.train.device import SLICE, autocast

WARMUP_STEPS = 3   # eager steps before capture: cuDNN picks its kernels, lazy state is created


def train_step(model: nn.Module, optimizer: torch.optim.Optimizer, x_u8: torch.Tensor, y: torch.Tensor,
               bf16: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
    """One step on a batch of uint8 images and their labels: (the batch's mean loss, the logits), detached."""
    model.train()
    optimizer.zero_grad(set_to_none=True)
    with autocast(x_u8.device, bf16):
        logits = model(prepare(x_u8))                          # (B, classes)
    loss = nn.functional.cross_entropy(logits.float(), y)
    loss.backward()
    optimizer.step()
    return loss.detach(), logits.detach()


def sliced_step(model: nn.Module, optimizer: torch.optim.Optimizer, bf16: bool, stop: threading.Event,
                size: int = SLICE):
    """train_step in slices of at most size images, gradients summed to the whole batch's; None on a Stop."""
    # Each slice's summed loss over the whole batch's size: the accumulated gradients are those of the
    # batch's mean loss. On a Stop between slices the partial gradients are dropped and the optimizer does
    # not step, so the weights stay those of the last whole step.
    def step(x_u8: torch.Tensor, y: torch.Tensor):
        model.train()
        optimizer.zero_grad(set_to_none=True)
        losses, logits = [], []
        for i in range(0, len(y), size):
            if stop.is_set():
                optimizer.zero_grad(set_to_none=True)
                return None
            with autocast(x_u8.device, bf16):
                out = model(prepare(x_u8[i:i + size]))            # (slice, classes)
            loss = nn.functional.cross_entropy(out.float(), y[i:i + size], reduction="sum") / len(y)
            loss.backward()
            losses.append(loss.detach())
            logits.append(out.detach())
        optimizer.step()
        return torch.stack(losses).sum(), torch.cat(logits)
    return step


def graphed_step(model: nn.Module, optimizer: torch.optim.Optimizer, bf16: bool):
    """train_step with its forward and backward captured once as a CUDA graph and replayed: one launch
    instead of ~60 per step."""
    # A small network at batch 64 spends most of a step launching kernels from Python; replaying
    # the recorded graph removes that cost (14x the tutorial's loop on an H200). Eager if capture fails.
    # The graph's backward writes the gradients into the same tensors at every replay, so they are not
    # zeroed between steps; the optimizer steps outside the graph.
    graph, static = None, {}
    calls = 0

    def capture(x_u8, y):
        nonlocal graph
        static["x"], static["y"] = x_u8.clone(), y.clone()
        model.train()
        optimizer.zero_grad(set_to_none=True)   # the graph's backward allocates the gradients it rewrites
        g = torch.cuda.CUDAGraph()
        with torch.cuda.graph(g):
            with torch.autocast("cuda", dtype=torch.bfloat16, enabled=bf16, cache_enabled=False):
                logits = model(prepare(static["x"]))
            loss = nn.functional.cross_entropy(logits.float(), static["y"])
            loss.backward()
        static["loss"], static["logits"], graph = loss.detach(), logits.detach(), g

    def step(x_u8, y):
        nonlocal calls, graph
        if graph is None and calls < WARMUP_STEPS:
            calls += 1
            side = torch.cuda.Stream()
            side.wait_stream(torch.cuda.current_stream())
            with torch.cuda.stream(side):   # as PyTorch's guide asks: warm up off the capture stream
                out = train_step(model, optimizer, x_u8, y, bf16)
            torch.cuda.current_stream().wait_stream(side)
            return out
        if graph is None:
            try:
                capture(x_u8, y)
            except RuntimeError:
                graph = False
        if graph is False:
            return train_step(model, optimizer, x_u8, y, bf16)
        static["x"].copy_(x_u8)
        static["y"].copy_(y)
        graph.replay()
        optimizer.step()
        return static["loss"].clone(), static["logits"]
    return step


def make_step(model: nn.Module, optimizer: torch.optim.Optimizer, device: torch.device, bf16: bool,
              stop: threading.Event | None = None):
    """The fastest step for the device, a function (uint8 images, labels) -> (loss, logits) or None on a Stop:
    a CUDA graph on one GPU, train_step under DistributedDataParallel, sliced on a CPU (a Stop lands within a
    slice) unless BatchNorm's statistics would change with the slices."""
    # DDP all-reduces gradient buckets from hooks during backward, overlapped with it on its own
    # stream; a captured graph would freeze that communication. With several GPUs the step's time
    # is also no longer mostly kernel launches, which is what the graph saves.
    distributed = isinstance(model, DistributedDataParallel)
    if device.type == "cuda" and not distributed:
        return graphed_step(model, optimizer, bf16)
    if device.type == "cpu" and not distributed and not has_batch_norm(model):
        return sliced_step(model, optimizer, bf16, stop or threading.Event())
    return lambda x_u8, y: train_step(model, optimizer, x_u8, y, bf16)


def has_batch_norm(model: nn.Module) -> bool:
    """Whether model normalises by batch statistics (every BatchNorm class derives from _BatchNorm)."""
    return any(isinstance(m, nn.modules.batchnorm._BatchNorm) for m in model.modules())
