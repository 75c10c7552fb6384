"""`python -m nets.train`: the Training tab's engine from the command line, with a progress bar."""
import argparse
import os
import sys
import time
from dataclasses import fields
from pathlib import Path

from tqdm import tqdm

from nets.train.checkpoint import load_checkpoint, load_weights, save_checkpoint
from nets.data.cifar import DataError, load_cifar10
from nets.data.fetch import download_cifar10
from nets.train.device import DeviceError
from nets.train.config import ConfigError, TrainConfig, check_config
from nets.train.distributed import check_batch, is_main, main_first, setup, teardown
from nets.train.engine import TrainingError, cpu_model, seeded_model, train
from nets.weights import WeightsError

# TensorBoard tag → epoch metric; the epoch's mean train loss has its own tag beside the per-step train/loss
EPOCH_SCALARS = {"test/loss": "test_loss", "test/acc": "test_acc", "train/epoch_loss": "train_loss",
                 "train/epoch_acc": "train_acc"}
# The flags whose meaning needs more than the setting's name
FLAG_HELP = {"batch_size": "images per step in all processes together: under torchrun each of N processes "
                           "takes batch-size / N of them, so N must divide it",
             "threads": "CPU threads per process (0 = this machine's cores, shared among its processes)"}
EPILOG = ("Several processes (GPUs or machines): torchrun --standalone --nproc_per_node=N -m nets.train ... "
          "trains with DistributedDataParallel; rank 0 prints, evaluates and writes the checkpoint.")


def parse_args(argv=None) -> argparse.Namespace:
    """One flag per TrainConfig field (--batch-size 64, --no-augment), plus data, output and logging."""
    p = argparse.ArgumentParser(prog="python -m nets.train", description="Train the tutorial's CNN on CIFAR-10.",
                                epilog=EPILOG)
    defaults = TrainConfig()
    for f in fields(TrainConfig):
        flag = "--" + f.name.replace("_", "-")
        if f.type in (bool, "bool"):
            p.add_argument(flag, action=argparse.BooleanOptionalAction, default=getattr(defaults, f.name),
                           help=FLAG_HELP.get(f.name))
        else:
            p.add_argument(flag, type=type(getattr(defaults, f.name)), default=getattr(defaults, f.name),
                           help=FLAG_HELP.get(f.name))
    p.add_argument("--data", default=os.environ.get("LAYERLAB_DATA"),
                   help="CIFAR-10 folder or archive (default: $LAYERLAB_DATA, else download into ./data)")
    p.add_argument("--out", default=None, help="checkpoint to write (default: checkpoints/<time>.safetensors)")
    p.add_argument("--resume", default=None, help="checkpoint to continue from (its weights, optimizer and epoch)")
    p.add_argument("--tensorboard", default=None, metavar="DIR", help="also log scalars and image batches here")
    return p.parse_args(argv)


def load_data(path):
    """The dataset from --data, or torchvision's download into ./data."""
    if path:
        return load_cifar10(path)
    return load_cifar10(download_cifar10(Path("./data")))


def open_writer(logdir):
    """A TensorBoard SummaryWriter, or None; a clear exit if tensorboard is not installed."""
    if not logdir:
        return None
    try:   # imported here: tensorboard takes seconds to import, and only --tensorboard runs need it
        from torch.utils.tensorboard import SummaryWriter
    except ImportError:
        sys.exit("--tensorboard needs the tensorboard package: pip install tensorboard")
    return SummaryWriter(logdir)


def log_to_tensorboard(writer, ev: dict, data) -> None:
    """Scalars per step and epoch, and (as in the tutorial) a batch of images with add_images."""
    if ev["event"] == "start":
        writer.add_images("train images", data.train_x[:64], ev["step"])   # uint8 NCHW, dataformats default
    elif ev["event"] == "step":
        for i, loss in enumerate(ev["losses"]):
            writer.add_scalar("train/loss", loss, ev["step"] - len(ev["losses"]) + i + 1)
        writer.add_scalar("train/lr", ev["lr"], ev["step"])
        writer.add_scalar("train/images_per_s", ev["images_per_s"], ev["step"])
    elif ev["event"] == "epoch":   # at the global step, so every curve shares TensorBoard's step axis
        for tag, key in EPOCH_SCALARS.items():
            writer.add_scalar(tag, ev[key], ev["step"])


