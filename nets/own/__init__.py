"""The learner's own nn.Module, named at start-up (`app.py --model my_net.py[:Name] [--weights model.pth]`).

Set once by app.py before the page is built, then only read: every visitor sees the same network and trains
their own copy of it. None when LayerLab runs on its own networks."""
import copy
import threading
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from nets import limits
from nets.builder.layers import SpecError
from nets.builder.spec import check_spec, normalize_spec, spec_from_model, tutorial_spec
from nets.memory import check_memory
from nets.own.load import Maker, OwnModelError, load_maker
from nets.own.probe import INPUT_SHAPE, Size, check_forward, measure
from nets.text import Phrase
from nets.weights import WeightsError, fit_weights, read_weights

FLOAT_BYTES = 4
PROBE_IMAGES = 2      # the check's batch: two images, so a forward that mixes images up shows it
_BUILD_LOCK = threading.Lock()   # the learner's constructor draws from the process-wide generator


@dataclass
class OwnNet:
    """The learner's network: how to build it, its start weights, what it costs, and a ready eval copy."""
    maker: Maker
    size: Size
    start: nn.Module                  # eval mode, the weights every visitor starts from (theirs, or seed 0)
    outputs: int = 0                  # scores per image its forward gives (the data's classes, if it is right)
    weights: dict | None = None       # the --weights state_dict, fitted to the network
    weights_name: str | None = None   # the --weights file's name, for the page
    weights_path: str | None = None   # --weights as given, for the code the page shows
    sequential: tuple[str, list[dict]] | None = None   # the Builder's start: sequential_start(start), found once

    @property
    def name(self) -> str:
        return self.maker.name

    def fresh(self, seed: int) -> nn.Module:
        """A new copy to train: drawn by their constructor after torch.manual_seed(seed), or their weights."""
        with _BUILD_LOCK, torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            model = self.maker.make()
        if self.weights is not None:
            model.load_state_dict(self.weights)
        return model

    def start_copy(self) -> nn.Module:
        """A copy of the start network for a visitor to change (an uploaded checkpoint loads into it)."""
        return copy.deepcopy(self.start)

    def describe(self) -> Phrase:
        """'Module from my_net.py, weights from model.pth' for the page."""
        if self.weights_name:
            return Phrase("own.whose_weights", name=self.name, file=self.maker.file.name, weights=self.weights_name)
        return Phrase("own.whose", name=self.name, file=self.maker.file.name)


OWN: OwnNet | None = None


@torch.no_grad()
def sequential_start(model: nn.Module) -> tuple[str, list[dict]] | None:
    """(name, layer list) of the model itself or the nn.Sequential in it that does all its work (the notes'
    model1: forward only calls it), when the Builder can edit it; None when there is none."""
    x = torch.randn(1, *INPUT_SHAPE, generator=torch.Generator().manual_seed(0))
    whole = None
    for name, m in model.named_modules():
        spec = spec_from_model(m) if isinstance(m, nn.Sequential) else None
        if spec is None:
            continue
        spec = [{k: v for k, v in d.items() if k != "name"} for d in spec]   # model1.0, ...: the Builder names them
        try:
            check_spec(normalize_spec(spec))
        except SpecError:
            continue
        whole = model.eval()(x) if whole is None else whole
        if not name or torch.equal(m(x), whole):
            return name or "model", spec
    return None


def builder_start() -> list[dict]:
    """The Builder's first layer list: the learner's Sequential where their network has one, else the tutorial's."""
    found = OWN.sequential if OWN is not None else None
    return found[1] if found else tutorial_spec()


def load_own(target: str, weights: str | None = None) -> OwnNet:
    """The network --model names, checked on a batch of CIFAR-10's shape within the server's budgets."""
    maker = load_maker(target)
    size = measure(maker.make)
    if size is not None:
        check_budgets(size)
    net = OwnNet(maker, size, None)
    model = net.fresh(0)
    if size is None:   # measured for real instead, once built
        net.size = size = Size(sum(p.numel() for p in model.parameters()), 0, 0, 0, False)
        check_budgets(size)
    x = torch.randn(PROBE_IMAGES, *INPUT_SHAPE, generator=torch.Generator().manual_seed(0))
    net.outputs = check_forward(model.eval(), x).shape[1]
    if weights:
        net.weights, _ = fit(model, weights)
        net.weights_name, net.weights_path = Path(weights).name, weights
        model.load_state_dict(net.weights)
    net.start = model.eval()
    net.sequential = sequential_start(net.start)
    return net


def check_budgets(size: Size) -> None:
    """Refuse, with the figures, a network whose weights or one image's arithmetic pass the server's budgets."""
    check_memory(size.params * FLOAT_BYTES * 2, "memory.work_network")   # the weights, and their loaded copy
    if size.macs > limits.MAX_REQUEST_MACS:
        raise OwnModelError("too_slow", macs=size.macs, limit=limits.MAX_REQUEST_MACS,
                            seconds=limits.MAX_REQUEST_MACS / limits.MACS_PER_CPU_SECOND)


def fit(model: nn.Module, path: str) -> tuple[dict, list]:
    """--weights read without running code (weights_only / safetensors) and fitted to model, keys checked."""
    try:
        found = read_weights(path)
        return fit_weights(found.tensors, model, found.name)
    except WeightsError as e:
        raise OwnModelError("weights", reason=e.phrase) from None


def configure(target: str | None, weights: str | None = None) -> OwnNet | None:
    """app.py's --model and --weights: load the learner's network for every visitor (None: LayerLab's own)."""
    global OWN
    if weights and not target:
        raise OwnModelError("weights_without_model")
    OWN = load_own(target, weights) if target else None
    return OWN
