"""The Training tab: train the network on CIFAR-10 and watch it learn; compare optimizers; checkpoints."""
import gradio as gr
import torch

from nets import own
from nets.own.code import loop_code
from nets.train.config import OPTIMIZERS, QUICK_RUN, SCHEDULES, TrainConfig
from nets.text import text
from ui.common.gradio_hooks import HIDDEN_PROGRESS
from ui.common.i18n import current_locale, t
from ui.training.plan import plan_text, run_cost
from ui.training.queue import duration, queue_place
from ui.training.model import Uploaded, build_network, load_uploaded, prediction_gallery
from ui.training.run import (TrainingView, after_run, config_from_controls, overlay_runs, redraw, request_stop,
                             start_training)
from visual.training import epoch_figure, loss_figure, overlay_figure

BATCH_SIZES = [16, 32, 64, 128, 256, 512, 1024]
# The /train endpoint's settings, in its order (API callers rely on it); from_current is the last.
CONTROL_NAMES = ("optimizer", "lr", "momentum", "weight_decay", "batch_size", "epochs", "schedule", "augment", "seed",
                 "device", "train_images", "test_images", "max_steps", "from_current")


def available_devices() -> list[str]:
    """The device choices on this machine ("auto" first)."""
    return ["auto", "cpu"] + (["cuda"] if torch.cuda.is_available() else []) + \
        (["mps"] if torch.backends.mps.is_available() else [])


def config_controls(cfg: TrainConfig) -> dict:
    """One control per TrainConfig field the learner sets, keyed by the API parameter it fills (in API order)."""
    with gr.Row():
        # allow_custom_value: a value sent straight to the API reaches our checks, whose messages name the control
        optimizer = gr.Dropdown([(t(f"train.opt_{o}"), o) for o in OPTIMIZERS], value=cfg.optimizer,
                                label=t("train.optimizer"), info=t("train.optimizer_info"), allow_custom_value=True)
        lr = gr.Number(cfg.lr, label=t("train.lr"), info=t("train.lr_info"), step=1e-4)
    with gr.Row():
        momentum = gr.Slider(0, 0.99, value=cfg.momentum, step=0.01, label=t("train.momentum"))
        weight_decay = gr.Number(cfg.weight_decay, label=t("train.weight_decay"), step=1e-4)
    with gr.Row():
        batch_size = gr.Dropdown(BATCH_SIZES, value=cfg.batch_size, label=t("train.batch_size"),
                                 allow_custom_value=True)
        epochs = gr.Number(cfg.epochs, precision=0, label=t("train.epochs"), info=t("train.epochs_info"))
    schedule = gr.Radio([(t(f"train.schedule_{s}"), s) for s in SCHEDULES], value=cfg.schedule,
                        label=t("train.schedule"))
    with gr.Row():
        augment = gr.Checkbox(cfg.augment, label=t("train.augment"), info=t("train.augment_info"))
        seed = gr.Number(cfg.seed, precision=0, minimum=0, label=t("train.seed"))
        device = gr.Dropdown(available_devices(), value=cfg.device, label=t("train.device"),
                             allow_custom_value=True)
    with gr.Accordion(t("train.advanced"), open=False):
        train_images = gr.Slider(0, 50_000, value=cfg.train_images, step=1000, label=t("train.train_images"))
        test_images = gr.Slider(0, 10_000, value=cfg.test_images, step=500, label=t("train.test_images"))
        max_steps = gr.Number(cfg.max_steps, precision=0, minimum=0, label=t("train.max_steps"))
    return dict(optimizer=optimizer, lr=lr, momentum=momentum, weight_decay=weight_decay, batch_size=batch_size,
                epochs=epochs, schedule=schedule, augment=augment, seed=seed, device=device,
                train_images=train_images, test_images=test_images, max_steps=max_steps)


def run_plan(arch, *values, request: gr.Request = None) -> str:
    """What the controls' run will cost here, said before it starts; nothing while they cannot make a run
    (Start then says why) or the data is still loading."""
    try:
        cfg = config_from_controls(dict(zip(CONTROL_NAMES, values)))
        return plan_text(cfg, build_network(arch), arch, current_locale(request))
    except (gr.Error, ValueError):
        return ""


def quick_preset() -> tuple:
    """The quick first run's settings, for the controls QUICK_RUN names (in its order)."""
    return tuple(QUICK_RUN.values())


def quick_words(arch, request: gr.Request = None) -> tuple[str, str]:
    """The quick-run button's label with how long that run takes here, and what it sets (plain while the data
    is still loading)."""
    locale, cfg = current_locale(request), TrainConfig(**QUICK_RUN)
    note = text("train.quick_info", locale, epochs=cfg.epochs, images=cfg.train_images, batch=cfg.batch_size,
                lr=cfg.lr)
    try:
        seconds = run_cost(cfg, build_network(arch), arch)[2]
    except (gr.Error, ValueError):
        return text("train.quick", locale), note
    return text("train.quick_time", locale, time=duration(seconds, locale)), note


