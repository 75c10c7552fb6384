"""The training step as pytorch/examples writes it, and a CPU step in slices: the whole batch's gradients, and a Stop
between slices leaves the weights untouched."""
import threading

import torch
import torch.nn.functional as F

from nets.models import seeded, tutorial_cnn
from nets.train.batches import prepare
from nets.train.config import TrainConfig
from nets.train.engine import seeded_model, train
from nets.train.steps import make_step, sliced_step, train_step

CPU = torch.device("cpu")


def batch(n: int, seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    return torch.randint(0, 256, (n, 3, 32, 32), dtype=torch.uint8, generator=g), torch.randint(0, 10, (n,), generator=g)


def sgd(model):
    return torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)


def test_a_step_is_the_loop_of_pytorch_examples():
    model, reference = seeded(0, tutorial_cnn), seeded(0, tutorial_cnn)
    optimizer, reference_optimizer = sgd(model), sgd(reference)
    for seed in (0, 1):
        x, y = batch(64, seed)
        loss, logits = train_step(model.eval(), optimizer, x, y)
        reference.train()                              # as pytorch/examples' train() writes it
        reference_optimizer.zero_grad()
        output = reference(prepare(x))
        expected = F.cross_entropy(output, y)
        expected.backward()
        reference_optimizer.step()
        assert model.training and torch.equal(loss, expected.detach()) and torch.equal(logits, output.detach())
    for w, ref in zip(model.parameters(), reference.parameters()):
        assert torch.equal(w, ref)


def test_sliced_gradients_equal_the_whole_batch_ones():
    x, y = batch(300)                                  # slices of 128, 128 and 44
    model = seeded(0, tutorial_cnn)
    loss, logits = sliced_step(model, sgd(model), False, threading.Event(), 128)(x, y)
    sliced = [p.grad.clone() for p in model.parameters()]
    reference = seeded(0, tutorial_cnn)                # plain torch, one backward of the batch's mean loss
    whole = reference(prepare(x))
    F.cross_entropy(whole, y).backward()
    for g, p in zip(sliced, reference.parameters()):
        torch.testing.assert_close(g, p.grad, rtol=1e-4, atol=1e-6)
    torch.testing.assert_close(loss, F.cross_entropy(whole, y).detach())
    torch.testing.assert_close(logits, whole.detach())


def test_a_stop_between_slices_drops_the_partial_gradients():
    x, y = batch(256)
    model, stop = seeded(0, tutorial_cnn), threading.Event()
    model.register_forward_hook(lambda *a: stop.set())   # the click lands during the first slice
    before = [p.clone() for p in model.parameters()]
    assert sliced_step(model, sgd(model), False, stop, 128)(x, y) is None
    assert all(p.grad is None and torch.equal(p, b) for p, b in zip(model.parameters(), before))


def test_batch_norm_networks_and_small_batches_keep_whole_steps():
    with_bn = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.BatchNorm2d(4), torch.nn.Flatten(),
                                  torch.nn.LazyLinear(10))
    plain = tutorial_cnn()
    assert not make_step(with_bn, sgd(with_bn), CPU, False).__qualname__.startswith("sliced_step")
    assert make_step(plain, sgd(plain), CPU, False).__qualname__.startswith("sliced_step")


def test_a_stop_inside_a_big_step_keeps_the_weights_of_the_last_whole_step(cifar):
    tiny = dict(device="cpu", train_images=2048, test_images=100, batch_size=512, threads=1, augment=False)
    model, stop = seeded_model(0), threading.Event()
    calls = [0]

    def hook(module, args, out):                       # the 6th slice: the second slice of step 2
        calls[0] += 1
        if calls[0] == 6:
            stop.set()
    model.register_forward_hook(hook)
    events = list(train(TrainConfig(**tiny, epochs=1, log_every=100), cifar, model, stop=stop))
    assert events[-1]["event"] == "step" and events[-1]["step"] == 1
    reference = seeded_model(0)                        # the same run told to end after one step
    list(train(TrainConfig(**tiny, epochs=1, max_steps=1), cifar, reference))
    for (name, w), ref in zip(model.state_dict().items(), reference.state_dict().values()):
        torch.testing.assert_close(w.contiguous(), ref.contiguous(), msg=name)


def test_a_stop_during_augmentation_ends_the_run_before_the_next_step(cifar, monkeypatch):
    from nets.train import batches
    stop, chunks, random_crop = threading.Event(), [], batches.random_crop

    def crop(x, pad, gen):                             # the click lands while the second block's 2nd chunk is cut
        chunks.append(len(x))
        if len(chunks) == 4096 // 512 + 2:
            stop.set()
        return random_crop(x, pad, gen)
    monkeypatch.setattr(batches, "random_crop", crop)
    tiny = dict(device="cpu", train_images=8192, test_images=100, batch_size=512, threads=1, augment=True)
    events = list(train(TrainConfig(**tiny, epochs=1, log_every=100), cifar, seeded_model(0), stop=stop))
    assert len(chunks) == 4096 // 512 + 2              # not one chunk more after the Stop
    assert events[-1]["event"] == "step" and events[-1]["step"] == 4096 // 512
    assert all(e["event"] != "epoch" for e in events)
