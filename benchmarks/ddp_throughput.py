"""Issue 13 figures: training images/s in one process vs several under torchrun (DistributedDataParallel).

Each setting runs the engine in fresh processes, as `python -m nets.train` would: on a CPU one process
with every core, one process with 1 thread, and 2 processes x 1 thread under torchrun (gloo); on a GPU
one process without torchrun, 1 under torchrun (NCCL), and one per GPU when there are several.
The batch is the global batch in every setting; the timed steps follow WARMUP untimed ones.

    python benchmarks/ddp_throughput.py [--device cpu|cuda] [--steps 150] [--batch 64] [ARCHIVE]
"""
import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.conftest import add_archive_argument  # noqa: E402
import torch  # noqa: E402

from nets.data.cifar import load_cifar10  # noqa: E402
from nets.train.config import TrainConfig  # noqa: E402
from nets.train.device import cpu_cores  # noqa: E402
from nets.train.distributed import is_main, main_first, setup, teardown  # noqa: E402
from nets.train.engine import train  # noqa: E402

WARMUP = 20   # steps not timed: allocator, kernel choice, DDP's first buckets


def measure(archive: str, device: str, steps: int, batch: int, threads: int) -> float:
    """Images/s (global) over steps WARMUP..WARMUP+steps of one run of the engine, in this process's group."""
    with main_first():
        data = load_cifar10(archive)
    cfg = TrainConfig(optimizer="sgd", lr=0.01, schedule="constant", batch_size=batch, device=device, epochs=1,
                      train_images=(WARMUP + steps) * batch, test_images=100, max_steps=WARMUP + steps,
                      log_every=WARMUP, threads=threads, augment=False)
    for ev in train(cfg, data):
        if ev["event"] == "step" and ev["step"] == WARMUP:
            start = time.perf_counter()
        elif ev["event"] == "step" and ev["step"] == WARMUP + steps:
            return steps * batch / (time.perf_counter() - start)


def settings(device: str) -> list[tuple[str, int, int]]:
    """(label, processes under torchrun or 0 for none, threads per process) to compare on this device."""
    if device == "cpu":
        cores = cpu_cores()
        return [(f"1 process x {cores} threads", 0, cores), ("1 process x 1 thread", 0, 1),
                (f"{cores} processes x 1 thread (torchrun, gloo)", cores, 1)]
    gpus = torch.cuda.device_count()
    runs = [("1 process, no torchrun", 0, 0), ("1 process under torchrun (NCCL)", 1, 0)]
    return runs + ([(f"{gpus} processes under torchrun (NCCL)", gpus, 0)] if gpus > 1 else [])


def run_setting(args, processes: int, threads: int) -> float:
    """Images/s of one setting, measured in fresh processes (through torchrun when processes > 0)."""
    worker = [__file__, "--worker", "--device", args.device, "--steps", str(args.steps), "--batch", str(args.batch),
              "--threads", str(threads), args.archive]
    launcher = ["-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={processes}"] if processes else []
    env = dict(os.environ, OMP_NUM_THREADS=str(max(1, threads)))
    done = subprocess.run([sys.executable, *launcher, *worker], cwd=ROOT, env=env, capture_output=True, text=True)
    found = re.search(r"images/s (\S+)", done.stdout)
    if done.returncode or not found:
        sys.exit(f"the run failed:\n{done.stderr[-3000:]}")
    return float(found.group(1))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_archive_argument(p)
    p.add_argument("--device", default="cpu", choices=("cpu", "cuda"))
    p.add_argument("--steps", type=int, default=150, help="timed steps per setting")
    p.add_argument("--batch", type=int, default=64, help="global batch (split across the processes)")
    p.add_argument("--threads", type=int, default=0, help=argparse.SUPPRESS)
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker:
        setup(args.device)
        rate = measure(args.archive, args.device, args.steps, args.batch, args.threads)
        if is_main():
            print(f"images/s {rate:.1f}")
        teardown()
        return
    print(f"device {args.device}, global batch {args.batch}, {args.steps} timed steps, no augmentation")
    for label, processes, threads in settings(args.device):
        print(f"{label:45s} {run_setting(args, processes, threads):9,.0f} images/s")


if __name__ == "__main__":
    main()
