"""Every slip a lesson shows is real: its line fails or computes something else, and the fix does not."""
import pickle
import shutil
import subprocess
import warnings

import pytest
import torch
import torchvision
from torch import nn, optim

from nets.lessons.catalog import LESSONS
from nets.lessons.sequential import Module
from nets.text import TRANSLATIONS
from tests.conftest import ROOT

NOTES = ROOT.parent / "shared" / "seed" / "000_bf4ba52641826cac.txt"


def slip(lesson: str, n: int):
    return LESSONS[lesson][n - 1]


def code(line: str) -> str:
    """The line without its trailing comment."""
    return line.split("  #")[0]


def test_every_slip_has_a_test_here():
    tested = {name.removeprefix("test_") for name in globals() if name.startswith("test_")}
    for lesson, slips in LESSONS.items():
        for n in range(1, len(slips) + 1):
            assert f"{lesson}_slip{n}" in tested


def test_conv2d_slip1(tmp_path, monkeypatch):
    s = slip("conv2d", 1)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(NameError, match="SummaryWriter"):
        exec(s.wrong, {})
    # the notes' dataset root is ./CIFAR10: their writer logs among its files, the fixed line beside them
    namespace = {}
    exec("from torch.utils.tensorboard import SummaryWriter\n" + s.wrong, namespace)
    namespace["writer"].close()
    assert any(p.name.startswith("events.out.tfevents") for p in (tmp_path / "CIFAR10").iterdir())
    namespace = {}
    exec(s.fixed, namespace)
    namespace["writer"].close()
    assert any(p.name.startswith("events.out.tfevents") for p in (tmp_path / "logs").iterdir())


def test_conv2d_slip2():
    s = slip("conv2d", 2)
    with pytest.raises(NameError, match="step"):
        exec(s.wrong, {})
    namespace = {"dataloader": ["batch a", "batch b", "batch c"], "seen": []}
    exec(s.fixed + "\n    seen.append(step)", namespace)
    assert namespace["seen"] == [0, 1, 2]


def test_conv2d_slip3():
    """padding is chosen, leaves the input as it is, and sets the output size by the formula the reason quotes."""
    x = torch.rand(1, 3, 32, 32)
    before = x.clone()
    for padding in (0, 1):
        size = nn.Conv2d(3, 6, kernel_size=3, padding=padding)(x).shape[-1]
        assert torch.equal(x, before) and size == (32 + 2 * padding - 3) // 1 + 1
        assert f"padding {padding} gives {size}" in TRANSLATIONS["en"]["lessons.conv2d.slip3"]
        assert f"padding 为 {padding} 得到 {size}" in TRANSLATIONS["zh-CN"]["lessons.conv2d.slip3"]


def test_conv2d_slip4():
    """A batch of 64 stays 64 images; only the reshape for display makes 128 pictures of 3 channels."""
    out = nn.Conv2d(3, 6, kernel_size=3, padding=1)(torch.rand(64, 3, 32, 32))
    assert out.shape == (64, 6, 32, 32)
    assert torch.reshape(out, (-1, 3, 32, 32)).shape == (128, 3, 32, 32)
    for locale in ("en", "zh-CN"):
        assert "(64, 6, 32, 32)" in TRANSLATIONS[locale]["lessons.conv2d.slip4"]
        assert "(128, 3, 32, 32)" in TRANSLATIONS[locale]["lessons.conv2d.slip4"]


def test_maxpool_slip1():
    s = slip("maxpool", 1)
    x = torch.rand(1, 3, 32, 32)
    assert eval(code(s.wrong), vars(nn))(x).shape == (1, 3, 17, 17)
    assert eval(code(s.fixed), vars(nn))(x).shape == (1, 3, 16, 16)


def test_maxpool_slip2():
    assert all("`kernel_size=2` 是 2×2" in t or "`kernel_size=2` is a 2×2" in t
               for t in (TRANSLATIONS[lc]["lessons.maxpool.fixed2"] for lc in ("en", "zh-CN")))
    x = torch.rand(1, 1, 4, 4)
    out = nn.MaxPool2d(kernel_size=2, stride=1)(x)
    assert out.shape == (1, 1, 3, 3)   # a 3x3 window would leave 2x2
    windows = x.unfold(2, 2, 1).unfold(3, 2, 1)   # (1, 1, 3, 3, 2, 2): every 2x2 window
    assert torch.equal(out, windows.amax(dim=(-1, -2)))


