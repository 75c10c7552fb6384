"""How long a run will take on this machine, said before it starts (issue 12: a CPU run of the defaults is long)."""
import json
import math
import time

import torch

from nets.train.config import TrainConfig, make_optimizer
from nets.train.device import app_threads, device_phrase, resolve_device, use_bf16
from nets.train.steps import make_step
from nets.text import text
from ui.common import dataset
from ui.training.queue import duration
from ui.training.status import counted

SPEEDS: dict[tuple[str, str], float] = {}   # (device type, network) → training images/s here, newest measure
CALIBRATION_BATCH, CALIBRATION_STEPS = 128, 3
TEST_SPEEDUP = 3        # a test pass (forward only) goes about this much faster than training, per image
LONG_S = 180            # a first run longer than this gets the advice to start with a quick one


def network_key(arch) -> str:
    return json.dumps(arch, sort_keys=True)


def speed(build, arch, device: torch.device, threads: int) -> float:
    """Training images/s of the visitor's network here: the last run's, else timed over a few steps now."""
    key = (device.type, network_key(arch))
    if key not in SPEEDS:
        SPEEDS[key] = calibrate(build(), device, threads)
    return SPEEDS[key]


def remember_speed(device: str, arch, images_per_s: float) -> None:
    """A finished run's speed, the best estimate for the next run of the same network on the same device."""
    if images_per_s > 0:
        SPEEDS[(resolve_device(device).type, network_key(arch))] = images_per_s


def calibrate(model: torch.nn.Module, device: torch.device, threads: int) -> float:
    """Images/s of a few training steps of model on random images, as the engine runs them."""
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        model = model.to(device, memory_format=torch.channels_last).train()
        optimizer = make_optimizer(TrainConfig(), model.parameters(), device)   # the default run's, Adam
        step = make_step(model, optimizer, device, use_bf16(device))
        x = torch.randint(0, 256, (CALIBRATION_BATCH, 3, 32, 32), dtype=torch.uint8, device=device)
        y = torch.randint(0, 10, (CALIBRATION_BATCH,), device=device)
        step(x, y)   # warm-up: the first step allocates
        began = time.perf_counter()
        for _ in range(CALIBRATION_STEPS):
            loss, _ = step(x, y)
        loss.item()   # waits for a GPU
        return CALIBRATION_STEPS * CALIBRATION_BATCH / (time.perf_counter() - began)
    finally:
        torch.set_num_threads(before)


def run_threads(cfg) -> int:
    """The CPU threads a run inside the app trains with (the plan times and names the same number)."""
    return cfg.threads or app_threads()


def run_cost(cfg, build, arch) -> tuple[int, int, float, torch.device, float]:
    """(steps, test passes, expected seconds, device, training images/s) of the run cfg describes, here."""
    data = dataset.require_data()
    images = min(cfg.train_images or len(data.train_y), len(data.train_y))
    per_epoch = images // cfg.batch_size
    steps = min(per_epoch * cfg.epochs, cfg.max_steps or math.inf)
    device = resolve_device(cfg.device)
    rate = speed(build, arch, device, run_threads(cfg))
    tests = math.ceil(steps / per_epoch)
    seconds = steps * cfg.batch_size / rate + tests * (cfg.test_images or len(data.test_y)) / (TEST_SPEEDUP * rate)
    return steps, tests, seconds, device, rate


def plan_text(cfg, build, arch, locale: str) -> str:
    """The run cfg describes in steps, images and expected time here; advice when it is long."""
    steps, tests, seconds, device, rate = run_cost(cfg, build, arch)
    plan = text("train.plan", locale, steps=steps, batch=cfg.batch_size, images=steps * cfg.batch_size,
                tests=counted("tests", tests), time=duration(seconds, locale),
                device=device_phrase(device, run_threads(cfg)).words(locale), rate=rate)
    return plan + ("\n\n" + text("train.plan_long", locale) if seconds > LONG_S else "")
