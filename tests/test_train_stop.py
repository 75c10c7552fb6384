"""Stop lands within a step and keeps the weights; a visitor's weight history stays bounded."""
import threading
from types import SimpleNamespace

import gradio as gr
import pytest
import torch

from nets import limits
from nets.limits import MB
from nets.train.config import TrainConfig
from nets.train.engine import evaluate, pick, seeded_model, train
from ui.common import dataset
from ui.network import tab as network_tab
from ui.training import model as training_model
from ui.training import run as training_run
from ui.common.sessions import SESSIONS
from ui.training.run import MAX_EPOCH_STATES, keep_epoch_state

TINY = dict(device="cpu", train_images=640, test_images=500, batch_size=64, threads=1, schedule="constant")


def stop_at_step(model: torch.nn.Module, stop: threading.Event, step: int) -> None:
    """Set stop during the step-th training forward pass, as a click lands while a step runs."""
    calls = [0]

    def hook(module, args, out):
        calls[0] += module.training
        if calls[0] == step:
            stop.set()
    model.register_forward_hook(hook)


def test_a_stop_ends_the_run_after_the_current_step_and_keeps_its_weights(cifar):
    cfg = TrainConfig(**TINY, epochs=3, log_every=100)   # reports only at epoch ends: the flag is read every step
    model, stop = seeded_model(cfg.seed), threading.Event()
    stop_at_step(model, stop, 13)                        # in the second epoch (10 steps each)
    events = list(train(cfg, cifar, model, stop=stop))
    kinds = [ev["event"] for ev in events]
    assert kinds.count("epoch") == 1 and kinds[-1] == "step"    # the second epoch is not tested after the stop
    assert events[-1]["step"] == 13
    reference = seeded_model(cfg.seed)                   # the same run told to end at step 13
    list(train(TrainConfig(**TINY, epochs=3, max_steps=13), cifar, reference))
    for (name, w), ref in zip(model.state_dict().items(), reference.state_dict().values()):
        torch.testing.assert_close(w.contiguous(), ref.contiguous(), msg=name)


def test_epoch_states_stay_evenly_spaced_with_the_newest():
    states = {}
    for epoch in range(1, 201):
        keep_epoch_state(states, epoch, {"w": torch.tensor(float(epoch))})
        kept = sorted(states)
        assert len(kept) <= MAX_EPOCH_STATES and kept[0] == 1 and kept[-1] == epoch
        assert len({b - a for a, b in zip(kept, kept[1:-1])}) <= 1           # evenly spaced before the newest
        assert all(states[e]["w"].item() == e for e in kept)                  # each epoch keeps its own weights


