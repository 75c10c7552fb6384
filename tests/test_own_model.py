"""The learner's own nn.Module (`app.py --model my_net.py[:Name]`), loaded, captured and refused as a learner meets
it, without a server (tests/test_own_model_app.py drives the real one).

Each network is a file under tests/own_models/ written the ways learners write them; torch itself, with forward
hooks registered here, is the reference."""
import html
import importlib.util
import re

import pytest
import torch
from safetensors.torch import save_file

from nets import limits, own
from nets.data.cifar import normalize
from nets.memory import OverBudgetError
from nets.own.explore import compute_own_layer, explorable, model_code
from nets.own.load import OwnModelError
from nets.own.probe import capture, check_classes
from tests.conftest import ROOT

MODELS = ROOT / "tests" / "own_models"
# (--model, the class or function in the file): the notes' Module, a skip connection with torch.flatten,
# torchvision's resnet18 from a function, and a constructor with a keyword that has a default.
NETWORKS = {"notes": ("notes_module.py", "Module"), "residual": ("residual.py", "ResNet"),
            "resnet18": ("torchvision_resnet.py:make_model", "make_model"), "keyword": ("keyword_net.py:Wide", "Wide")}


def learner_network(file: str, name: str, seed: int = 0) -> torch.nn.Module:
    """The network as the learner's own script builds it: their file imported, torch.manual_seed, their call."""
    path = MODELS / file.split(":")[0]
    spec = importlib.util.spec_from_file_location(f"reference_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    torch.manual_seed(seed)
    return getattr(module, name)().eval()


def hooked_outputs(model: torch.nn.Module, x: torch.Tensor) -> list[tuple[str, torch.Tensor]]:
    """Plain torch: a forward hook on every leaf module, its outputs in the order forward calls them."""
    seen, handles = [], []
    for name, m in model.named_modules():
        if name and not list(m.children()):
            handles.append(m.register_forward_hook(lambda m, a, out, name=name: seen.append((name, out.clone()))))
    with torch.no_grad():
        out = model(x)
    for h in handles:
        h.remove()
    return seen + [("output", out)]


def flow_names(flow: str) -> list[str]:
    return [html.unescape(n) for n in re.findall(r"<b>([^<]+)</b> = ", flow)]


@pytest.mark.parametrize("key", list(NETWORKS))
def test_every_module_call_is_captured_as_forward_hooks_see_it(key, cifar):
    file, name = NETWORKS[key]
    net = own.load_own(str(MODELS / file))
    x = normalize(cifar.test_x[:2])
    steps, out = capture(net.start, x)
    reference = hooked_outputs(learner_network(file, name), x)
    leaves = [s for s in steps if not list(s.module.children())]
    assert [s.name.split(" (")[0] for s in leaves] == [n for n, _ in reference[:-1]]
    assert all(torch.equal(s.output, ref) for s, (_, ref) in zip(leaves, reference))
    assert torch.equal(out, reference[-1][1]) and net.outputs == 10
    assert net.size.params == sum(p.numel() for p in net.start.parameters()) and net.size.macs > 0


MISTAKES = [   # (--model, the sentence's key, words it must name)
    ("no_such_file.py", "no_file", ["no_such_file.py"]),
    ("import_error.py", "import_failed", ["ZeroDivisionError", "3"]),
    ("no_module.py", "no_module", ["no_module.py:make_model"]),
    ("several.py", "several", ["Small, Large", "several.py:Large"]),
    ("keyword_net.py:NeedsWidth", "needs_args", ["NeedsWidth()", "width"]),
    ("mistakes.py:Broken", "construct_failed", ["a typo in __init__"]),
    ("mistakes.py:not_a_network", "not_a_module", ["int"]),
    ("mistakes.py:Missing", "no_such_name", ["Missing"]),
    ("mistakes.py:NoFlatten", "layer_failed", ["fc", "(2, 4, 32, 32)", "nn.Flatten()", "4096"]),
    ("mistakes.py:MapsOut", "bad_output", ["(2, 10, 32, 32)", "nn.Linear"]),
]


@pytest.mark.parametrize("target, key, words", MISTAKES, ids=[m[1] for m in MISTAKES])
def test_each_mistake_gets_a_sentence_naming_what_to_change(target, key, words):
    with pytest.raises(OwnModelError) as error:
        own.load_own(str(MODELS / target) if target != "no_such_file.py" else target)
    phrase = error.value.phrase
    assert phrase.key == f"own.err.{key}"
    for locale in ("en", "zh-CN"):
        sentence = phrase.words(locale)
        assert all(w in sentence for w in words), (locale, sentence)
        assert "Traceback" not in sentence
    assert re.search(r"[\u4e00-\u9fff]", phrase.words("zh-CN"))


def test_the_class_count_is_checked_against_the_data(cifar):
    net = own.load_own(str(MODELS / "mistakes.py:HundredClasses"))
    assert net.outputs == 100
    with pytest.raises(OwnModelError) as error:
        check_classes(net.outputs, len(cifar.classes))
    assert "out_features" in str(error.value) and "10" in error.value.phrase.words("zh-CN")


def test_weights_load_by_key_and_wrong_ones_are_named(tmp_path):
    model = learner_network("notes_module.py", "Module", seed=5)
    torch.save(model.state_dict(), tmp_path / "model.pth")
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, str(tmp_path / "model.safetensors"))
    for file in ("model.pth", "model.safetensors"):
        net = own.load_own(str(MODELS / "notes_module.py"), str(tmp_path / file))
        assert all(torch.equal(v, model.state_dict()[k]) for k, v in net.start.state_dict().items())
        assert net.weights_name == file and torch.equal(net.fresh(3).model1[0].weight, model.model1[0].weight)
    other = learner_network("residual.py", "ResNet")
    torch.save(other.state_dict(), tmp_path / "other.pth")
    with pytest.raises(OwnModelError) as error:
        own.load_own(str(MODELS / "notes_module.py"), str(tmp_path / "other.pth"))
    assert "model1.0.weight" in str(error.value) and "stem.weight" in str(error.value)


