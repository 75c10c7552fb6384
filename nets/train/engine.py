"""Training on CIFAR-10 as a generator of plain metric dicts (the UI streams it, the CLI prints it), and evaluation."""
import copy
import math
import threading
import time

import torch
from torch import nn

from nets.memory import give_memory_back
from nets.models import seeded, tutorial_cnn
from nets.text import LearnerError
from nets.train.batches import augment, prepare
from nets.train.config import TrainConfig, check_config, lr_factor, make_optimizer
from nets.train.device import (EVAL_BATCH, autocast, cpu_cores, device_name, device_phrase, resolve_device,
                               tune_allocator, use_bf16)
from nets.train.distributed import (check_batch, is_main, local_processes, mean_across, my_share, sum_across,
                                     world_size, wrap)
from nets.train.steps import make_step

# A step report at least this often in one process: a consumer that stops iterating is never kept long
REPORT_EVERY_S = 0.5
AUGMENT_BLOCK = 4096   # images gathered and augmented in one pass (the Stop flag read between its chunks)


class TrainingError(LearnerError, RuntimeError):
    """A run that had to stop (diverged, out of memory); the message (a key) says why and what to change."""


@torch.inference_mode()
def evaluate(model: nn.Module, x: torch.Tensor, y: torch.Tensor, num_classes: int,
             bf16: bool = False, stop: threading.Event | None = None) -> dict | None:
    """Test loss, accuracy, per-class accuracy and confusion matrix of model on uint8 images x (None if stopped)."""
    was_training = model.training
    model.eval()
    loss_sum = torch.zeros((), device=x.device)
    confusion = torch.zeros(num_classes * num_classes, dtype=torch.int64, device=x.device)
    for i in range(0, len(x), EVAL_BATCH):
        if stop is not None and stop.is_set():
            model.train(was_training)
            return None
        xb, yb = x[i:i + EVAL_BATCH], y[i:i + EVAL_BATCH]
        with autocast(x.device, bf16):
            logits = model(prepare(xb)).float()
        loss_sum += nn.functional.cross_entropy(logits, yb, reduction="sum")
        confusion += torch.bincount(yb * num_classes + logits.argmax(1), minlength=num_classes ** 2)
    model.train(was_training)
    confusion = confusion.view(num_classes, num_classes).cpu()     # rows: true class, columns: predicted
    per_class = (confusion.diag() / confusion.sum(1).clamp(min=1)).tolist()
    return {"test_loss": loss_sum.item() / len(x), "test_acc": confusion.diag().sum().item() / len(x),
            "per_class_acc": per_class, "confusion": confusion.tolist()}


