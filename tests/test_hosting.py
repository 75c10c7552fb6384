"""A shared host stays fair: every run ends within its time budget, and a waiting visitor is told when theirs starts."""
import datetime
import os
import subprocess
import sys
import time
from types import SimpleNamespace

import gradio as gr
import torch
from gradio.state_holder import StateHolder

import app
from nets import limits
from nets.train.checkpoint import load_checkpoint
from tests.conftest import ROOT
from ui.common import dataset, hosting
from ui.training import run as training_run
from ui.training.status import budget_words
from ui.common.sessions import session_closed
from ui.common.sessions import SESSIONS, TrainingSlot
from ui.training.queue import queue_place

SETTINGS = dict(optimizer="adam", lr=0.002, momentum=0.9, weight_decay=0.0, batch_size=64, epochs=200,
                schedule="constant", augment=False, seed=0, device="cpu", train_images=640, test_images=100,
                max_steps=0, from_current=False)


def test_a_run_that_reaches_its_budget_stops_with_a_message_and_keeps_its_weights(cifar, monkeypatch):
    monkeypatch.setattr(dataset.LOADER, "data", cifar)
    monkeypatch.setattr(limits, "MAX_RUN_S", 3.0)   # 200 epochs would take minutes here
    began = time.monotonic()
    final = list(training_run.start_training(None, None, [], None, lambda *a, **k: None, **SETTINGS))[-1]
    assert time.monotonic() - began < 60
    assert "Time is up" in final.status and "0.05 minutes" in final.status
    trained, ckpt = final.model_state, load_checkpoint(final.checkpoint_file)
    assert ckpt.epoch < 200
    for name, w in trained.model.state_dict().items():   # the download holds the weights the run ended with
        torch.testing.assert_close(ckpt.state_dict[name], w, msg=name)


def test_the_budget_is_set_in_minutes_by_the_environment():
    code = "from ui.training.status import budget_words; print(budget_words('en'))"
    run = lambda value: subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,  # noqa: E731
                                       env={**os.environ, "LAYERLAB_MAX_RUN_MINUTES": value})
    assert run("3").stdout.strip() == "3 minutes"
    assert "LAYERLAB_MAX_RUN_MINUTES must be a whole number" in run("forever").stderr


def test_the_status_line_says_when_the_budget_ends_a_long_run():
    run = {"device": "cpu", "epoch": 1, "config": {"epochs": 200}, "step": 10, "total_steps": 20000,
           "images_per_s": 700.0, "eta_s": 8 * 3600.0, "losses": [2.3], "epochs": [],
           "deadline": time.monotonic() + 900}
    line = training_run.status_line(run)
    assert f"stops at the {budget_words('en')} limit in 9" in line and "ETA" not in line
    run["eta_s"] = 60.0
    assert "ETA 60 s" in training_run.status_line(run)


def test_a_waiting_visitor_learns_their_place_and_the_longest_wait(monkeypatch):
    slot = TrainingSlot()
    runner = slot.start("runner", budget_s=600)
    assert 599 <= slot.wait("nobody")[1] <= 600   # no ETA yet: the budget
    slot.report(runner, eta_s=120)           # the running run's own estimate: it ends before its budget
    slot.join("first")
    slot.join("second")
    ahead, left, within = slot.wait("second")
    assert ahead == 1 and 119 <= left <= 120 and within == left + limits.MAX_RUN_S
    slot.report(runner, eta_s=10_000)   # an ETA past the budget: the budget ends it
    assert 599 <= slot.wait("first")[1] <= 600
    slot.leave("first")              # a visitor who closed the tab no longer counts
    assert slot.wait("second")[0] == 0
    second = slot.start("second", budget_s=600)
    assert list(slot.waiting) == []
    slot.free(second)
    assert slot.wait("third") == (0, 0.0, 0.0)


def test_a_cancelled_run_closing_late_frees_only_its_own_hold_on_the_slot():
    slot = TrainingSlot()
    cancelled = slot.start("alice", budget_s=600)
    slot.join("bob")
    slot.join("carol")
    bobs = slot.start("bob", budget_s=600)   # Gradio starts bob's run before alice's cancelled one closes
    slot.report(bobs, eta_s=300)
    slot.report(cancelled, eta_s=5)         # the closing run's last report changes nothing
    slot.free(cancelled)                    # its `finally` runs now
    ahead, left, within = slot.wait("carol")
    assert ahead == 0 and 299 <= left <= 300 and within == left   # carol is still told bob's ETA
    slot.free(bobs)
    assert slot.wait("carol") == (0, 0.0, 0.0)


def test_the_page_shows_the_estimate_while_a_run_trains(monkeypatch):
    slot = TrainingSlot()
    monkeypatch.setattr(SESSIONS, "slot", slot)
    runner = slot.start("runner", budget_s=limits.MAX_RUN_S)
    slot.report(runner, eta_s=240)
    slot.join("early")
    text = queue_place(SimpleNamespace(session_hash="late"))
    assert "1 run waiting before yours" in text and "about 4 min" in text
    assert f"starts within {(240 + limits.MAX_RUN_S) / 60:.0f} min" in text
    slot.free(runner)
    slot.leave("early")
    assert queue_place(SimpleNamespace(session_hash="late")) == "Starting your run…"


def test_a_closed_tabs_model_is_dropped_within_minutes_not_an_hour():
    with gr.Blocks() as demo:
        model_state = gr.State(None)
    holder = StateHolder()
    holder.set_blocks(demo)
    session = holder["visitor"]
    session[model_state._id] = "their trained model"
    session._state_ttl[model_state._id] = (float("inf"), datetime.datetime.now() -
                                            datetime.timedelta(seconds=limits.CLOSED_SESSION_S + 1))
    session.is_closed = True                  # what Gradio does when the tab's heartbeat ends
    holder.delete_all_expired_state()
    assert session.state_data                 # Gradio alone keeps it for an hour
    session_closed(SimpleNamespace(session_hash="visitor",
                                   request=SimpleNamespace(app=SimpleNamespace(state_holder=holder))))
    holder.delete_all_expired_state()
    assert not session.state_data


def test_the_app_runs_the_handler_when_a_tab_closes():
    targets = [(fn.fn, t[1]) for fn in app.demo.fns.values() for t in fn.targets]
    assert (session_closed, "unload") in targets


def test_every_limit_the_host_can_set_is_in_the_readme():
    table = (ROOT / "README.md").read_text().split("## Limits for a shared server", 1)[1].split("\n## ", 1)[0]
    rows = [f"| `{limit.variable}` | `{limit.flag}` | {limit.default} |" for limit in limits.LIMITS]
    assert [row for row in rows if row not in table] == []


def test_the_server_leaves_what_it_built_at_startup_out_of_later_collections(cifar_archive):
    # A full collection walked the ~570,000 objects built at startup with every thread waiting (341 ms,
    # benchmarks/gc_pause.py); app.main leaves them out once the server runs, its launch-time objects included.
    code = f"""
import gc, app
frozen = {{}}
app.demo.launch = lambda **settings: frozen.setdefault("at launch", gc.get_freeze_count())
app.demo.block_thread = lambda: frozen.setdefault("serving", gc.get_freeze_count())
app.main(["--data", {str(cifar_archive)!r}, "--port", "0"])
print("frozen:", frozen["at launch"], frozen["serving"])
"""
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    line = next((line for line in out.stdout.splitlines() if line.startswith("frozen:")), "frozen: -1 -1")
    at_launch, serving = map(int, line.split()[1:])
    assert at_launch == 0 and serving > 100_000, out.stderr[-2000:]
