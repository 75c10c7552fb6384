"""The visitor's model on the Training tab: the network to train, its test results and predictions, uploads."""
from typing import NamedTuple

import gradio as gr
import torch

from nets import limits, own
from nets.builder.spec import build_model, check_spec, spec_from_model
from nets.memory import OverBudgetError
from nets.models import TrainedModel, tutorial_cnn
from nets.text import Phrase, class_name, text
from nets.train.checkpoint import load_checkpoint, load_weights
from nets.train.engine import evaluate, pick, predict_probs, seeded_model
from nets.weights import WeightsError
from ui.common import dataset, tempfiles
from ui.common.i18n import current_locale, say
from ui.common.validate import as_bool, as_upload, refuse, refused
from ui.common.views import view_of
from visual.images import enlarge, to_hwc
from visual.maps import save_png
from visual.training import confusion_figure, per_class_figure

GALLERY_SIZE = 32
GALLERY_POOL = 500     # test images the gallery picks from (mistakes first sorts these)
UPLOAD_SCORE_IMAGES = 1000   # an uploaded checkpoint is tested on at most this many test images
GALLERY_DIR = str(tempfiles.folder("predictions"))   # pruned by save_png


class Uploaded(NamedTuple):
    """What an uploaded checkpoint updates on the Training tab, by role (ui.training.tab wires them in this order).
    Build it with Uploaded.of(...): a part left out stays as the page shows it."""
    upload_status: object    # what was loaded, and its test accuracy
    confusion_plot: object   # its test results, when it could be tested here
    per_class_plot: object
    gallery: object          # its predictions on test images
    model_state: object      # the visitor's TrainedModel, for the other tabs
    arch_state: object       # the network it is (the file's, else the visitor's)
    of = classmethod(view_of)


def build_network(arch):
    """A builder for the visitor's network: theirs from the Builder tab, else the tutorial's."""
    if arch is None:
        return own.OWN.start_copy if own.OWN is not None else tutorial_cnn
    return lambda: build_model(arch)


def start_model(seed: int, arch):
    """The network a run starts from: the learner's --model drawn by its own constructor (or their --weights),
    else the visitor's layer list or the tutorial's, drawn with seed."""
    if arch is None and own.OWN is not None:
        return own.OWN.fresh(seed)
    return seeded_model(seed, build_network(arch))


def check_own_classes(arch, data) -> None:
    """Refuse a run of the learner's --model whose scores per image do not match the data's class count."""
    if arch is None and own.OWN is not None and own.OWN.outputs != len(data.classes):
        raise refuse("own.err.classes", got=own.OWN.outputs, want=len(data.classes))


def images_within_budget(model, wanted: int) -> int:
    """How many test images one request may push through model: wanted, or fewer for a big network."""
    spec = spec_from_model(model)
    macs = check_spec(spec).macs if spec is not None else \
        own.OWN.size.macs if own.OWN is not None else 0   # 0: the tutorial's size, within any budget
    return min(wanted, limits.MAX_REQUEST_MACS // max(macs, 1))


def load_uploaded(file, arch) -> Uploaded:
    """A checkpoint the visitor uploads, checked before use; it becomes their model."""
    file = as_upload(file, say("train.name_upload"))
    if not file:
        raise refuse("train.err.no_file")
    try:
        ckpt = load_checkpoint(file)
        net_arch = ckpt.arch if ckpt.arch is not None else arch
        model = load_weights(ckpt, build_network(net_arch)())
    except (WeightsError, OverBudgetError) as e:
        raise refused(e) from None
    except Exception as e:   # the builder refusing a stored layer list, for one
        raise refuse("train.err.cannot_build", detail=str(e)[:200]) from None
    data = dataset.require_data()
    classes = tuple(ckpt.classes) or tuple(data.classes)
    n = images_within_budget(model, UPLOAD_SCORE_IMAGES)
    keep = pick(len(data.test_y), n, 0)   # the first n of the test images every run is tested on
    metrics = evaluate(model, data.test_x[keep], data.test_y[keep], len(classes)) \
        if len(classes) == len(data.classes) else {}
    label = Phrase("train.uploaded_scored", name=ckpt.name, acc=metrics["test_acc"], n=len(keep)) if metrics \
        else Phrase("train.uploaded", name=ckpt.name)
    trained = TrainedModel(model=model.eval(), classes=classes, label=label,
                           epoch_states=[{k: v.clone() for k, v in model.state_dict().items()}],
                           metrics={**ckpt.metrics, **metrics})
    loaded = say("train.loaded", label=label.words(current_locale())) + "".join(f"\n- {n}" for n in ckpt.notes)
    tested = dict(zip(("confusion_plot", "per_class_plot"), result_figures(trained, current_locale())),
                  gallery=prediction_gallery(trained, False)) if metrics else {}
    return Uploaded.of(upload_status=loaded, **tested, model_state=trained, arch_state=net_arch)


def result_figures(trained: TrainedModel | None, locale: str) -> tuple:
    """The confusion matrix and per-class accuracy of the visitor's model (unchanged when there is none)."""
    if not has_results(trained):
        return gr.skip(), gr.skip()
    m = trained.metrics
    return (confusion_figure(m["confusion"], trained.classes, locale),
            per_class_figure(m["per_class_acc"], trained.classes, locale))


def has_results(trained: TrainedModel | None) -> bool:
    """Whether the visitor's model comes with test results to draw (a run's, or a scored upload's)."""
    return trained is not None and "confusion" in trained.metrics


def prediction_gallery(trained: TrainedModel | None, mistakes_first):
    """Test images with predicted and true labels and the predicted probability; mistakes first on request."""
    locale = current_locale()
    mistakes_first = as_bool(mistakes_first, say("train.mistakes_first"))
    if trained is None:
        return []
    data = dataset.require_data()
    idx = pick(len(data.test_y), images_within_budget(trained.model, GALLERY_POOL), 1)
    probs = predict_probs(trained.model, data.test_x[idx])         # (P, classes)
    conf, pred = probs.max(1)
    true = data.test_y[idx]
    order = torch.arange(len(idx))
    if mistakes_first:
        wrong = (pred != true).float()
        order = torch.argsort(wrong * 2 + conf * wrong, descending=True, stable=True)   # confident mistakes first
    items = []
    for j in order[:GALLERY_SIZE].tolist():
        p, t = pred[j].item(), true[j].item()
        path = save_png(enlarge(to_hwc(data.test_x[idx[j]]), 3), GALLERY_DIR)
        items.append((path, text("train.caption", locale, mark="✓" if p == t else "✗", p=conf[j].item(),
                                 predicted=class_name(trained.classes[p], locale),
                                 true=class_name(trained.classes[t], locale))))
    return items
