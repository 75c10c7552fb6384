"""Run a lesson's fixed script in the server at a bounded cost, and capture what it prints.

A CPU lesson runs in a forked child: it starts at once (torch is already imported), uses one thread, and is
killed at TIME_LIMIT. A lesson that may use CUDA (DEVICE_LESSONS) runs in a fresh interpreter instead, and so
does every lesson once the server has initialised CUDA. A fork cannot use CUDA once the server has merely
asked whether there is a GPU: in torch 2.14 torch.cuda.is_available() (called by the Training tab while the
page is built) runs cudaGetDeviceCount and registers torch's fork handler, so every later fork is marked
"bad" and its first CUDA call raises "Cannot re-initialize CUDA in forked subprocess". The fresh interpreter
is `python -m nets.lessons.child MODULE` (torch and the script only), not multiprocessing's spawn, which would re-run app.py (the whole
page) in the child. Only LayerLab's own scripts run; nothing a visitor types is executed.
"""
import io
import json
import multiprocessing
import os
import subprocess
import sys
from pathlib import Path

import torch

from nets.data.cifar import Cifar10
from nets.lessons.batch import pick_images
from nets.lessons.catalog import DEVICE_LESSONS, lesson_module
from nets.lessons.child import run_main
from nets.text import LearnerError

TIME_LIMIT = 30.0   # seconds; the slowest lesson (two short epochs) takes about 2 s on one busy core
# A fresh interpreter imports torch first: 8-20 s measured on the 2 shared cores at load 7 (1 s when idle).
FRESH_START = 60.0
ROOT = Path(__file__).resolve().parents[2]   # the checkout, so a fresh interpreter imports this LayerLab


class LessonError(LearnerError):
    """The script failed or ran out of time; the message (assets/i18n/lessons.json) says which."""


def _child(main, imgs, targets, conn) -> None:
    """In the fork: the text (or the error) sent back."""
    conn.send(run_main(main, imgs, targets))
    conn.close()


def fresh_interpreter(lesson: str) -> bool:
    """Whether the lesson needs a child that can initialise CUDA (a fork of this server cannot)."""
    return lesson in DEVICE_LESSONS or torch.cuda.is_initialized()


def run_forked(module, imgs, targets, time_limit: float, lesson: str) -> tuple[bool, str]:
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(module.main, imgs, targets, sender), daemon=True)
    child.start()
    sender.close()
    try:
        if not receiver.poll(time_limit):
            raise LessonError("lessons.timeout", lesson=lesson, seconds=time_limit)
        return receiver.recv()
    except EOFError:
        raise LessonError("lessons.no_answer", lesson=lesson) from None
    finally:
        child.kill()
        child.join()
        receiver.close()


def run_fresh(module, imgs, targets, time_limit: float, lesson: str) -> tuple[bool, str]:
    """The script in `python -m nets.lessons.child MODULE`: the batch goes in on stdin, JSON comes back."""
    batch = io.BytesIO()
    torch.save({"imgs": imgs, "targets": targets}, batch)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    child = subprocess.Popen([sys.executable, "-m", "nets.lessons.child", module.__name__], cwd=ROOT, env=env,
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        out, _ = child.communicate(batch.getvalue(), timeout=FRESH_START + time_limit)
    except subprocess.TimeoutExpired:
        raise LessonError("lessons.timeout", lesson=lesson, seconds=time_limit) from None
    finally:
        child.kill()
        child.wait()
    try:
        answer = json.loads(out)
    except ValueError:
        raise LessonError("lessons.no_answer", lesson=lesson) from None
    return answer["ok"], answer["text"]


def run_in_child(module, imgs, targets, fresh: bool, time_limit: float = TIME_LIMIT,
                 lesson: str = "") -> str:
    """What module.main(imgs, targets) prints, run in a fork or (fresh) in a new interpreter."""
    run = run_fresh if fresh else run_forked
    ok, text = run(module, imgs, targets, time_limit, lesson or module.__name__)
    if not ok:
        raise LessonError("lessons.failed", lesson=lesson or module.__name__, output=text)
    return text


def run_lesson(lesson: str, data: Cifar10, time_limit: float = TIME_LIMIT) -> str:
    """What the lesson's script prints when run on its small CIFAR-10 batch."""
    module = lesson_module(lesson)
    imgs, targets = pick_images(data, *module.BATCH)
    return run_in_child(module, imgs, targets, fresh_interpreter(lesson), time_limit, lesson)