@torch.inference_mode()
def predict_probs(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """Class probabilities (N, classes) of a CPU model for uint8 images x, in batches."""
    model.eval()
    return torch.cat([model(prepare(x[i:i + EVAL_BATCH])).softmax(1)
                      for i in range(0, len(x), EVAL_BATCH)])


def cpu_state(model: nn.Module) -> dict[str, torch.Tensor]:
    """A CPU copy of the model's state_dict (the tutorial's `state_dict()`, with the brackets)."""
    return {k: v.detach().to("cpu", copy=True) for k, v in model.state_dict().items()}


def cpu_model(model: nn.Module) -> nn.Module:
    """A CPU copy of model in eval mode, in the ordinary memory layout, for the other tabs."""
    clone = copy.deepcopy(model).to("cpu", memory_format=torch.contiguous_format).float()
    return clone.eval()


def seeded_model(seed: int, build=None) -> nn.Module:
    """A fresh model (default: the tutorial's CNN) whose initial weights depend only on seed."""
    return seeded(seed, build or tutorial_cnn)


def pick(n: int, count: int, seed: int) -> torch.Tensor:
    """count indices out of range(n), a fixed random choice per seed (all of them when count is 0)."""
    if not count or count >= n:
        return torch.arange(n)
    return torch.randperm(n, generator=torch.Generator().manual_seed(seed))[:count]


def train(cfg: TrainConfig, data, model: nn.Module | None = None, resume=None, stop: threading.Event | None = None,
          resumable: bool = True):
    """Train model on data (a nets.data.Cifar10), yielding metric dicts; to stop, stop iterating or set stop.

    resumable: each epoch event carries a copy of the optimizer's state, which a checkpoint needs to resume
    from (the command line saves one); the Training tab keeps none, and Adam's is two more copies of the weights."""
    # The model is trained in place on the training device: after a stop it holds the weights of
    # the last step. resume (a nets.checkpoint.Checkpoint) restores weights, optimizer state and
    # the epoch to continue from. Events: "start" once, "step" every cfg.log_every steps, "epoch"
    # after each epoch with the test metrics and a CPU copy of the weights. stop is read after every
    # step, between a sliced CPU step's slices, between augmentation chunks and between test batches:
    # once it is set, the steps not yet reported are, and the generator ends without testing, so a Stop
    # lands within one slice on a CPU whatever cfg.log_every and the batch size are. A step a Stop cuts
    # short leaves the weights as they were.
    check_config(cfg, len(data.train_y))
    check_batch(cfg.batch_size)
    device = resolve_device(cfg.device)
    threads = torch.get_num_threads()
    if device.type == "cpu":
        tune_allocator()
        torch.set_num_threads(cfg.threads or max(1, cpu_cores() // local_processes()))
    try:
        model = model if model is not None else seeded_model(cfg.seed)
        yield from run_epochs(cfg, data, model, resume, device, stop or threading.Event(), resumable)
    except torch.cuda.OutOfMemoryError:   # torch.OutOfMemoryError in recent torch, for every device
        raise TrainingError("train.err.out_of_memory", device=device.type.upper(), batch=cfg.batch_size) from None
    finally:
        torch.set_num_threads(threads)
        if device.type == "cuda":
            torch.cuda.empty_cache()   # the next visitor in the queue gets the memory back
        else:
            give_memory_back()         # the run's buffers, kept by glibc as tune_allocator asked


def run_epochs(cfg: TrainConfig, data, model: nn.Module, resume, device: torch.device, stop: threading.Event,
               resumable: bool):
    """The training loop proper (see train)."""
    num_classes = len(data.classes)
    keep = pick(len(data.train_y), cfg.train_images, cfg.seed)
    test_keep = pick(len(data.test_y), cfg.test_images, 0)   # the same test images for every run
    train_x, train_y = data.train_x[keep].to(device), data.train_y[keep].to(device)   # uint8 (N, 3, 32, 32)
    test_x, test_y = data.test_x[test_keep].to(device), data.test_y[test_keep].to(device)
    n, batch = len(train_y), cfg.batch_size
    if resume is not None:
        model.load_state_dict(resume.state_dict)
    model.to(device, memory_format=torch.channels_last).train()
    optimizer = make_optimizer(cfg, model.parameters(), device)
    if resume is not None and resume.optimizer_state:
        optimizer.load_state_dict(resume.optimizer_state)
    bf16 = use_bf16(device)
    torch.backends.cudnn.benchmark = device.type == "cuda"   # fixed shapes: let cuDNN pick its fastest kernels
    steps_per_epoch = n // batch   # the last partial batch is dropped: every step sees a full batch
    total = steps_per_epoch * cfg.epochs
    total = min(total, cfg.max_steps) if cfg.max_steps else total
    first_epoch = resume.epoch if resume is not None else 0
    step = first_epoch * steps_per_epoch
    gen = torch.Generator(device=device)
    take_step = make_step(wrap(model), optimizer, device, bf16, stop)   # under torchrun: DDP averages gradients
    # Under torchrun a report is a collective (mean_across below) that every process must join at the same step,
    # or each waits on another operation (a hang, or gloo aborting on sizes that differ). Each process reads its
    # own clock, so a report due by time alone could come in one process and not the other: steps only, there.
    # (stop too is per process: it must not be set under torchrun without agreeing on it first; the CLI never
    # sets it.)
    by_clock = world_size() == 1
    yield {"event": "start", "device": device_name(device), "device_phrase": device_phrase(device), "bf16": bf16,
           "train_images": n,
           "test_images": len(test_y), "steps_per_epoch": steps_per_epoch, "total_steps": total,
           "epochs": cfg.epochs, "first_epoch": first_epoch, "step": step, "processes": world_size()}
    train_seconds = eval_seconds = 0.0
    for epoch in range(first_epoch, cfg.epochs):
        if step >= total:
            break
        clock = time.perf_counter()
        gen.manual_seed(cfg.seed * 1_000_003 + epoch)   # each epoch's batches depend on (seed, epoch) only
        perm = torch.randperm(n, generator=gen, device=device)   # reshuffled every epoch
        block_steps = max(1, AUGMENT_BLOCK // batch)
        pending, loss_sum, correct, seen = [], torch.zeros((), device=device), torch.zeros((), device=device), 0
        for i in range(steps_per_epoch):
            if i % block_steps == 0:   # the next block of global batches, gathered (and augmented) in one pass
                block = perm[i * batch:(i + block_steps) * batch]
                block_x = augment(train_x[block], gen, stop) if cfg.augment else train_x[block]
            j = i % block_steps * batch   # under torchrun: this process's slice of the global batch
            y = train_y[my_share(perm[i * batch:(i + 1) * batch])]
            for group in optimizer.param_groups:
                group["lr"] = cfg.lr * lr_factor(cfg.schedule, step, total)
            # uint8 (B, 3, 32, 32) in, the weights updated; None: stopped inside the step or while augmenting
            out = take_step(my_share(block_x[j:j + batch]), y) if block_x is not None else None
            if out is not None:
                step, seen = step + 1, seen + batch
                pending.append(out[0])
                correct += (out[1].argmax(1) == y).sum()
            elif not pending:   # nothing left to report: end as after any Stop
                break
            last = i == steps_per_epoch - 1 or step >= total or stop.is_set()
            slow = by_clock and time.perf_counter() - clock >= REPORT_EVERY_S
            due = step % cfg.log_every == 0 or slow
            if not (due or last):
                continue
            losses = mean_across(torch.stack(pending).float())   # the global batch's losses
            loss_sum += losses.sum()
            losses, pending = losses.tolist(), []   # .tolist() waits for the GPU: the clock below is honest
            if not all(map(math.isfinite, losses)):
                raise diverged(cfg, step)
            now = time.perf_counter()
            train_seconds, clock = train_seconds + now - clock, now
            rate = (step - first_epoch * steps_per_epoch) * batch / train_seconds
            left = (total - step) * batch / rate + eval_seconds / max(1, epoch - first_epoch) * (
                math.ceil(total / steps_per_epoch) - epoch)
            yield {"event": "step", "step": step, "epoch": epoch + 1, "epoch_progress": (i + 1) / steps_per_epoch,
                   "losses": losses, "loss": sum(losses) / len(losses), "lr": optimizer.param_groups[0]["lr"],
                   "images_per_s": rate, "elapsed_s": train_seconds + eval_seconds, "eta_s": left,
                   "total_steps": total}
            clock = time.perf_counter()
            if step >= total or stop.is_set():
                break
        clock = time.perf_counter()
        metrics = evaluate(model, test_x, test_y, num_classes, bf16, stop) if is_main() else {}
        if metrics is None:   # stopped
            return
        correct = sum_across(correct)
        eval_seconds += time.perf_counter() - clock
        yield {"event": "epoch", "epoch": epoch + 1, "step": step, "train_loss": loss_sum.item() / (seen // batch),
               "train_acc": correct.item() / seen, **metrics, "elapsed_s": train_seconds + eval_seconds,
               "images_per_s": (step - first_epoch * steps_per_epoch) * batch / train_seconds,
               "complete": i == steps_per_epoch - 1, "state_dict": cpu_state(model),
               **({"optimizer_state": to_cpu(optimizer.state_dict())} if resumable else {})}


def to_cpu(obj):
    """A deep CPU copy of a nested state (an optimizer's state_dict) that later steps cannot change."""
    if isinstance(obj, torch.Tensor):
        return obj.detach().to("cpu", copy=True)
    if isinstance(obj, dict):
        return {k: to_cpu(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(to_cpu(v) for v in obj)
    return obj


def diverged(cfg: TrainConfig, step: int) -> TrainingError:
    """The refusal for a loss that became NaN or infinite at step, naming the learning rate to try."""
    return TrainingError("train.err.diverged", step=step, optimizer=cfg.optimizer, lr=f"{cfg.lr:g}")
