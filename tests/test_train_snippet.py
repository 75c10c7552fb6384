"""The Training tab's loop snippet runs exactly as displayed, and prints what its model really scores."""
import re

import pytest
import torch
import torchvision
from torch import nn

from nets.models import count_parameters, tutorial_cnn
from nets.text import text

TRAIN_IMAGES, TEST_IMAGES = 640, 500   # 10 steps of 64 per epoch: the script's 10 epochs take seconds
CODE = re.compile(r"```python\n(.*?)```", re.S)
PRINTED = re.compile(r"epoch (\d+): loss (\d+\.\d{3}), test accuracy (\d+\.\d)%")


def displayed_code(locale: str) -> str:
    return CODE.search(text("train.loop", locale)).group(1)


def without_comments(code: str) -> list[str]:
    return [re.sub(r"\s*#.*$", "", line) for line in code.splitlines()]


@pytest.fixture
def archive_cifar10(cifar, monkeypatch):
    """torchvision's CIFAR10 serving the test archive's real images (the script must not download)."""
    class ArchiveCifar10(torch.utils.data.Dataset):
        def __init__(self, root, train=True, transform=None, download=False):
            x, y = (cifar.train_x, cifar.train_y) if train else (cifar.test_x, cifar.test_y)
            n = TRAIN_IMAGES if train else TEST_IMAGES
            self.images, self.targets, self.transform = x[:n].permute(0, 2, 3, 1).numpy(), y[:n].tolist(), transform

        def __len__(self):
            return len(self.targets)

        def __getitem__(self, i):
            return self.transform(self.images[i]), self.targets[i]
    monkeypatch.setattr(torchvision.datasets, "CIFAR10", ArchiveCifar10)
    return ArchiveCifar10


def test_the_chinese_snippet_is_the_english_one_with_chinese_comments():
    assert without_comments(displayed_code("zh-CN")) == without_comments(displayed_code("en"))
    assert re.search(r"#.*[\u4e00-\u9fff]", displayed_code("zh-CN"))


def test_the_displayed_loop_runs_and_prints_its_models_real_test_accuracy(archive_cifar10, tmp_path, monkeypatch,
                                                                         capsys):
    monkeypatch.chdir(tmp_path)
    torch.manual_seed(0)
    exec(compile(displayed_code("en"), "<training snippet>", "exec"), {"__name__": "__main__"})
    printed = [PRINTED.fullmatch(line) for line in capsys.readouterr().out.splitlines()]
    assert all(printed) and [int(m[1]) for m in printed] == list(range(1, 11))
    model = nn.Sequential(*tutorial_cnn().children())   # the tutorial's layers, under the snippet's names
    model.load_state_dict(torch.load(tmp_path / "model.pth"))
    assert count_parameters(model) == 145_578
    test = archive_cifar10("./data", train=False, transform=torchvision.transforms.ToTensor())
    x, y = torch.stack([test[i][0] for i in range(len(test))]), torch.tensor(test.targets)
    with torch.no_grad():
        accuracy = (model.eval()(x).argmax(1) == y).float().mean().item()
    assert float(printed[-1][3]) == pytest.approx(100 * accuracy, abs=0.05)
