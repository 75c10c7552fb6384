"""What decides a training run: TrainConfig, its checks, the optimizers and learning-rate schedules."""
import math
from dataclasses import asdict, dataclass, fields

import torch

from nets.text import LearnerError
from nets.train.device import DEVICES

OPTIMIZERS = ("sgd", "momentum", "adagrad", "rmsprop", "adam")
SCHEDULES = ("constant", "linear", "onecycle")
MAX_LR = 10.0              # above this every optimizer here diverges at once: refused as a typo
MAX_BATCH = 4096
MAX_EPOCHS = 200
# A first run that ends in about a minute on a 2-core CPU and still reaches 60% test accuracy on all 10,000 test
# images (benchmarks/quick_run.py): 2 epochs of 40,000 images, big batches (fewer, faster steps), no augmentation
# (it pays off only over many epochs). The Training tab's "Quick first run" sets exactly these controls.
QUICK_RUN = dict(optimizer="adam", lr=3e-3, batch_size=256, epochs=2, schedule="onecycle", augment=False,
                 train_images=40_000, test_images=0, max_steps=0)


@dataclass
class TrainConfig:
    """Everything that decides a training run; the UI, the CLI and the tests all build this."""
    optimizer: str = "adam"        # one of OPTIMIZERS; "momentum" is SGD with momentum
    lr: float = 2e-3               # peak learning rate (the schedule scales it per step)
    momentum: float = 0.9          # for "momentum" (SGD with plain momentum); ignored by the others
    weight_decay: float = 5e-4     # L2 penalty on the weights, applied by the optimizer
    batch_size: int = 128          # images per step
    epochs: int = 10               # passes over the training images
    schedule: str = "onecycle"     # "constant", "linear" decay to 0, or "onecycle" (warm up, then decay)
    augment: bool = True           # random crop (padding 4) and horizontal flip of every training batch
    seed: int = 0                  # same seed, same device: same initial weights, batches and losses
    device: str = "auto"           # "auto" = CUDA, then MPS (Apple), then CPU
    train_images: int = 0          # train on this many images only (0 = all): quick looks and tests
    test_images: int = 0           # evaluate on this many test images only (0 = all 10,000)
    max_steps: int = 0             # stop after this many steps (0 = run every epoch)
    log_every: int = 10            # steps between step reports (one process: more often on slow steps)
    threads: int = 0               # CPU threads for torch (0 = all cores); the app leaves one free

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "TrainConfig":
        """A config from a dict, ignoring keys this version does not know (older checkpoints)."""
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in known})


class ConfigError(LearnerError):
    """A setting that cannot work; the message (a key of assets/i18n/training.json) says which and what would."""


def check_config(cfg: TrainConfig, n_train: int) -> TrainConfig:
    """cfg unchanged if every setting can work with n_train images, else a ConfigError naming the setting."""
    if cfg.optimizer not in OPTIMIZERS:
        raise ConfigError("train.err.unknown", name="optimizer", value=repr(cfg.optimizer),
                          choices=", ".join(OPTIMIZERS))
    if cfg.schedule not in SCHEDULES:
        raise ConfigError("train.err.unknown", name="schedule", value=repr(cfg.schedule), choices=", ".join(SCHEDULES))
    if cfg.device not in DEVICES:
        raise ConfigError("train.err.unknown", name="device", value=repr(cfg.device), choices=", ".join(DEVICES))
    if not (isinstance(cfg.lr, (int, float)) and math.isfinite(cfg.lr) and 0 < cfg.lr <= MAX_LR):
        raise ConfigError("train.err.lr", high=f"{MAX_LR:g}", value=repr(cfg.lr))
    if not 0 <= cfg.momentum < 1:
        raise ConfigError("train.err.momentum", value=repr(cfg.momentum))
    if not 0 <= cfg.weight_decay <= 1:
        raise ConfigError("train.err.weight_decay", value=repr(cfg.weight_decay))
    images = min(cfg.train_images or n_train, n_train)
    if not 1 <= cfg.batch_size <= min(images, MAX_BATCH):
        raise ConfigError("train.err.batch_size", high=min(images, MAX_BATCH), value=cfg.batch_size)
    if not 1 <= cfg.epochs <= MAX_EPOCHS:
        raise ConfigError("train.err.epochs", high=MAX_EPOCHS, value=cfg.epochs)
    for name in ("train_images", "test_images", "max_steps", "threads", "seed"):
        if getattr(cfg, name) < 0:
            raise ConfigError("train.err.negative", name=name, value=getattr(cfg, name))
    if cfg.log_every < 1:
        raise ConfigError("train.err.log_every", value=cfg.log_every)
    return cfg


def make_optimizer(cfg: TrainConfig, params, device: torch.device) -> torch.optim.Optimizer:
    """The torch optimizer cfg names, at cfg.lr (the schedule rescales it every step)."""
    o, lr, wd = cfg.optimizer, cfg.lr, cfg.weight_decay
    fused = True if device.type == "cuda" else None   # one kernel for the whole update on a GPU
    if o == "sgd":
        return torch.optim.SGD(params, lr=lr, weight_decay=wd)
    if o == "momentum":
        return torch.optim.SGD(params, lr=lr, momentum=cfg.momentum, weight_decay=wd)   # plain, as the tutorial
    if o == "adagrad":
        return torch.optim.Adagrad(params, lr=lr, weight_decay=wd)
    if o == "rmsprop":
        return torch.optim.RMSprop(params, lr=lr, weight_decay=wd)   # torch's defaults: no momentum
    return torch.optim.Adam(params, lr=lr, weight_decay=wd, fused=fused)


def lr_factor(schedule: str, step: int, total: int) -> float:
    """How much of the peak learning rate step (0-based) of total gets."""
    progress = step / max(1, total)
    if schedule == "linear":
        return 1 - progress
    if schedule == "onecycle":   # linear warm-up over the first 20%, then linear decay to 0
        return progress / 0.2 if progress < 0.2 else (1 - progress) / 0.8
    return 1.0