def where(start: dict) -> str:
    """The device from the start event, and under torchrun how many processes share the work."""
    n = start["processes"]
    return start["device"] if n == 1 else f"{n} processes, each on {start['device']}"


def progress_bar(start: dict) -> tqdm:
    """A tqdm bar over the run's steps, starting where a resumed run left off."""
    return tqdm(total=start["total_steps"], initial=start["step"], unit="step", dynamic_ncols=True)


def show_step(bar: tqdm, ev: dict) -> None:
    """Move the bar to ev's step; the loss and images/s beside it (tqdm times the steps itself)."""
    bar.set_postfix(epoch=ev["epoch"], loss=f"{ev['loss']:.3f}", img_s=f"{ev['images_per_s']:,.0f}", refresh=False)
    bar.update(ev["step"] - bar.n)


def report(ev: dict, cfg: TrainConfig, bar: tqdm | None) -> tqdm:
    """Print one event from train(); the progress bar, made at the start event."""
    if ev["event"] == "start":
        print(f"Training on {where(ev)}{' with bf16' if ev['bf16'] else ''}: {ev['train_images']:,} "
              f"images, {ev['steps_per_epoch']} steps per epoch, {cfg.optimizer} lr {cfg.lr:g}")
        return progress_bar(ev)
    if ev["event"] == "step":
        show_step(bar, ev)
    elif ev["event"] == "epoch":
        bar.write(f"epoch {ev['epoch']}: test accuracy {100 * ev['test_acc']:.1f}%, test loss "
                  f"{ev['test_loss']:.3f}, train loss {ev['train_loss']:.3f} ({ev['elapsed_s']:.0f} s)")
    return bar


def main(argv=None) -> None:
    args = parse_args(argv)
    cfg = TrainConfig(**{f.name: getattr(args, f.name) for f in fields(TrainConfig)})
    last = states = bar = writer = None
    rank0 = True
    try:
        setup(cfg.device)   # under torchrun: join the other processes (DDP); on its own: nothing
        rank0 = is_main()   # rank 0 alone prints, evaluates and writes files
        check_config(cfg, 50_000)   # a typo is refused before the dataset is loaded
        check_batch(cfg.batch_size)
        writer = open_writer(args.tensorboard if rank0 else None)
        with main_first():   # one download and one cache write per machine
            data = load_data(args.data)
        resume = load_checkpoint(args.resume) if args.resume else None
        model = seeded_model(cfg.seed)
        if resume is not None:
            load_weights(resume, model)
            if rank0:
                print(f"Resuming after epoch {resume.epoch} of {cfg.epochs}.")
        for ev in train(cfg, data, model, resume):
            if not rank0:   # the other processes train in step with rank 0, silently
                continue
            bar = report(ev, cfg, bar)
            if ev["event"] == "epoch":
                last, states = ev, ev["optimizer_state"]
            if writer:
                log_to_tensorboard(writer, ev, data)
    except (ConfigError, DeviceError, TrainingError, DataError, WeightsError) as e:
        sys.exit(f"\n{e}")
    except KeyboardInterrupt:
        if rank0:
            print("\nStopped: saving the model as it is now.")
    finally:
        if bar:
            bar.close()
        if writer:
            writer.close()
        teardown()
    if not rank0:
        return
    if last is None:
        sys.exit("No epoch finished, so there is nothing worth saving.")
    out = Path(args.out or f"checkpoints/layerlab-{time.strftime('%Y%m%d-%H%M%S')}.safetensors")
    out.parent.mkdir(parents=True, exist_ok=True)
    save_checkpoint(out, cpu_model(model).state_dict(), config=cfg.to_dict(), metrics=last, classes=data.classes,
                    epoch=last["epoch"], optimizer_state=states)
    print(f"Final test accuracy: {100 * last['test_acc']:.2f}% after {last['epoch']} epochs. Checkpoint: {out}")


