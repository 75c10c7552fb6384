"""The explorer's whole displayed script (data loading + layer) runs as shown and reproduces the page's view."""
import re

import numpy as np
import pytest
import torch
import torchvision
from PIL import Image

from ui.common import dataset
from ui.explorer import inputs as explorer_inputs
from ui.explorer import tab as explorer_tab
from ui.explorer.tab import DEFAULTS, upload_image


@pytest.fixture(autouse=True)
def data(cifar, monkeypatch):
    monkeypatch.setattr(dataset, "require_data", lambda: cifar)
    return cifar


@pytest.fixture
def cifar_at_script_path(cifar, monkeypatch):
    """The script's torchvision.datasets.CIFAR10("./CIFAR10", ...) pointed at the test archive's images."""

    class ArchiveCIFAR10(torch.utils.data.Dataset):
        def __init__(self, root, train, download, transform):
            x, y = cifar.split("train" if train else "test")
            self.images, self.targets, self.transform = x, y.tolist(), transform

        def __len__(self):
            return len(self.targets)

        def __getitem__(self, i):
            img = Image.fromarray(self.images[i].permute(1, 2, 0).numpy())   # as torchvision hands it over
            return self.transform(img), self.targets[i]

    monkeypatch.setattr(torchvision.datasets, "CIFAR10", ArchiveCIFAR10)


def page_view(**changes):
    """The view and the script the page shows for these controls."""
    computed = explorer_tab.compute(None, {**DEFAULTS, **changes})
    return computed.view, computed.status, computed.code


def run_script(code: str, capsys) -> tuple[dict, str]:
    """exec the displayed script as a learner would paste it; its variables and what it printed."""
    namespace = {}
    exec(compile(code, "<explorer script>", "exec"), namespace)
    return namespace, capsys.readouterr().out


def printed_shapes(out: str) -> tuple[tuple, tuple]:
    """The script's `print(x.shape, "->", output.shape)` as two tuples."""
    sizes = re.findall(r"torch\.Size\(\[([\d, ]+)\]\)", out)
    return tuple(tuple(int(v) for v in s.split(", ")) for s in sizes[:2])


@pytest.mark.parametrize("kind", ["Conv2d", "Linear"])
def test_cifar_script_with_a_class_filter_loads_the_batch_on_screen(cifar, cifar_at_script_path, capsys, kind):
    view, status, code = page_view(class_name="cat", batch_size=5, seed=7, kind=kind)
    namespace, out = run_script(code, capsys)
    cat = cifar.classes.index("cat")
    assert f"if t == {cat}]" in code and namespace["targets"].tolist() == [cat] * 5    # the class filter applied
    assert torch.equal(namespace["x"], view.x)                                        # the very images shown
    assert torch.allclose(namespace["output"], view.output, atol=1e-5)
    shown_in, shown_out = printed_shapes(out)
    assert f"input {shown_in} → output {shown_out}" in status


def test_cifar_script_without_a_filter_draws_from_every_class(cifar_at_script_path, capsys):
    view, status, code = page_view(batch_size=8, seed=3, kind="MaxPool2d", split="train")
    namespace, out = run_script(code, capsys)
    assert "train=True" in code and torch.equal(namespace["x"], view.x)
    assert torch.equal(namespace["output"], view.output) and torch.equal(namespace["output_other"],
                                                                         view.comparison[1])


def uploaded(tmp_path, h: int, w: int):
    """An RGB PNG of h x w noise uploaded to the explorer; the script opens it by name from the cwd."""
    rgb = (np.random.default_rng(h * w).random((h, w, 3)) * 255).astype(np.uint8)
    Image.fromarray(rgb).save(tmp_path / "photo.png")
    state, source = upload_image(str(tmp_path / "photo.png"))
    return dict(source=source, upload=state)


@pytest.mark.parametrize("kind", ["Conv2d", "Linear", "AvgPool2d"])
def test_upload_script_at_its_own_resolution_reproduces_the_view(tmp_path, monkeypatch, capsys, kind):
    view, status, code = page_view(**uploaded(tmp_path, 45, 70), resolution="full", kind=kind, out_features=4)
    monkeypatch.chdir(tmp_path)
    namespace, out = run_script(code, capsys)
    assert "resize" not in code and namespace["x"].shape == (1, 3, 45, 70)
    assert torch.equal(namespace["x"], view.x)
    assert torch.allclose(namespace["output"], view.output, atol=1e-5)
    shown_in, shown_out = printed_shapes(out)
    assert f"input {shown_in} → output {shown_out}" in status


@pytest.mark.parametrize("h, w, resolution, shape", [(300, 700, "32", (32, 32)), (300, 700, "full", (219, 512))])
def test_upload_script_resizes_as_the_page_did(tmp_path, monkeypatch, capsys, h, w, resolution, shape):
    view, status, code = page_view(**uploaded(tmp_path, h, w), resolution=resolution, kind="Linear")
    monkeypatch.chdir(tmp_path)
    namespace, out = run_script(code, capsys)
    assert f"TF.resize(img, [{shape[0]}, {shape[1]}]" in code and namespace["x"].shape == view.x.shape
    # PIL's antialiased resize and LayerLab's (torch's) round a few pixels differently, by a level or two
    assert (namespace["x"] - view.x).abs().mean() < 0.02
    assert namespace["output"].shape == view.output.shape == (1, 10)


def test_script_comments_follow_the_language_and_the_code_stays(cifar_at_script_path, capsys, monkeypatch):
    english = page_view(class_name="cat", batch_size=5, kind="Linear")[2]
    for module in (explorer_tab, explorer_inputs):     # as the page does for a visitor who chose Chinese
        monkeypatch.setattr(module, "current_locale", lambda: "zh-CN")
    view, status, code = page_view(class_name="cat", batch_size=5, kind="Linear")
    assert "只取类别" in code and "不要像教程那样写" in code and "标签：" in status and "Labels" not in status
    strip = lambda c: [line.split("  #")[0] for line in c.splitlines() if not line.lstrip().startswith("#")]
    assert strip(code) == strip(english)          # only the comments differ
    assert torch.allclose(run_script(code, capsys)[0]["output"], view.output, atol=1e-5)