def build(model_state, arch_state):
    """The Training tab's components and events; returns what a language switch redraws: (fn, inputs, outputs)."""
    # Inside the Tab: a component placed directly in gr.Tabs counts as a tab and shifts every later tab's label.
    with gr.Tab(t("train.tab"), id="training") as tab:
        runs_state = gr.State([])   # this visitor's runs: plain records (losses, per-epoch metrics), no tensors
        gr.Markdown(t("train.intro"))
        # Closed: open, the listing pushed Start 1,060 px down, below the first screen.
        with gr.Accordion(t("train.loop_title"), open=False):
            gr.Markdown(t("train.loop"), elem_id="train-loop")
        if own.OWN is not None:   # the same loop, training the learner's own class
            gr.Markdown(t("own.train_loop"))
            gr.Code(loop_code(own.OWN.maker, own.OWN.weights_path), language="python", interactive=False,
                    elem_id="own-loop", label=own.OWN.name)
        with gr.Row(elem_classes="ll-train"):   # on a phone Start and the charts come first (assets/app.css)
            with gr.Column(scale=2, min_width=320):
                # First in the column: on a CPU the defaults take many minutes, this a minute or so.
                quick_button = gr.Button(t("train.quick"), elem_id="train-quick")
                quick_note = gr.Markdown(elem_id="train-quick-note")
                controls = config_controls(TrainConfig())
                controls["from_current"] = gr.Checkbox(False, label=t("train.from_current"))
            with gr.Column(scale=5):
                # Start, Stop and the run's status above the charts: the learner sees at once that the run started.
                with gr.Row(equal_height=True, elem_classes="ll-train-start"):
                    start_button = gr.Button(t("train.start"), variant="primary", scale=0, min_width=160,
                                             elem_id="train-start")
                    stop_button = gr.Button(t("train.stop"), variant="stop", scale=0, min_width=100)
                    status = gr.Markdown(t("train.status_idle"), elem_id="train-status")
                plan = gr.Markdown(elem_id="train-plan")
                with gr.Row():
                    loss_plot = gr.Plot(loss_figure([]), label=t("train.loss_plot"), show_label=False)
                    epoch_plot = gr.Plot(epoch_figure([]), label=t("train.epoch_plot"), show_label=False)
        gr.Markdown(t("train.after_run"))
        with gr.Row():
            confusion_plot = gr.Plot(label=t("train.confusion"), show_label=False)
            per_class_plot = gr.Plot(label=t("train.per_class"), show_label=False)
        mistakes_first = gr.Checkbox(False, label=t("train.mistakes_first"))
        # Four columns: a caption ("✗ truck 22% · automobile") fits under its picture, uncut.
        gallery = gr.Gallery(label=t("train.gallery"), elem_id="train-gallery", columns=4, height="auto",
                             format="png", object_fit="contain")
        gr.Markdown(t("train.runs_intro"))
        runs_list = gr.CheckboxGroup([], label=t("train.runs"))
        overlay_plot = gr.Plot(overlay_figure([]), label=t("train.overlay"), show_label=False)
        with gr.Row():
            checkpoint_file = gr.File(label=t("train.download"), interactive=False)
            upload = gr.File(label=t("train.upload"), file_types=[".safetensors", ".pt", ".pth"], type="filepath")
        upload_status = gr.Markdown()

    view = list(TrainingView(status, loss_plot, epoch_plot, confusion_plot, per_class_plot, gallery, runs_list,
                             overlay_plot, checkpoint_file, model_state, runs_state))   # what the run's events update
    # One run at a time on this machine's CPU/GPU; the others wait in the queue and see their place in `status`,
    # with when their run starts at the latest (ui.training.queue: the running run's ETA and every run's budget).
    # preprocess=False: values reach the handlers as sent, checked in the caller's language (ui/common/validate.py);
    # an upload arrives as Gradio's FileData, already checked to lie in its upload folder.
    start_button.click(queue_place, None, status, queue=False, **HIDDEN_PROGRESS, api_visibility="private")
    train_event = start_button.click(
        start_training, [model_state, arch_state, runs_state], view, inputs_kwargs=controls,
        api_name="train", concurrency_limit=1, concurrency_id="training", show_progress="full",
        show_progress_on=[status], preprocess=False)
    quick_button.click(quick_preset, None, [controls[name] for name in QUICK_RUN], api_visibility="private",
                       **HIDDEN_PROGRESS)
    # After the run has given the training slot back: a stopped run tested and drawn, and the predictions gallery.
    train_event.then(after_run, [model_state, runs_state, mistakes_first], view, api_visibility="private",
                     **HIDDEN_PROGRESS)
    stop_button.click(request_stop, None, None, queue=False, api_name="stop_training")
    mistakes_first.change(prediction_gallery, [model_state, mistakes_first], gallery, api_name="prediction_gallery",
                          preprocess=False)
    runs_list.change(overlay_runs, [runs_list, runs_state], overlay_plot, api_name="overlay_runs", preprocess=False)
    uploaded = list(Uploaded(upload_status=upload_status, confusion_plot=confusion_plot, per_class_plot=per_class_plot,
                             gallery=gallery, model_state=model_state, arch_state=arch_state))
    upload.upload(load_uploaded, [upload, arch_state], uploaded, api_name="load_checkpoint", preprocess=False,
                  show_progress_on=[upload_status, confusion_plot, per_class_plot, gallery])
    # The run's cost, said before it starts: when the tab opens, the settings or the network change.
    plan_inputs = [arch_state, *(controls[name] for name in CONTROL_NAMES)]
    for event in (tab.select, arch_state.change, *(controls[name].change for name in CONTROL_NAMES)):
        event(run_plan, plan_inputs, plan, **HIDDEN_PROGRESS, api_visibility="private", preprocess=False)
    for event in (tab.select, arch_state.change):
        event(quick_words, arch_state, [quick_button, quick_note], **HIDDEN_PROGRESS, api_visibility="private")
    return [(redraw, [runs_state, model_state, runs_list, mistakes_first], view),
            (run_plan, plan_inputs, [plan]), (quick_words, [arch_state], [quick_button, quick_note])]