def test_linear_slip1():
    s = slip("linear", 1)
    namespace = {"Linear": nn.Linear, "self": type("Self", (), {})()}
    exec(s.wrong, namespace)
    batch = torch.rand(64, 3, 32, 32)
    assert namespace["self"].Linear(torch.flatten(batch)).shape == (10,)   # one answer for 64 images
    with pytest.raises(RuntimeError):
        namespace["self"].Linear(torch.flatten(batch[:16]))                 # a last, smaller batch
    exec(s.fixed, namespace)
    assert namespace["self"].linear(torch.flatten(batch, start_dim=1)).shape == (64, 10)
    assert namespace["self"].linear(torch.flatten(batch[:16], start_dim=1)).shape == (16, 10)


def test_linear_slip2():
    s = slip("linear", 2)
    namespace = {"torch": torch, "imgs": torch.rand(64, 3, 32, 32)}
    exec(s.wrong, namespace)
    assert namespace["output"].shape == (196608,)
    exec(s.fixed, namespace)
    assert namespace["output"].shape == (64, 3072)


def test_linear_slip3():
    s = slip("linear", 3)
    with pytest.raises(NameError, match="writer"):
        exec(s.wrong, {})
    assert s.fixed == ""


def test_loss_slip1():
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.zeros(50000)), batch_size=64)
    for locale in ("en", "zh-CN"):
        assert f"{len(loader)} " in TRANSLATIONS[locale]["lessons.loss.slip1"]


def test_loss_slip2():
    """The loop feeds the next batch each step; the parameters stay in the network (same objects throughout)."""
    torch.manual_seed(0)
    module = Module()
    params = [id(p) for p in module.parameters()]
    optimizer = optim.SGD(module.parameters(), lr=0.01)
    batches = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.rand(8, 3, 32, 32),
                                                                         torch.arange(8) % 10), batch_size=4)
    seen = []
    for imgs, targets in batches:
        seen.append(targets.tolist())
        optimizer.zero_grad()
        nn.CrossEntropyLoss()(module(imgs), targets).backward()
        optimizer.step()
    assert seen == [[0, 1, 2, 3], [4, 5, 6, 7]] and [id(p) for p in module.parameters()] == params


def test_loss_slip3():
    """MSELoss is the mean squared error, L1Loss the mean absolute error: the losses the notes meant."""
    y, target = torch.tensor([1.0, 2.0, 4.0]), torch.tensor([0.0, 2.0, 2.0])
    assert nn.MSELoss()(y, target).item() == pytest.approx(((y - target) ** 2).mean().item())
    assert nn.L1Loss()(y, target).item() == pytest.approx((y - target).abs().mean().item())
    for locale in ("en", "zh-CN"):
        fixed = TRANSLATIONS[locale]["lessons.loss.fixed3"]
        assert all(f"`nn.{name}`" in fixed for name in ("MSELoss", "CrossEntropyLoss", "L1Loss"))


def test_optim_slip1():
    s = slip("optim", 1)
    torch.manual_seed(0)
    module, model = Module(), Module()
    with pytest.raises(NameError, match="model"):
        exec(s.wrong, {"optim": optim, "module": module})
    before = module.model1[0].weight.detach().clone()
    for line, changed in ((s.wrong, False), (s.fixed, True)):
        namespace = {"optim": optim, "module": module, "model": model}
        exec(line, namespace)
        nn.CrossEntropyLoss()(module(torch.rand(4, 3, 32, 32)), torch.tensor([0, 1, 2, 3])).backward()
        namespace["optimizer"].step()
        assert (not torch.equal(module.model1[0].weight, before)) is changed


def check_optimizer_call(n: int):
    """zero_grad/step called on the torch.optim package fails; on the optimizer object it works."""
    s = slip("optim", n)
    with pytest.raises(AttributeError, match="torch.optim"):
        exec(s.wrong, {"optim": optim})
    layer = nn.Linear(2, 1)
    layer(torch.ones(1, 2)).sum().backward()
    namespace = {"optimizer": optim.SGD(layer.parameters(), lr=0.1)}
    exec(s.fixed, namespace)


def test_optim_slip2():
    check_optimizer_call(2)


def test_optim_slip3():
    check_optimizer_call(3)


class Fetched(Exception):
    """Raised instead of downloading: the weights the line asked for."""


def test_vgg16_slip1(monkeypatch):
    s = slip("vgg16", 1)

    def no_download(weights, *args, **kwargs):
        raise Fetched(weights)
    monkeypatch.setattr(torchvision.models._api.WeightsEnum, "get_state_dict", no_download)
    asked = []
    for line in (s.wrong, s.fixed):
        with warnings.catch_warnings(record=True) as caught, torch.device("meta"):
            warnings.simplefilter("always")
            with pytest.raises(Fetched) as fetched:
                exec(line, {"torchvision": torchvision})
        asked.append((fetched.value.args[0], any("deprecated" in str(w.message) for w in caught)))
    weights = torchvision.models.VGG16_Weights.IMAGENET1K_V1
    assert asked == [(weights, True), (weights, False)]   # same ImageNet weights; only pretrained= is deprecated