def test_a_big_model_keeps_fewer_snapshots_within_the_visitors_budget(monkeypatch):
    monkeypatch.setattr(limits, "MAX_VISITOR_BYTES", 10 * MB)
    kept_at_the_end = []
    for values, most in ((MB // 4, 8), (2 * MB // 4, 5), (3 * MB // 4, 3), (8 * MB // 4, 2)):   # 1, 2, 3, 8 MB
        states = {}
        for epoch in range(1, 41):
            keep_epoch_state(states, epoch, {"w": torch.full((values,), float(epoch))})
            kept = sorted(states)
            assert kept[0] == 1 and kept[-1] == epoch and len(kept) <= most   # always the first and the newest
            assert len({b - a for a, b in zip(kept, kept[1:-1])}) <= 1           # evenly spaced, as before
        kept_at_the_end.append(sorted(states))
    assert kept_at_the_end == [[1, 9, 17, 25, 33, 40], [1, 17, 33, 40], [1, 33, 40], [1, 40]]


def test_a_long_run_keeps_a_bounded_history_the_network_tab_can_show(cifar, monkeypatch):
    monkeypatch.setattr(dataset.LOADER, "data", cifar)
    settings = dict(optimizer="adam", lr=0.002, momentum=0.9, weight_decay=0.0, batch_size=64, epochs=12,
                    schedule="constant", augment=False, seed=0, device="cpu", train_images=128, test_images=100,
                    max_steps=0, from_current=False)
    final = list(training_run.start_training(None, None, [], None, lambda *a, **k: None, **settings))[-1]
    trained = final.model_state
    assert len(trained.epoch_states) <= MAX_EPOCH_STATES < 12
    assert trained.state_epochs[0] == 1 and trained.state_epochs[-1] == 12
    for name, w in trained.model.state_dict().items():                      # the newest is the model itself
        assert torch.equal(w, trained.epoch_states[-1][name])
    x = cifar.test_x[0]
    strip, text = network_tab.epoch_view(trained, "trained", x, "conv1", cifar.classes)
    assert strip and "after epoch 1 (top) to 12 (bottom)" in text
    model, words = network_tab.chosen_model("trained", 2, trained, None)
    assert f"after epoch {trained.state_epochs[1]} of 12" in words
    assert torch.equal(model.state_dict()["conv1.weight"], trained.epoch_states[1]["conv1.weight"])


def test_a_stops_final_update_comes_before_any_scoring(cifar, monkeypatch):
    monkeypatch.setattr(dataset.LOADER, "data", cifar)
    scored = []
    monkeypatch.setattr(training_run, "evaluate", lambda *a, **k: scored.append(a[1]) or evaluate(*a, **k))
    settings = dict(optimizer="sgd", lr=0.01, momentum=0.9, weight_decay=0.0, batch_size=64, epochs=3,
                    schedule="constant", augment=False, seed=0, device="cpu", train_images=6400, test_images=1000,
                    max_steps=0, from_current=False)
    request = SimpleNamespace(session_hash="stop-before-scoring", headers={})
    updates = training_run.start_training(None, None, [], request, lambda *a, **k: None, **settings)
    next(updates)                                        # the first update: training has started
    training_run.request_stop(request)
    final = list(updates)[-1]
    assert "Stopped" in final.status and "being measured on 500 test images" in final.status and not scored
    trained, runs = final.model_state, final.runs_state
    assert "not yet tested" in str(trained.label) and "final" not in runs[-1]
    after = training_run.after_run(trained, runs, False, request)
    assert len(scored) == 1 and len(scored[0]) == 500     # the stopped weights, on 500 of the run's test images
    status, trained, runs = after.status, after.model_state, after.runs_state
    assert "measured on 500 test images." in status and "being measured" not in status
    keep = pick(len(cifar.test_y), 500, 0)
    expected = evaluate(trained.model, cifar.test_x[keep], cifar.test_y[keep], 10)
    assert runs[-1]["final"]["test_acc"] == expected["test_acc"] == trained.metrics["test_acc"]
    assert f"{expected['test_acc']:.1%}" in str(trained.label) and len(after.gallery) == training_model.GALLERY_SIZE
    assert f"Its test accuracy: {expected['test_acc']:.1%}, measured on 500 test images." in status


def test_a_closed_tabs_run_stops_and_its_queued_run_never_trains(cifar, monkeypatch):
    monkeypatch.setattr(dataset.LOADER, "data", cifar)
    settings = dict(optimizer="sgd", lr=0.01, momentum=0.9, weight_decay=0.0, batch_size=64, epochs=3,
                    schedule="constant", augment=False, seed=0, device="cpu", train_images=6400, test_images=1000,
                    max_steps=0, from_current=False)
    request = SimpleNamespace(session_hash="closed-tab", headers={})
    updates = training_run.start_training(None, None, [], request, lambda *a, **k: None, **settings)
    next(updates)                                        # training has started
    SESSIONS.close("closed-tab")        # demo.unload: the tab closed
    final = list(updates)[-1]
    assert "Stopped" in final.status and len(final.runs_state[-1]["losses"]) < 300    # 3 epochs of 100 steps: it ended early
    SESSIONS.close("closed-tab")        # closed again, with a run still queued
    queued = training_run.start_training(None, None, [], request, lambda *a, **k: None, **settings)
    with pytest.raises(gr.Error, match="This tab lost its connection to the server"):   # shown if it is open
        next(queued)
    assert SESSIONS.live_run("closed-tab") is None   # it never began
    settings.update(epochs=1, train_images=640)
    for tab in (request, SimpleNamespace(session_hash="open-tab", headers={})):   # the next Start trains
        assert "Done" in list(training_run.start_training(None, None, [], tab, lambda *a, **k: None, **settings))[-1].status
