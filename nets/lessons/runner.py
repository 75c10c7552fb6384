"""Run a lesson's fixed script in the server at a bounded cost, and capture what it prints.

The script runs in a forked child: it starts at once (torch is already imported), uses one thread, and is
killed at TIME_LIMIT. Only LayerLab's own scripts run; nothing a visitor types is executed.
A forked child cannot use CUDA once the server has, so then the child is a fresh interpreter (slower to start).
"""
import contextlib
import io
import multiprocessing
import traceback

import torch

from nets.data.cifar import Cifar10
from nets.lessons.batch import pick_images
from nets.lessons.catalog import lesson_module
from nets.text import LearnerError

TIME_LIMIT = 30.0   # seconds; the slowest lesson (two short epochs) takes about 2 s on one busy core


class LessonError(LearnerError):
    """The script failed or ran out of time; the message (assets/i18n/lessons.json) says which."""


def _child(main, imgs, targets, conn) -> None:
    """In the fork: one thread, stdout captured, the text (or the error) sent back."""
    torch.set_num_threads(1)
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            main(imgs, targets)
        conn.send((True, out.getvalue()))
    except Exception:
        conn.send((False, out.getvalue() + traceback.format_exc(limit=2)))
    conn.close()


def run_lesson(lesson: str, data: Cifar10, time_limit: float = TIME_LIMIT) -> str:
    """What the lesson's script prints when run on its small CIFAR-10 batch."""
    module = lesson_module(lesson)
    imgs, targets = pick_images(data, *module.BATCH)
    context = multiprocessing.get_context("spawn" if torch.cuda.is_initialized() else "fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(module.main, imgs, targets, sender), daemon=True)
    child.start()
    sender.close()
    try:
        if not receiver.poll(time_limit):
            raise LessonError("lessons.timeout", lesson=lesson, seconds=time_limit)
        ok, text = receiver.recv()
    except EOFError:
        raise LessonError("lessons.no_answer", lesson=lesson) from None
    finally:
        child.kill()
        child.join()
        receiver.close()
    if not ok:
        raise LessonError("lessons.failed", lesson=lesson, output=text)
    return text
