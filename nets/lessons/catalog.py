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
    """One line as notes like these write it, and LayerLab's correction of it ("" = delete the line)."""
    wrong: str
    fixed: str


LESSONS: dict[str, tuple[Slip, ...]] = {
    "module": (),
    "conv2d": (
        Slip("writer = SummaryWriter('CIFAR10')", "from torch.utils.tensorboard import SummaryWriter"),
        Slip("step += 1", "for step, data in enumerate(dataloader):"),
        Slip("padding：…这决定了输入的图像尺寸大小",
             "H_out = (H_in + 2 * padding - kernel_size) // stride + 1"),
    ),
    "maxpool": (
        Slip("MaxPool2d(kernel_size=2, stride=2, padding=1)  # [3,32,32] -> [3,16,16]",
             "MaxPool2d(kernel_size=2, stride=2)  # [3,32,32] -> [3,16,16]"),
        Slip("kernel_size=2 即 3*3", "kernel_size=2 -> 2×2"),
    ),
    "activation": (),
    "linear": (
        Slip("self.Linear = Linear(196608,10)", "self.linear = Linear(3 * 32 * 32, 10)"),
        Slip("output = torch.flatten(imgs)", "output = torch.flatten(imgs, start_dim=1)"),
        Slip("writer.close()", ""),
    ),
    "sequential": (),
    "loss": (
        Slip("以上的过程被称为一个epoch", "steps_per_epoch = math.ceil(50000 / 64)  # 782"),
    ),
    "optim": (
        Slip("optimizer = optim.SGD(params = model.parameters(), lr=0.01, momentum=0.9)",
             "optimizer = optim.SGD(params=module.parameters(), lr=0.01, momentum=0.9)"),
        Slip("optim.zero_grad()", "optimizer.zero_grad()"),
        Slip("optim.step()", "optimizer.step()"),
        Slip("Adagrad：学习率除以前t-1迭代的梯度平方和", "lr * g / (sqrt(sum(g ** 2)) + eps)"),
    ),
    "vgg16": (
        Slip("vgg16_true = torchvision.models.vgg16(pretrained = True)",
             'vgg16_true = torchvision.models.vgg16(weights="DEFAULT")'),
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
    ),
}
FIRST = next(iter(LESSONS))


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