def test_budgets_apply_before_the_work(monkeypatch):
    monkeypatch.setattr(limits, "MAX_REQUEST_MACS", 1_000_000)
    with pytest.raises(OwnModelError) as error:
        own.load_own(str(MODELS / "notes_module.py"))
    assert error.value.phrase.key == "own.err.too_slow" and "--max-request-cpu-seconds" in str(error.value)
    monkeypatch.setattr(limits, "MAX_REQUEST_MACS", 10**12)
    monkeypatch.setattr(limits, "MAX_SERVER_MEMORY_BYTES", 1)
    with pytest.raises(OverBudgetError, match="MB"):
        own.load_own(str(MODELS / "torchvision_resnet.py:make_model"))


def test_explorer_shows_a_named_layer_on_the_batch_as_it_arrives(cifar):
    net = own.load_own(str(MODELS / "residual.py"))
    x_u8 = cifar.test_x[:4]
    view = compute_own_layer(x_u8, net.start, "block1.conv2", model_code(net.maker, None))
    layer = net.start.get_submodule("block1.conv2")
    with torch.no_grad():
        assert torch.equal(view.output, layer(view.x))   # the submodule applied to the input it was given
        model = learner_network("residual.py", "ResNet")   # plain torch: what reaches conv2 is relu(conv1(stem))
        arrives = model.block1.relu(model.block1.conv1(model.stem(normalize(x_u8))))
    assert torch.allclose(view.x, arrives, atol=1e-6) and view.shape.ok and view.slide is not None
    scope = {"torch": torch, "x": normalize(x_u8)}
    exec(compile(view.code, "explorer code", "exec"), scope)   # the code the page shows, on the same batch
    assert torch.equal(scope["seen"]["input"], view.x) and torch.equal(scope["seen"]["output"], view.output)
    assert "model.get_submodule('block1.conv2')" in view.code
    assert explorable(net.start) == ["stem", "block1.conv1", "block1.conv2", "block1.relu", "pool", "fc"]
    with pytest.raises(OwnModelError, match="stem, block1.conv1"):
        compute_own_layer(x_u8, net.start, "block2", "")
