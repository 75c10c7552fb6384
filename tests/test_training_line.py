"""The waiting line for the training slot holds only visitors whose run can still start."""
from types import SimpleNamespace

import gradio as gr
import pytest

from ui.training import run as training_run
from ui.common.sessions import SESSIONS, TrainingSlot
from ui.training.queue import queue_place

SETTINGS = dict(optimizer="adam", lr=0.0, momentum=0.9, weight_decay=0.0, batch_size=64, epochs=1,
                schedule="constant", augment=False, seed=0, device="cpu", train_images=640, test_images=100,
                max_steps=0, from_current=False)   # lr 0: refused before the run takes the slot


def test_a_start_refused_before_its_run_leaves_the_waiting_line(monkeypatch):
    slot = TrainingSlot()
    monkeypatch.setattr(SESSIONS, "slot", slot)
    queue_place(SimpleNamespace(session_hash="first"))   # the Start button's first event: a place in the line
    with pytest.raises(gr.Error):
        list(training_run.start_training(None, None, [], SimpleNamespace(session_hash="first"), lambda *a, **k: None,
                                         **SETTINGS))
    assert slot.wait("next") == (0, 0.0, 0.0)   # the next visitor is not told of a run that never comes
    assert queue_place(SimpleNamespace(session_hash="next")) == "Starting your run…"


def test_a_run_that_ends_keeps_the_same_visitors_next_start_in_line(cifar, monkeypatch):
    from ui.common import dataset
    monkeypatch.setattr(dataset.LOADER, "data", cifar)
    slot = TrainingSlot()
    monkeypatch.setattr(SESSIONS, "slot", slot)
    tab = SimpleNamespace(session_hash="keen", headers={})
    run = training_run.start_training(None, None, [], tab, lambda *a, **k: None,
                                      **{**SETTINGS, "lr": 0.001, "max_steps": 2})
    next(run)                                   # training: the run holds the slot
    queue_place(tab)                            # Start pressed again: the next run waits in line
    queue_place(SimpleNamespace(session_hash="other"))
    list(run)                                   # the first run ends
    assert slot.wait("other")[0] == 1           # the keen visitor's next Start is still ahead of the other one
