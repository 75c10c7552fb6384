"""The lessons in the notes' order, and the slips the notes make on each topic (the wrong line, its fix).

Each lesson is a script, nets/lessons/<id>.py, shown on the page as it is and run by nets.lessons.runner.
The scripts carry no prose comments: comments are code the page shows, and the page speaks the
learner's language, so the explanation and each slip's one-line reason live in assets/i18n/lesson_<id>.json
(keys lessons.<id>.title, .text, .slip1, .slip2, ...).
"""
import importlib
from dataclasses import dataclass
from pathlib import Path

FOLDER = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Slip:
    """One line as notes like these write it, and LayerLab's correction of it ("" = delete the line).

    prose: a sentence of the notes, corrected by a sentence. `wrong` keeps the notes' own words exactly; the
    page shows both worded in the learner's language (lessons.<id>.wrong<n> and .fixed<n> in assets/i18n)."""
    wrong: str
    fixed: str = ""
    prose: bool = False


LESSONS: dict[str, tuple[Slip, ...]] = {
    "module": (),
    "conv2d": (
        Slip("writer = SummaryWriter('CIFAR10')",
             "from torch.utils.tensorboard import SummaryWriter; writer = SummaryWriter('logs')"),
        Slip("step += 1", "for step, data in enumerate(dataloader):"),
        Slip("这决定了输入的图像尺寸大小,这个参数由卷积核的大小和输入图像尺寸决定", prose=True),
        Slip("输入的图像是64张,输入变成了128张", prose=True),
    ),
    "maxpool": (
        Slip("MaxPool2d(kernel_size=2, stride=2, padding=1)  # [3,32,32] -> [3,16,16]",
             "MaxPool2d(kernel_size=2, stride=2)  # [3,32,32] -> [3,16,16]"),
        Slip("kernel_size =2 即 3*3的层化核", prose=True),
        Slip("这决定了输入的图像尺寸大小,这个参数由卷积核的大小和输入图像尺寸决定", prose=True),
        Slip("writer = SummaryWriter('CIFAR10')",
             "from torch.utils.tensorboard import SummaryWriter; writer = SummaryWriter('logs')"),
    ),
    "activation": (),
    "linear": (
        Slip("self.Linear = Linear(196608,10)", "self.linear = Linear(3 * 32 * 32, 10)"),
        Slip("output = torch.flatten(imgs)", "output = torch.flatten(imgs, start_dim=1)"),
        Slip("writer.close()", ""),
        Slip("我对线程层的理解就是最后的分类", prose=True),
    ),
    "sequential": (
        Slip("Linear(1024,64), Linear(64,10)", "nn.Linear(1024, 64), nn.ReLU(), nn.Linear(64, 10)"),
    ),
    "loss": (
        Slip("以上的过程被称为一个epoch", prose=True),
        Slip("然后我们再传入一次参数", prose=True),
        Slip("常见的有最小二乘、交叉熵、平均绝对值误差", prose=True),
    ),
    "optim": (
        Slip("optimizer = optim.SGD(params = model.parameters(), lr=0.01, momentum=0.9)",
             "optimizer = optim.SGD(params=module.parameters(), lr=0.01, momentum=0.9)"),
        Slip("optim.zero_grad()", "optimizer.zero_grad()"),
        Slip("optim.step()", "optimizer.step()"),
        Slip("学习率除以前t-1迭代的梯度平方和", prose=True),
        Slip("基本解决了梯度下降的一系列问题", prose=True),
    ),
    "vgg16": (
        Slip("vgg16_true = torchvision.models.vgg16(pretrained = True)",
             'vgg16_true = torchvision.models.vgg16(weights="DEFAULT")'),
        Slip('vgg16_true.classifier.add_module("add_linear",nn.Linear(1000,10))',
             'from torch import nn  # the notes import only torchvision'),
    ),
    "saving": (
        Slip('torch.save(vgg16_true.state_dict,"vgg16_method2.pth")',
             'torch.save(vgg16_true.state_dict(), "vgg16_method2.pth")'),
        Slip('model = torch.load("vgg16_method1.pth")',
             'model = torch.load("vgg16_method1.pth", weights_only=False)'),
    ),
    "gpu": (
        Slip("if torch.cuda.is_available:", "if torch.cuda.is_available():"),
        Slip("model.todevice(device)", "model = model.to(device)"),
        Slip("imgs.todevice(device)", "imgs = imgs.to(device)"),
        Slip("!nvidia -smi", "!nvidia-smi"),
        Slip("只需要改动三块内容,分别是网络模型、数据和损失函数", prose=True),
    ),
}
FIRST = next(iter(LESSONS))
DEVICE_LESSONS = ("gpu",)   # scripts that may use CUDA: the runner gives them a fresh interpreter


def require_lesson(lesson) -> str:
    """The lesson id, or a KeyError naming the lessons there are (ids also name files: checked first)."""
    if lesson not in LESSONS:
        raise KeyError(f"no lesson {lesson!r}; the lessons are {', '.join(LESSONS)}")
    return lesson


def lesson_module(lesson: str):
    """The lesson's script as an imported module (main(imgs, targets) and its BATCH)."""
    return importlib.import_module(f"nets.lessons.{require_lesson(lesson)}")


def lesson_source(lesson: str) -> str:
    """The script exactly as it is run, for the page."""
    return (FOLDER / f"{require_lesson(lesson)}.py").read_text(encoding="utf-8")
