"""The Training tab's status line: a run's device, progress, speed and time left, then what it ended with."""
import math
import time

from nets import limits
from nets.text import Phrase, text
from ui.common import hosting
from ui.training.queue import duration


def run_title(run: dict, locale: str = "en") -> str:
    """The run as the list of runs names it ("#2 adam lr 0.002, batch 128, seed 0 → 61.3%"); English is its id."""
    cfg = run["config"]
    title = text("train.run_label", locale, number=run["number"], optimizer=cfg["optimizer"], lr=cfg["lr"],
                 batch=cfg["batch_size"], seed=cfg["seed"])
    return text("train.run_scored", locale, label=title, acc=run["final"]["test_acc"]) if "final" in run else title


def counted(what: str, n: int) -> Phrase:
    """'1 epoch', '2 epochs' (what: "epochs" or "tests"), worded in whichever language shows it."""
    return Phrase(f"train.n_{what}_one" if n == 1 else f"train.n_{what}", n=n)


def budget_words(locale: str) -> str:
    return text("train.budget", locale, minutes=limits.MAX_RUN_S / 60)


def status_line(run: dict, locale: str = "en") -> str:
    """Device, progress, speed and ETA as one Markdown line; after the run, what it ended with."""
    device = run.get("device_phrase")
    parts = [f"**{device.words(locale)}**" if device else ""]
    if "step" in run:
        parts.append(text("train.st_progress", locale, epoch=run["epoch"], epochs=run["config"]["epochs"],
                          step=run["step"], total=run.get("total_steps", 0)))
        parts.append(text("train.st_speed", locale, rate=run["images_per_s"]))
        parts.append(time_left(run, locale))
        if run["losses"]:
            parts.append(text("train.st_loss", locale, loss=run["losses"][-1]))
    if run["epochs"]:
        parts.append(text("train.st_acc", locale, acc=run["epochs"][-1]["test_acc"]))
    notes = run.get("notes", [run[k] for k in ("cap_note",) if k in run])   # after the run, or the host's cap
    notes = "\n\n".join(note.words(locale) for note in notes)   # a paragraph each: no spaces between Chinese sentences
    return "\n\n".join(p for p in (" · ".join(p for p in parts if p), notes) if p)


def time_left(run: dict, locale: str) -> str:
    """While the run trains: its ETA, or when the run-time budget ends it if that comes first."""
    if "notes" in run:
        return ""
    left = run.get("deadline", math.inf) - time.monotonic()
    if run["eta_s"] > left:
        return text("train.st_budget", locale, budget=budget_words(locale), left=left,
                    eta=duration(run["eta_s"], locale))
    return text("train.st_eta", locale, left=duration(run["eta_s"], locale))
