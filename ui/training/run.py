"""The Training tab's run: its settings checked, streamed to the charts, stopped, and handed to the other tabs."""
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import NamedTuple

import gradio as gr

from nets import limits, own
from nets.estimates import snapshots_that_fit, training_bytes
from nets.memory import check_memory
from nets.models import TrainedModel
from nets.text import Phrase, text
from nets.train.background import in_background
from nets.train.checkpoint import save_checkpoint
from nets.train.config import (
    MAX_BATCH,
    MAX_EPOCHS,
    MAX_LR,
    OPTIMIZERS,
    SCHEDULES,
    ConfigError,
    TrainConfig,
    check_config,
)
from nets.train.device import DEVICES, DeviceError, app_threads
from nets.train.engine import TrainingError, cpu_model, evaluate, pick, train
from nets.train.runs import log_event, new_run
from ui.common import dataset, hosting, tempfiles
from ui.common.i18n import current_locale, say
from ui.training.model import check_own_classes, has_results, prediction_gallery, result_figures, start_model
from ui.training.plan import remember_speed
from ui.common.sessions import SESSIONS
from ui.training.status import counted, run_title, status_line
from ui.common.validate import as_bool, as_choice, as_float, as_int, as_subset, refuse, refused
from ui.common.views import view_of
from visual.training import live_figures, overlay_figure

MAX_RUNS = 12          # runs kept per visitor for the overlay chart
# Weight snapshots kept per visitor for the Network tab's epoch strip (one row each). Each is a full copy of
# the weights (400 MB for the largest network the Builder allows) held in the visitor's session, so a long
# run keeps evenly spaced epochs and the newest: at most this many, fewer when limits.MAX_VISITOR_BYTES
# holds fewer (nets.estimates.snapshots_that_fit).
MAX_EPOCH_STATES = 8
# Gradio cancels a run only when the handler yields, so it yields an unchanged update (the status line) at
# least this often, however long a step is; a cancel then waits for the run's current slice: at 0.25 s the
# two stay under a second at batch 1024 on a loaded 2-core CPU (0.5 s: 1.7-2.2 s).
HEARTBEAT_S = 0.25
# The charts are redrawn about once a second. They are drawn in this handler's thread while the run trains in
# its own (on a CPU with the app's threads: every core but one), so drawing costs training little; a redraw
# slowed by a busy host waits longer, drawing at most DRAW_SHARE of the time.
CHART_EVERY_S = 1.0
DRAW_SHARE = 0.1
STOP_SCORE_IMAGES = 500    # after a Stop mid-epoch the weights are tested on this many images: a Stop lands in < 1 s
# Gradio cancels a run whose page closes only through the page's event stream, and a page closed just after Start
# may never open it: the run would train for nobody, holding the slot for its whole budget. The tab's unload
# (ui.common.sessions.session_closed) ends it instead, and the next run of that session does not start. (Gradio's unload
# also comes when a tab's heartbeat connection drops with the tab still open: that tab is told so, and its next
# Start trains.)


class TrainingView(NamedTuple):
    """What a Training-tab event updates, each by its component's role (ui.training.tab wires them in this order).
    Build it with TrainingView.of(...): a part left out stays as the page shows it."""
    status: object
    loss_plot: object
    epoch_plot: object
    confusion_plot: object
    per_class_plot: object
    gallery: object
    runs_list: object
    overlay_plot: object
    checkpoint_file: object
    model_state: object   # the visitor's TrainedModel, for the other tabs
    runs_state: object    # the visitor's runs, for the overlay chart
    of = classmethod(view_of)


def charts(run: dict, locale: str) -> dict:
    """The two live charts of run, by role."""
    loss, epochs = live_figures(run, locale)
    return {"loss_plot": loss, "epoch_plot": epochs}


def results(trained, locale: str) -> dict:
    """The confusion matrix and per-class chart of the visitor's model, by role (none while it has no results)."""
    confusion, per_class = result_figures(trained, locale)
    return {"confusion_plot": confusion, "per_class_plot": per_class}


def config_from_controls(controls: dict) -> TrainConfig:
    """The TrainConfig the controls (or an API call) describe, by name, or a gr.Error naming the bad value."""
    c = controls
    cfg = TrainConfig(   # each value is refused under its control's name, in the visitor's language
        optimizer=as_choice(c["optimizer"], say("train.optimizer"), OPTIMIZERS),
        lr=as_float(c["lr"], say("train.lr"), 1e-6, MAX_LR),
        momentum=as_float(c["momentum"], say("train.momentum"), 0.0, 0.999),
        weight_decay=as_float(c["weight_decay"], say("train.weight_decay"), 0.0, 1.0),
        batch_size=as_int(c["batch_size"], say("train.batch_size"), 1, MAX_BATCH),
        epochs=as_int(c["epochs"], say("train.epochs"), 1, MAX_EPOCHS),
        schedule=as_choice(c["schedule"], say("train.schedule"), SCHEDULES),
        augment=as_bool(c["augment"], say("train.augment")),
        seed=as_int(c["seed"], say("train.seed"), 0, 2**31 - 1),
        device=as_choice(c["device"], say("train.device"), DEVICES),
        train_images=as_int(c["train_images"], say("train.train_images"), 0, 50_000),
        test_images=as_int(c["test_images"], say("train.test_images"), 0, 10_000),
        max_steps=as_int(c["max_steps"], say("train.max_steps"), 0, 10**6), threads=app_threads())
    data = dataset.require_data()
    try:
        return check_config(cfg, len(data.train_y))
    except ConfigError as e:
        raise refused(e) from None


