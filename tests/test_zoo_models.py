"""The model zoo: the tutorial's vgg16 surgery and resnet18's head, checked against torchvision itself."""
import contextlib
import io
import urllib.error

import gradio as gr
import pytest
import torch
from torch import nn
from torchvision import models

from nets import zoo
from ui import zoo_tab


def run_version_code(name, version, device):
    """Execute the code the zoo shows for this version, as a learner would paste it."""
    namespace = {}
    with torch.device(device), contextlib.redirect_stdout(io.StringIO()) as printed:
        exec(zoo.version_code(name, version), namespace)  # noqa: S102 - the zoo's own code, under test
    return namespace[name], printed.getvalue()


def test_vgg16_versions_match_torchvisions_numbers_and_the_tutorials_shapes():
    original, added, replaced = zoo.compare("vgg16")
    assert original.params == models.VGG16_Weights.IMAGENET1K_V1.meta["num_params"]   # torchvision's own count
    assert added.params - original.params == 1000 * 10 + 10                          # Linear(1000, 10)
    assert original.params - replaced.params == (4096 * 1000 + 1000) - (4096 * 10 + 10)
    assert original.imagenet_output == original.cifar_output == (1, 1000)
    assert added.imagenet_output == replaced.imagenet_output == (1, 10)
    assert "(add_linear): Linear(in_features=1000, out_features=10, bias=True)" in added.head
    assert "(6): Linear(in_features=4096, out_features=10, bias=True)" in replaced.head


@pytest.mark.parametrize("version", zoo.VERSIONS)
def test_resnet18_versions_run_for_real_on_a_cifar_image(version):
    model, _ = run_version_code("resnet18", version, "cpu")
    view = zoo.describe_version("resnet18", version)
    out = model.eval()(torch.randn(1, 3, 32, 32))
    assert tuple(out.shape) == view.cifar_output and sum(p.numel() for p in model.parameters()) == view.params


def test_add_module_on_resnet18_is_stored_but_never_called():
    model = zoo.zoo_model("resnet18", "add_linear", device="cpu")
    calls = []
    model.add_linear.register_forward_hook(lambda *_: calls.append(1))
    assert model(torch.randn(1, 3, 32, 32)).shape == (1, 1000) and not calls
    assert isinstance(model.add_linear, nn.Linear)


def test_offline_fetch_says_so_and_keeps_random_weights(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))     # an empty cache: torchvision must download

    def offline(url, *args, **kwargs):
        raise urllib.error.URLError("no network on this machine")

    monkeypatch.setattr(torch.hub, "download_url_to_file", offline)   # never fetch in tests
    state, message = zoo.fetch_pretrained("resnet18")
    assert state is None and "no network" in message.words() and "random weights" in message.words()
    assert "no network" in message.words("zh-CN") and "随机权重" in message.words("zh-CN")
    assert zoo.describe_version("resnet18", "original").params == models.ResNet18_Weights.IMAGENET1K_V1.meta["num_params"]


def test_weights_from_torchvisions_cache_are_used_without_downloading(tmp_path, monkeypatch):
    weights = models.ResNet18_Weights.IMAGENET1K_V1
    checkpoints = tmp_path / "hub" / "checkpoints"
    checkpoints.mkdir(parents=True)
    reference = models.resnet18(weights=None).eval()
    torch.save(reference.state_dict(), checkpoints / weights.url.rsplit("/", 1)[1])
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    monkeypatch.setattr(torch.hub, "download_url_to_file", lambda *a, **k: pytest.fail("tried to download"))
    monkeypatch.setattr(zoo, "_PRETRAINED", {})
    state, message = zoo.fetch_pretrained("resnet18")   # torch.hub finds the cached file and never downloads
    assert message.words().startswith("Loaded") and all(torch.equal(state[k], v) for k, v in reference.state_dict().items())
    x = (torch.rand(3, 32, 32) * 255).to(torch.uint8)
    top = zoo.imagenet_top5("resnet18", reference.state_dict(), x)
    expected = reference(weights.transforms()(x).unsqueeze(0)).softmax(1)[0].topk(5)
    assert [p for _, p in top] == pytest.approx(expected.values.tolist(), abs=1e-6)
    assert [c for c, _ in top] == [weights.meta["categories"][i] for i in expected.indices.tolist()]


def test_zoo_handler_refuses_unknown_models():
    with pytest.raises(gr.Error, match="must be one of vgg16, resnet18"):
        zoo_tab.show_zoo("alexnet")
    view = zoo_tab.show_zoo("vgg16")
    code, stats, head = view.add_linear_code, view.add_linear_stats, view.add_linear_head
    assert "add_module" in code and "138,367,554 parameters" in stats and "add_linear" in head
    assert view._fields[:-1] == tuple(f"{v}_{part}" for v in zoo.VERSIONS for part in zoo_tab.PARTS)


def test_pretrained_weights_are_only_fetched_after_the_learner_confirms(monkeypatch, cifar):
    monkeypatch.setattr(zoo_tab.dataset, "require_data", lambda: cifar)   # the image index is checked first
    monkeypatch.setattr(zoo_tab, "fetch_pretrained", lambda name: pytest.fail("fetched without confirmation"))
    with pytest.raises(gr.Error, match="Tick the box first"):
        zoo_tab.pretrained_top5("vgg16", 0, False)
    for confirm in (None, "yes", 1):   # sent straight to the API: not read as a tick
        with pytest.raises(gr.Error, match="Download confirmation must be true or false"):
            zoo_tab.pretrained_top5("vgg16", 0, confirm)
