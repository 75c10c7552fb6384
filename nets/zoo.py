"""torchvision's vgg16 and resnet18: their structure, the tutorial's two ways to give them a 10-class head, weights."""
import threading
from dataclasses import dataclass

import torch
from torch import nn
from torchvision import models

from nets.models import count_parameters
from nets.text import DEFAULT, LearnerError, Phrase, text


@dataclass(frozen=True)
class ZooEntry:
    """A torchvision model, its ImageNet weights, and the tutorial's two modifications written for it."""
    build: object            # the torchvision builder, called with weights=None
    weights: object          # the torchvision weights enum used when pretrained weights are asked for
    head: str                # the attribute holding the classification head
    add_code: str            # the tutorial's first way: add a Linear(1000, 10) after the head
    replace_code: str        # the tutorial's second way: replace the last Linear with one that gives 10


ZOO = {
    "vgg16": ZooEntry(models.vgg16, models.VGG16_Weights.IMAGENET1K_V1, "classifier",
                      'vgg16.classifier.add_module("add_linear", nn.Linear(1000, 10))',
                      "vgg16.classifier[6] = nn.Linear(4096, 10)"),
    "resnet18": ZooEntry(models.resnet18, models.ResNet18_Weights.IMAGENET1K_V1, "fc",
                         'resnet18.add_module("add_linear", nn.Linear(1000, 10))',
                         "resnet18.fc = nn.Linear(512, 10)"),
}
VERSIONS = ("original", "add_linear", "replace_last")
IMAGENET_SIZE = (1, 3, 224, 224)
CIFAR_SIZE = (1, 3, 32, 32)
_PRETRAINED: dict[str, dict] = {}     # fetched ImageNet weights, read-only once stored, shared by visitors
_FETCH_LOCK = threading.Lock()


def zoo_model(name: str, version: str = "original", device: str = "meta") -> nn.Module:
    """The torchvision model with random weights (weights=None), as printed or modified by the tutorial."""
    entry = ZOO[name]
    with torch.device(device):
        model = entry.build(weights=None)
        if version == "add_linear":
            # vgg16.classifier is a Sequential, so the new layer runs after the old head; resnet18's forward
            # never calls a module added at the top level, so there the layer is stored but not used.
            target = model.classifier if name == "vgg16" else model
            target.add_module("add_linear", nn.Linear(1000, 10))
        elif version == "replace_last":
            if name == "vgg16":
                model.classifier[6] = nn.Linear(4096, 10)
            else:
                model.fc = nn.Linear(512, 10)
    return model.eval()


def version_code(name: str, version: str, locale: str = DEFAULT) -> str:
    """The lines that build this version, in the tutorial's form with weights= instead of pretrained=."""
    entry = ZOO[name]
    lines = ["import torchvision", "from torch import nn", "",
             f"{name} = torchvision.models.{name}(weights=None)  # {text('zoo.code_weights', locale)}"]
    extra = {"add_linear": entry.add_code, "replace_last": entry.replace_code}.get(version)
    return "\n".join(lines + ([extra] if extra else []) + [f"print({name})"])


@dataclass
class ZooVersion:
    """One version of a zoo model as the side-by-side view shows it."""
    version: str
    code: str
    params: int
    cifar_output: tuple           # output shape for one 32x32 CIFAR-10 image
    imagenet_output: tuple        # output shape for one 224x224 ImageNet-sized image
    head: str                     # the printed head (classifier or fc, plus add_linear where it sits)
    structure: str                # print(model)


def head_text(name: str, model: nn.Module, locale: str = DEFAULT) -> str:
    """The part of print(model) the modifications touch."""
    head = f"({ZOO[name].head}): {getattr(model, ZOO[name].head)!r}"
    if name == "resnet18" and hasattr(model, "add_linear"):
        head += f"\n(add_linear): {model.add_linear!r}   # {text('zoo.code_unused', locale)}"
    return head


@torch.no_grad()
def describe_version(name: str, version: str, locale: str = DEFAULT) -> ZooVersion:
    """Structure, parameter count and output shapes of one version, computed on the meta device (no memory)."""
    model = zoo_model(name, version)
    shapes = [tuple(model(torch.empty(s, device="meta")).shape) for s in (CIFAR_SIZE, IMAGENET_SIZE)]
    return ZooVersion(version, version_code(name, version, locale), count_parameters(model), *shapes,
                      head_text(name, model, locale), repr(model))


def compare(name: str, locale: str = DEFAULT) -> list[ZooVersion]:
    """The original and the tutorial's two modifications, side by side (code comments in locale)."""
    if name not in ZOO:
        raise LearnerError("zoo.unknown", name=repr(name), models=", ".join(ZOO))
    return [describe_version(name, v, locale) for v in VERSIONS]


def weights_size_mb(name: str) -> float:
    """Size of the ImageNet weights file, as torchvision states it."""
    return ZOO[name].weights.meta["_file_size"]


def fetch_pretrained(name: str) -> tuple[dict | None, Phrase]:
    """ImageNet weights through torchvision's weights API (its cache first); (None, why) when they cannot be had."""
    weights = ZOO[name].weights
    with _FETCH_LOCK:
        if name in _PRETRAINED:
            return _PRETRAINED[name], Phrase("zoo.using_loaded", weights=str(weights))
        try:
            state = weights.get_state_dict(progress=False, check_hash=True)
        except Exception as e:  # noqa: BLE001 - offline, DNS, HTTP, disk and hash errors all mean "no weights"
            reason = str(e).strip() or type(e).__name__
            return None, Phrase("zoo.fetch_failed", weights=str(weights), size_mb=weights_size_mb(name),
                                url=weights.url, reason=reason)
        _PRETRAINED[name] = state
        return state, Phrase("zoo.fetched", weights=str(weights), top1=_top1(weights))


def _top1(weights) -> float:
    return weights.meta["_metrics"]["ImageNet-1K"]["acc@1"]


@torch.inference_mode()
def imagenet_top5(name: str, state: dict, x: torch.Tensor) -> list[tuple[str, float]]:
    """What the pretrained model sees in one uint8 (3, H, W) image, resized the way its weights expect."""
    weights = ZOO[name].weights
    model = ZOO[name].build(weights=None)
    model.load_state_dict(state)
    batch = weights.transforms()(x).unsqueeze(0)          # (1, 3, 224, 224), ImageNet-normalised
    probs = model.eval()(batch).softmax(dim=1)[0]
    top = probs.topk(5)
    return [(weights.meta["categories"][i], p) for p, i in zip(top.values.tolist(), top.indices.tolist())]