def test_saving_slip1(tmp_path, monkeypatch):
    s = slip("saving", 1)
    monkeypatch.chdir(tmp_path)
    namespace = {"torch": torch, "vgg16_true": Module()}
    exec(s.wrong, namespace)
    assert callable(namespace["vgg16_true"].state_dict) and not isinstance(namespace["vgg16_true"].state_dict, dict)
    with pytest.raises(pickle.UnpicklingError):
        torch.load("vgg16_method2.pth")
    method = torch.load("vgg16_method2.pth", weights_only=False)
    with pytest.raises(TypeError, match="dict"):
        Module().load_state_dict(method)
    exec(s.fixed, namespace)
    Module().load_state_dict(torch.load("vgg16_method2.pth"))


def test_saving_slip2(tmp_path, monkeypatch):
    s = slip("saving", 2)
    monkeypatch.chdir(tmp_path)
    torch.save(Module(), "vgg16_method1.pth")
    with pytest.raises(pickle.UnpicklingError, match="weights_only"):
        exec(s.wrong, {"torch": torch})
    namespace = {"torch": torch}
    exec(s.fixed, namespace)
    assert isinstance(namespace["model"], Module)


def test_gpu_slip1():
    s = slip("gpu", 1)
    assert bool(torch.cuda.is_available) is True   # a function object: always true
    branch = "\n    x = torch.zeros(1).cuda()"
    if not torch.cuda.is_available():
        with pytest.raises((AssertionError, RuntimeError)):
            exec(s.wrong + branch, {"torch": torch})
        exec(s.fixed + branch, {"torch": torch})   # the branch is skipped


def check_todevice(n: int):
    """.todevice() exists on neither modules nor tensors; .to(device) does."""
    s = slip("gpu", n)
    namespace = {"model": nn.Linear(2, 2), "imgs": torch.zeros(2, 3), "device": torch.device("cpu")}
    with pytest.raises(AttributeError, match="todevice"):
        exec(s.wrong, namespace)
    exec(s.fixed, namespace)


def test_gpu_slip2():
    check_todevice(2)


def test_gpu_slip3():
    check_todevice(3)
    imgs = torch.zeros(2, 3)
    imgs.to(torch.float64)                     # .to() on a tensor returns a new one
    assert imgs.dtype == torch.float32
    imgs = imgs.to(torch.float64)
    assert imgs.dtype == torch.float64


def test_gpu_slip4():
    s = slip("gpu", 4)
    with pytest.raises(SyntaxError):
        compile(s.wrong, "<notes>", "exec")   # "!" is Jupyter's, not Python's
    assert shutil.which("nvidia") is None
    done = subprocess.run(["bash", "-c", s.wrong.removeprefix("!")], capture_output=True, text=True)
    assert done.returncode == 127 and "not found" in done.stderr
    assert s.fixed.removeprefix("!").split() == ["nvidia-smi"]


def test_optim_slip4():
    assert all("sqrt(sum(g ** 2))" in TRANSLATIONS[lc]["lessons.optim.fixed4"] for lc in ("en", "zh-CN"))
    lr, eps = 0.1, 1e-10
    for name in ("Adagrad", "RMSprop"):
        p = nn.Parameter(torch.zeros(()))
        optimizer = (optim.Adagrad([p], lr=lr, eps=eps) if name == "Adagrad"
                     else optim.RMSprop([p], lr=lr, alpha=0.9, eps=eps))
        squares, expected = 0.0, 0.0
        for g in (2.0, 1.0):
            p.grad = torch.tensor(g)
            optimizer.step()
            squares = squares + g ** 2 if name == "Adagrad" else 0.9 * squares + 0.1 * g ** 2   # current g included
            expected -= lr * g / (squares ** 0.5 + eps)
            assert p.item() == pytest.approx(expected), name
    p = nn.Parameter(torch.zeros(()))
    p.grad = torch.tensor(2.0)
    optim.Adagrad([p], lr=lr).step()
    assert p.item() == pytest.approx(-lr)                      # lr * g / sqrt(g ** 2) = lr
    assert p.item() != pytest.approx(-lr * 2.0 / 2.0 ** 2)     # without the root it would be lr / 2


def test_optim_slip5():
    """Adam still needs its learning rate tuned: its first step is about lr, so lr 1e-4 barely moves p from 1
    in 200 steps, lr 0.05 reaches the minimum of p², and lr 5 overshoots it (p = 1 - 5 = -4)."""
    def after(lr, steps):
        p = nn.Parameter(torch.tensor(1.0))
        adam = optim.Adam([p], lr=lr)
        for _ in range(steps):
            adam.zero_grad()
            (p ** 2).backward()
            adam.step()
        return p.item()
    assert abs(after(1e-4, 200)) > 0.97 and abs(after(0.05, 200)) < 0.05
    assert after(5.0, 1) == pytest.approx(-4.0, abs=1e-3)