def start_training(trained, arch, runs, request: gr.Request, progress=gr.Progress(), **controls):
    """Train the visitor's network, streaming charts; at the end (or Stop) hand the model to the other tabs."""
    try:
        yield from train_visitor(trained, arch, runs, request, progress, **controls)
    except gr.Error:   # a Start refused before its run took the slot (lr=0) no longer waits in line, telling others
        SESSIONS.slot.leave(request.session_hash if request else "")
        raise   # (a run that ended did leave it when it took the slot: the visitor's next Start may be in line now)


def train_visitor(trained, arch, runs, request: gr.Request, progress, **controls):
    """start_training's work: the checks, the run in the training slot, the model handed over."""
    # The settings arrive as one dict, by name, through the event's inputs_kwargs (ui.training.tab.build).
    # The API keeps its parameter names (the dict's keys, in order) and its defaults, which Gradio
    # takes from each control's initial value rather than from this signature.
    session = request.session_hash if request else ""
    if SESSIONS.take_closed(session):   # its tab closed while it waited in the queue: nobody would see the run
        raise refuse("train.err.tab_closed")
    cfg = config_from_controls(controls)
    from_current = as_bool(controls["from_current"], say("train.name_from_current"))
    epochs = hosting.max_epochs_that_fit(cfg.epochs, hosting.ZEROGPU_EPOCH_S)
    cap_note = Phrase("train.zerogpu_cap", seconds=hosting.ZEROGPU_MAX_S, fit=counted("epochs", epochs),
                      asked=counted("epochs", cfg.epochs)) \
        if epochs < cfg.epochs else None
    cfg = replace(cfg, epochs=epochs)
    check_memory(training_bytes(arch, cfg.batch_size, min(cfg.epochs, MAX_EPOCH_STATES)), "memory.work_training",
                 refuse)
    data = dataset.require_data()
    check_own_classes(arch, data)
    model = start_model(cfg.seed, arch)
    if from_current and trained is not None:
        try:
            model.load_state_dict(trained.model.state_dict())
        except RuntimeError:
            raise refuse("train.err.from_current") from None
    runs = list(runs or [])
    run = new_run(cfg, "")
    run.update(number=len(runs) + 1, label=run_title({**run, "number": len(runs) + 1}),
               **({"cap_note": cap_note} if cap_note else {}))
    stop = SESSIONS.begin_run(session, run)   # set already if the tab closed since the check above
    # The run-time budget ends the run as a Stop would, read by the engine after every step.
    run["deadline"] = time.monotonic() + limits.MAX_RUN_S
    out_of_time = threading.Timer(limits.MAX_RUN_S, stop.set)
    out_of_time.daemon = True   # a run its caller abandoned (never closed) must not keep the process alive
    out_of_time.start()
    holder = SESSIONS.slot.start(session, limits.MAX_RUN_S)
    epoch_states = {}   # epoch → its weights, thinned to what the visitor's budget holds
    note, next_draw, next_beat = None, 0.0, time.perf_counter() + HEARTBEAT_S
    # On a ZeroGPU Space the run happens in spaces.GPU's worker: only what it yields comes back, and
    # the Stop flag cannot reach it (read at its next report instead). Elsewhere the engine reads it
    # between slices of a step. The run trains in a thread of its own: this handler yields at least every
    # HEARTBEAT_S however long a step is, and Gradio's cancel closes it, which stops the run.
    engine = hosting.gpu_task(train, zerogpu_duration)(cfg, data, model, resumable=False) \
        if hosting.on_zerogpu() else train(cfg, data, model, stop=stop, resumable=False)
    events = in_background(engine, stop, HEARTBEAT_S)
    try:
        for ev in events:
            if ev is not None:   # None: no report since the last HEARTBEAT_S
                log_event(run, ev)
                if ev["event"] == "epoch":
                    keep_epoch_state(epoch_states, ev["epoch"], ev["state_dict"])
                run["after_epoch"] = ev["event"] == "epoch"   # weights unchanged since the last test
                if stop.is_set():
                    break
            # The visitor's language, asked at every update: a switch during the run changes the next one.
            locale = current_locale(request)
            if ev is not None and time.perf_counter() >= next_draw:
                began = time.perf_counter()
                progress((run.get("step", 0), run.get("total_steps") or 1), desc=text("train.progress", locale),
                         unit="steps")
                SESSIONS.slot.report(holder, run.get("eta_s", limits.MAX_RUN_S))
                yield TrainingView.of(status=status_line(run, locale), **charts(run, locale))
                next_draw = began + max(CHART_EVERY_S, (time.perf_counter() - began) / DRAW_SHARE)
                next_beat = time.perf_counter() + HEARTBEAT_S
            elif time.perf_counter() >= next_beat:
                # Nothing new to draw: the status line again (API clients read it from every update) and a
                # point where a cancel can land.
                yield TrainingView.of(status=status_line(run, locale))
                next_beat = time.perf_counter() + HEARTBEAT_S
    except (ConfigError, DeviceError, TrainingError) as e:
        note = e.phrase
        if epoch_states:
            model.load_state_dict(last_state(epoch_states))   # back to the last epoch whose loss was finite
            run["after_epoch"] = True
        else:
            raise refused(e) from None
    finally:
        out_of_time.cancel()
        events.close()
        SESSIONS.end_run(session, stop)
        SESSIONS.slot.free(holder)
    if stop.is_set() and not note:
        note = Phrase("train.out_of_time", budget=Phrase("train.budget", minutes=limits.MAX_RUN_S / 60)) \
            if time.monotonic() >= run["deadline"] else Phrase("train.stopped")
    if hosting.on_zerogpu() and epoch_states:
        model.load_state_dict(last_state(epoch_states))   # the worker trained its own copy; take its last epoch
    yield finish(run, model, epoch_states, data, arch, runs, note, current_locale(request))


