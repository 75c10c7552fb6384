"""The code the Save & load and Model zoo tabs display runs as shown, in every language, and gives what
the page says; only its comments differ between languages."""
import contextlib
import io
import re

import pytest
import torch
import torchvision

from nets import zoo
from nets.text import LOCALES, text

METHODS = ("saving.method1_code", "saving.method2_code")


def code_only(snippet: str) -> list[str]:
    """The snippet's code lines, comments and blank lines dropped (none of these snippets has # in a string)."""
    return [line for line in (re.sub(r"\s*#.*", "", row).rstrip() for row in snippet.splitlines()) if line]


def run(snippet: str, folder, device: str = "meta") -> tuple[dict, str]:
    """Execute a displayed snippet as a learner would paste it, in folder; its names and what it printed.
    On the meta device vgg16's 138M parameters take no memory and its files a few KB."""
    namespace = {}
    with contextlib.chdir(folder), torch.device(device), contextlib.redirect_stdout(io.StringIO()) as printed:
        exec(snippet, namespace)  # noqa: S102 - the page's own code, under test
    return namespace, printed.getvalue()


@pytest.mark.parametrize("key", METHODS)
def test_each_language_shows_the_same_code(key):
    english, chinese = (text(key, locale) for locale in LOCALES)
    assert code_only(english) == code_only(chinese) and english != chinese
    assert all(re.search(r"[\u4e00-\u9fff]", line) for line in chinese.splitlines() if line.startswith("#"))


@pytest.mark.parametrize("locale", LOCALES)
def test_method1_saves_and_reloads_the_whole_model_as_printed(tmp_path, locale):
    namespace, printed = run(text("saving.method1_code", locale), tmp_path)
    with torch.device("meta"):
        reference = torchvision.models.vgg16(weights=None)
    assert printed.strip() == repr(reference) and type(namespace["model"]) is type(reference)
    with pytest.raises(Exception, match="weights_only"):     # why the snippet passes weights_only=False
        torch.load(tmp_path / "vgg16_method1.pth")


@pytest.mark.parametrize("locale", LOCALES)
def test_method2_saves_only_the_state_dict_and_loads_it_back(tmp_path, locale):
    namespace, _ = run(text("saving.method2_code", locale), tmp_path)
    saved = torch.load(tmp_path / "vgg16_method2.pth", weights_only=True)    # tensors only: loads safely
    assert list(saved) == list(namespace["vgg16"].state_dict()) and len(saved) == 32
    assert {tuple(v.shape) for v in saved.values()} >= {(4096, 25088), (1000, 4096)}


def test_method2_restores_the_weights_exactly_on_a_real_network(tmp_path):
    """The same lines on the CPU, with a small torchvision network in vgg16's place: the values come back."""
    snippet = text("saving.method2_code").replace("vgg16(", "squeezenet1_1(")
    torch.manual_seed(0)
    namespace, _ = run(snippet.replace("vgg16 = torchvision", "original = vgg16 = torchvision", 1), tmp_path, "cpu")
    original, loaded = namespace["original"].state_dict(), namespace["vgg16"].state_dict()
    assert namespace["original"] is not namespace["vgg16"]
    assert all(torch.equal(original[k], loaded[k]) for k in original)


@pytest.mark.parametrize("name", zoo.ZOO)
@pytest.mark.parametrize("version", zoo.VERSIONS)
def test_zoo_code_runs_in_every_language_and_builds_what_the_view_describes(tmp_path, name, version):
    english = zoo.version_code(name, version)
    for locale in LOCALES:
        shown = zoo.version_code(name, version, locale)
        assert code_only(shown) == code_only(english)
        namespace, printed = run(shown, tmp_path)
        view = zoo.describe_version(name, version, locale)
        model = namespace[name].eval()   # one image: BatchNorm needs eval mode, as the view uses
        assert sum(p.numel() for p in model.parameters()) == view.params and printed.strip() == view.structure
        assert tuple(model(torch.empty(1, 3, 224, 224, device="meta")).shape) == view.imagenet_output
        assert tuple(model(torch.empty(1, 3, 32, 32, device="meta")).shape) == view.cifar_output
    assert "# 改为" in zoo.version_code(name, version, "zh-CN") and "pretrained" not in english