def test_sequential_slip1():
    """Two Linear layers with nothing between them equal one Linear; with ReLU between them they do not."""
    torch.manual_seed(0)
    h = torch.randn(16, 1024)
    wrong = eval("nn.Sequential(" + slip("sequential", 1).wrong.replace("Linear", "nn.Linear") + ")", {"nn": nn})
    fixed = eval(f"nn.Sequential({slip('sequential', 1).fixed})", {"nn": nn})
    fixed.load_state_dict({k.replace("1.", "2.") if k.startswith("1.") else k: v
                           for k, v in wrong.state_dict().items()})
    fc1, fc2 = wrong
    one = nn.Linear(1024, 10)
    with torch.no_grad():
        one.weight.copy_(fc2.weight @ fc1.weight)
        one.bias.copy_(fc2.weight @ fc1.bias + fc2.bias)
        assert torch.allclose(wrong(h), one(h), atol=1e-5)
        assert not torch.allclose(fixed(h), one(h), atol=1e-3)


def test_linear_slip4():
    """vgg16's classifier holds three Linear layers with ReLU between them, as the correction says."""
    with torch.device("meta"):
        classifier = torchvision.models.vgg16(weights=None).classifier
    linears = [f"`Linear({m.in_features}, {m.out_features})`" for m in classifier if isinstance(m, nn.Linear)]
    assert len(linears) == 3 and isinstance(classifier[1], nn.ReLU)
    for locale in ("en", "zh-CN"):
        assert all(code in TRANSLATIONS[locale]["lessons.linear.fixed4"] for code in linears)


def test_gpu_slip5():
    """CrossEntropyLoss() holds no tensor to move; with weight= it holds one, which .to() moves."""
    assert list(nn.CrossEntropyLoss().state_dict()) == []
    weighted = nn.CrossEntropyLoss(weight=torch.ones(10)).to(torch.float64)
    assert list(weighted.state_dict()) == ["weight"] and weighted.weight.dtype == torch.float64


def test_prose_slips_quote_the_notes_exactly():
    if not NOTES.is_file():
        pytest.skip(f"the notes are not beside this checkout ({NOTES})")
    notes = NOTES.read_text(encoding="utf-8")
    for lesson, slips in LESSONS.items():
        for n, s in enumerate(slips, 1):
            if s.prose:
                assert s.wrong in notes, (lesson, n)


def test_vgg16_slip2():
    """The notes' snippet, as written (import torchvision only), fails at nn; with the import it adds the layer."""
    s = slip("vgg16", 2)
    snippet = "import torchvision\nwith torch.device('meta'):\n    vgg16_true = torchvision.models.vgg16()\n"
    with pytest.raises(NameError, match="'nn'"):
        exec(snippet + s.wrong, {"torch": torch})
    namespace = {"torch": torch}
    exec(s.fixed + "\n" + snippet + s.wrong, namespace)
    assert isinstance(namespace["vgg16_true"].classifier.add_linear, nn.Linear)


def test_maxpool_slip3():
    """Max pooling pads with -inf (a padded cell never wins), average pooling counts it as 0; padding=1 on 32x32
    with a 2x2 window gives the 17x17 the correction states."""
    x = -torch.rand(1, 1, 32, 32) - 0.5                  # every value negative: a zero could only be padding
    before = x.clone()
    out = nn.MaxPool2d(2, 2, padding=1)(x)
    assert torch.equal(x, before) and out.shape[-1] == 17 and (out < 0).all()
    assert nn.AvgPool2d(2, 2, padding=1)(x)[0, 0, 0, 0].item() == pytest.approx(x[0, 0, 0, 0].item() / 4)
    for locale in ("en", "zh-CN"):
        assert f"{out.shape[-2]}×{out.shape[-1]}" in TRANSLATIONS[locale]["lessons.maxpool.fixed3"]
    with pytest.raises(RuntimeError, match="pad should be at most half"):
        nn.MaxPool2d(2, 2, padding=2)(x)


def test_maxpool_slip4(tmp_path, monkeypatch):
    s = slip("maxpool", 4)
    assert (s.wrong, s.fixed) == (slip("conv2d", 1).wrong, slip("conv2d", 1).fixed)   # the slip lesson 2 tests
    monkeypatch.chdir(tmp_path)
    with pytest.raises(NameError, match="SummaryWriter"):
        exec(s.wrong, {})