def keep_epoch_state(states: dict, epoch: int, state: dict) -> None:
    """Add epoch's weights to states, then thin them to what the visitor's memory budget holds."""
    states[epoch] = state
    kept = snapshots_that_fit(sum(v.numel() * v.element_size() for v in state.values()), MAX_EPOCH_STATES)
    for e in set(states) - set(thinned_epochs(list(states), kept)):
        del states[e]


def thinned_epochs(epochs: list[int], limit: int) -> list[int]:
    """Epochs to keep: every stride-th from the first, for the smallest power-of-two stride that fits, and the newest."""
    # The stride follows from the span alone and only ever doubles, so every epoch on its grid is still held.
    first, newest = epochs[0], epochs[-1]
    stride = 1
    while -(-(newest - first) // stride) + 1 > limit:
        stride *= 2
    return [e for e in epochs[:-1] if (e - first) % stride == 0] + [newest]


def last_state(states: dict) -> dict:
    return states[max(states)]


def zerogpu_duration(cfg: TrainConfig, data, model, resumable: bool = False) -> int:
    """Seconds of ZeroGPU time this run asks for (spaces.GPU calls it with train's arguments)."""
    return hosting.zerogpu_seconds(cfg.epochs, hosting.ZEROGPU_EPOCH_S)


def finish(run, model, epoch_states, data, arch, runs, note: Phrase | None, locale: str):
    """The outputs after a run: charts, confusion, per-class, runs, checkpoint, the TrainedModel (the gallery
    is drawn by the event after it, once the training slot is free for the next visitor)."""
    # After a Stop mid-epoch these come at once, untested: after_run tests the weights and draws the rest.
    net = cpu_model(model)
    run["network"] = "train.your_network" if arch or own.OWN else "train.tutorial_cnn"
    scored = run.get("after_epoch")
    if scored:
        run["final"] = {k: run["epochs"][-1][k] for k in ("test_loss", "test_acc", "per_class_acc", "confusion")}
    else:   # the stopped weights join the Network tab's epoch strip
        keep_epoch_state(epoch_states, run.get("epoch", 1), {k: v.clone() for k, v in net.state_dict().items()})
    run["label"] = run_title(run)
    trained = trained_model(run, net, data.classes, epoch_states)
    notes = [note] if note else []
    notes += [] if scored else [Phrase("train.stop_scoring", n=stop_score_images(run, data))]
    run["notes"] = (notes or [Phrase("train.done", label=trained.label)]) + [run[k] for k in ("cap_note",) if k in run]
    path = save_run_checkpoint(trained, run["config"], arch, len(run["epochs"]))
    remember_speed(run["config"]["device"], arch, run["images_per_s"])   # the next plan uses this run's speed
    runs = (runs + [run])[-MAX_RUNS:]
    shown = [run_id(r) for r in runs[-5:]]
    views = {**charts(run, locale), **results(trained, locale),
             "overlay_plot": overlay_runs(shown, runs)} if scored else {}
    return TrainingView.of(status=status_line(run, locale), **views, runs_list=runs_choices(runs, shown, locale),
                           checkpoint_file=str(path), model_state=trained, runs_state=runs)   # gallery: after_run


def trained_model(run: dict, net, classes, epoch_states: dict) -> TrainedModel:
    """The run's model for the other tabs, labelled with its test accuracy once it has one."""
    final = run.get("final")
    label = Phrase("train.model_label" if final else "train.model_label_untested", network=Phrase(run["network"]),
                   optimizer=run["config"]["optimizer"], epochs=counted("epochs", len(run["epochs"])),
                   **({"acc": final["test_acc"]} if final else {}))
    return TrainedModel(model=net, classes=tuple(classes), label=label,
                        epoch_states=list(epoch_states.values()), state_epochs=list(epoch_states),
                        metrics={**(run["epochs"][-1] if run["epochs"] else {}), **final} if final else {})


def stop_score_images(run: dict, data) -> int:
    """How many of the run's test images a run stopped mid-epoch is tested on (few: the test is quick)."""
    return min(run["config"]["test_images"] or len(data.test_y), STOP_SCORE_IMAGES)


def after_run(trained, runs, mistakes_first, request: gr.Request):
    """Once the run has freed the training slot: a run stopped mid-epoch tested on a few of its test images, its
    charts and results drawn; then the predictions gallery."""
    run = (runs or [None])[-1]
    if trained is None or run is None or "final" in run:
        return TrainingView.of(gallery=prediction_gallery(trained, mistakes_first))
    locale, data = current_locale(request), dataset.require_data()
    n = stop_score_images(run, data)
    keep = pick(len(data.test_y), n, 0)   # the first n of the run's own test images
    run["final"] = evaluate(trained.model, data.test_x[keep], data.test_y[keep], len(data.classes))
    run["label"] = run_title(run)
    scored = Phrase("train.stop_scored", n=n, acc=run["final"]["test_acc"])   # the number, where the learner looks
    run["notes"] = [scored if p.key == "train.stop_scoring" else p for p in run["notes"]]
    trained = trained_model(run, trained.model, trained.classes, dict(zip(trained.state_epochs, trained.epoch_states)))
    shown = [run_id(r) for r in runs[-5:]]
    return TrainingView.of(status=status_line(run, locale), **charts(run, locale), **results(trained, locale),
                           gallery=prediction_gallery(trained, mistakes_first), runs_list=runs_choices(runs, shown, locale),
                           overlay_plot=overlay_runs(shown, runs), model_state=trained, runs_state=runs)


def run_id(run: dict) -> str:
    """The run's value in the list of runs ("#2"): the same in every language (a checkbox's tooltip shows it)."""
    return f"#{run['number']}"


def runs_choices(runs: list, shown: list, locale: str):
    """The list of runs to compare, each named in locale; its value is the run's number."""
    return gr.update(choices=[(run_title(r, locale), run_id(r)) for r in runs], value=shown)


def redraw(runs, trained, shown, mistakes_first, request: gr.Request):
    """What the server wrote on the tab (status, charts, captions) again, in the language the visitor chose."""
    locale = current_locale(request)
    runs = runs or []
    run = SESSIONS.live_run(request.session_hash if request else "") or (runs[-1] if runs else None)
    status = status_line(run, locale) if run else text("train.status_idle", locale)
    gallery = {"gallery": prediction_gallery(trained, mistakes_first)} if has_results(trained) else {}
    return TrainingView.of(status=status, **charts(run or new_run(TrainConfig(), ""), locale),
                           **results(trained, locale), **gallery, runs_list=runs_choices(runs, shown or [], locale),
                           overlay_plot=overlay_runs(shown, runs))


def save_run_checkpoint(trained: TrainedModel, cfg: dict, arch, epochs_done: int) -> Path:
    """The run's checkpoint as a safetensors file the visitor can download (older ones pruned by size)."""
    name = tempfiles.new_file("checkpoints", f"layerlab-{time.strftime('%Y%m%d-%H%M%S')}.safetensors")
    metrics = {k: v for k, v in trained.metrics.items() if k != "confusion"}
    return save_checkpoint(name, trained.model.state_dict(), config=cfg, metrics=metrics, classes=trained.classes,
                           arch=arch, epoch=epochs_done)


def request_stop(request: gr.Request):
    """Ask this visitor's run to stop at its next report (a fraction of a second)."""
    SESSIONS.stop(request.session_hash if request else "")


def overlay_runs(selected, runs):
    """The chosen runs of this session on one chart."""
    selected = as_subset(selected, say("train.runs"), [run_id(r) for r in runs or []])
    chosen = [r for r in (runs or []) if run_id(r) in selected]
    locale = current_locale()
    return overlay_figure(chosen, [run_title(r, locale) for r in chosen], locale)

