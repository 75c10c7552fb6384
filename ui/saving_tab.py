"""Save & load: the tutorial's two methods, downloads as state_dict or safetensors, uploads without unpickling."""
from typing import NamedTuple

import gradio as gr

from nets.builder.layers import SpecError
from nets.builder.spec import build_model, check_spec, spec_from_model
from nets.data.cifar import CIFAR10_CLASSES
from nets.estimates import network_bytes
from nets.memory import OverBudgetError, check_memory
from nets.models import TrainedModel, seeded, tutorial_spec
from nets.saving import STATE_FILE, pickle_globals, save_safetensors, save_state_dict, whole_model_bytes
from nets.text import LearnerError, Phrase
from nets.train.checkpoint import load_checkpoint, load_weights
from nets.weights import WeightsError
from ui.common import dataset, tempfiles
from ui.common.gradio_hooks import HIDDEN_PROGRESS
from ui.common.i18n import say, t
from ui.common.validate import as_choice, as_upload, refuse, refused
from ui.common.views import view_of

FORMATS = ("state_dict (.pth)", "safetensors")


class Loaded(NamedTuple):
    """What an uploaded weights file updates, by role (build() wires them in this order)."""
    model_state: object     # the visitor's TrainedModel, for the other tabs
    arch_state: object      # the network the weights fit
    upload_status: object   # what was loaded, layer by layer


def reason(error: Exception) -> Phrase | str:
    """Why something failed, as a value for a template: a LearnerError's phrase, else its message."""
    return error.phrase if isinstance(error, LearnerError) else str(error)


def current_model(trained, arch) -> tuple:
    """The visitor's trained model, else their built (or the tutorial's) network with random weights."""
    if trained is not None:
        return trained.model, Phrase("saving.yours", label=trained.label)
    try:
        check_memory(network_bytes(arch), "memory.work_network", refuse)
        model = seeded(0, lambda: build_model(arch))
        return model, Phrase("saving.built_random")
    except SpecError as e:
        raise refuse("saving.cannot_build", error=reason(e)) from None


def download_weights(fmt, trained, arch):
    """The weights as a file to download: a state_dict, never the pickled model."""
    fmt = as_choice(fmt, Phrase("saving.format"), FORMATS)
    model, what = current_model(trained, arch)
    if fmt == "safetensors":
        path = save_safetensors(model, tempfiles.new_file("downloads", "layerlab_model.safetensors"),
                                spec_from_model(model))
    else:
        path = save_state_dict(model, tempfiles.new_file("downloads", STATE_FILE))
    size_kb = path.stat().st_size / 1024
    return str(path), say("saving.saved", what=what, tensors=len(model.state_dict()), size_kb=size_kb)


def whole_model_view(trained, arch) -> str:
    """What method 1 (torch.save(model)) writes: which classes and functions torch.load must import and call."""
    model, what = current_model(trained, arch)
    data = whole_model_bytes(model)
    names = pickle_globals(data)
    listed = "\n".join(f"- `{n}`" for n in names)
    return say("saving.whole_model", what=what, size_kb=len(data) / 1024, count=len(names), listed=listed)


def redraw(shown, trained, arch) -> tuple[str, str, str]:
    """After a language switch: the inspection again in the new language (if it was shown); the statuses
    cleared, as the file they describe may no longer match the current model."""
    return (whole_model_view(trained, arch) if shown else ""), "", ""


def upload_weights(file, arch) -> Loaded:
    """Load an uploaded state_dict (.pth/.pt with weights_only=True, or safetensors) as the visitor's model."""
    file = as_upload(file, Phrase("saving.name_upload"))
    if not file:
        raise refuse("saving.choose_file")
    try:
        ckpt = load_checkpoint(file)
    except (WeightsError, OverBudgetError) as e:
        raise refused(e) from None
    errors = []
    for spec in [s for s in (ckpt.arch, arch, tutorial_spec()) if s is not None]:
        result = check_spec(spec)
        if not result.ok:
            errors.append(Phrase("saving.cannot_run", error=result.error))
            continue
        try:
            model = load_weights(ckpt, build_model(result.spec))
        except WeightsError as e:
            errors.append(e.phrase)
            continue
        classes = ckpt.classes or (dataset.LOADER.data.classes if dataset.LOADER.data is not None else CIFAR10_CLASSES)
        loaded = TrainedModel(model.eval(), tuple(classes), f"uploaded {ckpt.name}", [model.state_dict()], ckpt.metrics)
        return Loaded(model_state=loaded, arch_state=result.spec,
                      upload_status=say("saving.loaded", name=ckpt.name, layers=network_summary(result.spec)))
    raise refused(WeightsError("fits_no_network", name=ckpt.name, reason=errors[-1]))


class Refused(NamedTuple):
    """What a refused upload updates, by role. Built with Refused.of(...): a part left out stays as shown."""
    upload: object          # the file box
    upload_status: object   # why the file was refused
    of = classmethod(view_of)


def refused_weights(file, arch) -> Refused:
    """After a refused upload: the file box emptied (it must not look accepted once the message fades) and the
    refusal kept beside it until the next upload."""
    try:
        upload_weights(file, arch)
    except gr.Error as e:
        return Refused.of(upload=None, upload_status=f"✗ {e.message}")
    return Refused.of()


def network_summary(spec) -> str:
    """'Conv2d → MaxPool2d → ...' for a status line."""
    return " → ".join(d["type"] for d in spec)


def build(model_state, arch_state):
    """The Save & load tab's components and events; returns what a language switch redraws: (fn, inputs, outputs)."""
    with gr.Tab(t("saving.tab"), id="saving"):
        gr.Markdown(t("saving.intro"))
        with gr.Row():
            with gr.Column():
                gr.Markdown(t("saving.method1"))
                gr.Code(t("saving.method1_code"), language="python", interactive=False, wrap_lines=True)
            with gr.Column():
                gr.Markdown(t("saving.method2"))
                gr.Code(t("saving.method2_code"), language="python", interactive=False, wrap_lines=True)
        inspect_button = gr.Button(t("saving.inspect"))
        inspect_text = gr.Markdown()
        with gr.Row():
            with gr.Column():
                fmt = gr.Radio(list(FORMATS), value=FORMATS[0], label=t("saving.format"))
                download_button = gr.Button(t("saving.download"), variant="primary")
                download_file = gr.File(label=t("saving.file"), interactive=False)
                download_status = gr.Markdown()
            with gr.Column():
                upload = gr.File(file_types=[".pth", ".pt", ".safetensors"], type="filepath",
                                 label=t("saving.upload"))
                upload_status = gr.Markdown()

    # preprocess=False: values reach the handlers as sent, checked in the caller's language (ui/common/validate.py);
    # an upload arrives as Gradio's FileData, already checked to lie in its upload folder.
    inspect_button.click(whole_model_view, [model_state, arch_state], inspect_text, api_name="saving_whole_model")
    download_button.click(download_weights, [fmt, model_state, arch_state], [download_file, download_status],
                          api_name="saving_download", preprocess=False)
    loaded = upload.upload(upload_weights, [upload, arch_state],
                           list(Loaded(model_state=model_state, arch_state=arch_state, upload_status=upload_status)),
                           api_name="saving_upload", preprocess=False, **HIDDEN_PROGRESS)
    loaded.failure(refused_weights, [upload, arch_state], list(Refused(upload, upload_status)), **HIDDEN_PROGRESS,
                   api_visibility="private", preprocess=False)
    return [(redraw, [inspect_text, model_state, arch_state], [inspect_text, download_status, upload_status])]
