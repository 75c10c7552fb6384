"""The training engine on real CIFAR-10, checked against plain torch."""
import math

import pytest
import torch
import torch.nn.functional as F

from nets.train.batches import prepare, random_crop, random_flip
from nets.data.cifar import normalize
from nets.train.device import DeviceError, autocast, resolve_device, use_bf16
from nets.train import engine
from nets.train.config import ConfigError, TrainConfig, check_config, lr_factor
from nets.train.engine import TrainingError, cpu_model, evaluate, pick, seeded_model, train

TINY = dict(device="cpu", train_images=640, test_images=500, batch_size=64, log_every=5, threads=1)
TORCH_THREADS = torch.get_num_threads()
CPU = torch.device("cpu")


def losses_of(cfg, data, model=None) -> list[float]:
    return [loss for ev in train(cfg, data, model) if ev["event"] == "step" for loss in ev["losses"]]


@pytest.mark.arithmetic   # against torch under the engine's arithmetic: .ci/run runs it under both
def test_first_loss_is_torch_cross_entropy_of_the_first_shuffled_batch(cifar):
    cfg = TrainConfig(**TINY, epochs=1, max_steps=5, augment=False)
    first = losses_of(cfg, cifar)[0]
    # The engine's first batch: its seeded shuffle of its seeded subset, loss under the engine's arithmetic
    # on this CPU (bf16 autocast where it is fast or LAYERLAB_BF16=1 asks, float32 otherwise).
    keep = pick(len(cifar.train_y), cfg.train_images, cfg.seed)
    perm = torch.randperm(len(keep), generator=torch.Generator().manual_seed(cfg.seed * 1_000_003))
    idx = keep[perm[:cfg.batch_size]]
    model = seeded_model(cfg.seed).to(memory_format=torch.channels_last)
    with autocast(CPU, use_bf16(CPU)):
        logits = model(normalize(cifar.train_x[idx]).contiguous(memory_format=torch.channels_last))
    assert first == pytest.approx(F.cross_entropy(logits.float(), cifar.train_y[idx]).item(), rel=1e-5)


def test_a_few_steps_lower_the_loss(cifar):
    cfg = TrainConfig(**TINY, epochs=2, augment=False)
    losses = losses_of(cfg, cifar)
    assert len(losses) == 20
    assert sum(losses[-5:]) / 5 < sum(losses[:5]) / 5 - 0.1


def test_one_process_reports_slow_steps_between_its_step_reports(cifar, monkeypatch):
    # a consumer that stops iterating is never kept long (under torchrun: steps only, tests/test_train_distributed)
    monkeypatch.setattr(engine, "REPORT_EVERY_S", 0.0)
    cfg = TrainConfig(**{**TINY, "log_every": 100}, epochs=1, max_steps=4, augment=False)
    assert [ev["step"] for ev in train(cfg, cifar) if ev["event"] == "step"] == [1, 2, 3, 4]


def test_same_seed_same_losses_other_seed_other_losses(cifar):
    cfg = TrainConfig(**TINY, epochs=1, max_steps=8)
    assert losses_of(cfg, cifar) == losses_of(cfg, cifar)
    assert losses_of(TrainConfig(**{**TINY, "seed": 1}, epochs=1, max_steps=8), cifar) != losses_of(cfg, cifar)


def test_stop_mid_epoch_leaves_a_usable_model(cifar):
    cfg = TrainConfig(**TINY, epochs=3)
    model = seeded_model(cfg.seed)
    keep = pick(len(cifar.test_y), 1000, 0)   # a mix of classes (the copy is sorted by class)
    untrained = evaluate(seeded_model(cfg.seed), cifar.test_x[keep], cifar.test_y[keep], 10)
    events = train(cfg, cifar, model)
    for ev in events:
        if ev["event"] == "step" and ev["step"] == 15:   # halfway through the second epoch
            break
    events.close()
    net = cpu_model(model)
    assert not net.training and next(net.parameters()).device.type == "cpu"
    trained = evaluate(net, cifar.test_x[keep], cifar.test_y[keep], 10)
    assert trained["test_loss"] < untrained["test_loss"]
    logits = net(normalize(cifar.test_x[:4]))
    assert logits.shape == (4, 10) and torch.isfinite(logits).all()


@pytest.mark.arithmetic   # against torch under the engine's arithmetic: .ci/run runs it under both
def test_epoch_events_hold_test_metrics_matching_torch(cifar):
    cfg = TrainConfig(**TINY, epochs=1)
    model = seeded_model(cfg.seed)
    epoch = [ev for ev in train(cfg, cifar, model) if ev["event"] == "epoch"][0]
    keep = pick(len(cifar.test_y), cfg.test_images, 0)
    net = seeded_model(cfg.seed)
    net.load_state_dict(epoch["state_dict"])
    with torch.inference_mode(), autocast(CPU, use_bf16(CPU)):
        pred = net(normalize(cifar.test_x[keep])).argmax(1)
    assert epoch["test_acc"] == pytest.approx((pred == cifar.test_y[keep]).float().mean().item(), abs=0.01)
    confusion = torch.tensor(epoch["confusion"])
    assert confusion.sum() == len(keep) and confusion.diag().sum() / len(keep) == pytest.approx(epoch["test_acc"])
    assert len(epoch["per_class_acc"]) == 10


def test_diverging_loss_stops_with_an_explanation(cifar):
    cfg = TrainConfig(**TINY, epochs=1, optimizer="sgd", lr=10.0, schedule="constant")
    with pytest.raises(TrainingError, match="learning rate"):
        losses_of(cfg, cifar)


@pytest.mark.parametrize("change, words", [
    (dict(lr=0.0), "learning rate"), (dict(lr=1e6), "learning rate"), (dict(lr=math.nan), "learning rate"),
    (dict(batch_size=0), "batch size"), (dict(batch_size=641), "batch size"), (dict(epochs=0), "Epochs"),
    (dict(optimizer="lbfgs"), "optimizer"), (dict(device="tpu"), "device"), (dict(schedule="cosine"), "schedule"),
])
def test_bad_configs_are_refused(change, words):
    cfg = TrainConfig(**{**TINY, **change})
    with pytest.raises(ConfigError, match=f"(?i){words}"):
        check_config(cfg, 50_000)


def test_a_missing_gpu_is_refused_clearly():
    if torch.cuda.is_available():
        assert resolve_device("cuda").type == "cuda"
    else:
        with pytest.raises(DeviceError, match="No CUDA GPU"):
            resolve_device("cuda")
    assert resolve_device("auto").type in ("cuda", "mps", "cpu")


def test_random_crop_matches_padding_and_slicing(cifar):
    x = cifar.train_x[:50]
    out = random_crop(x, 4, torch.Generator().manual_seed(3))
    shift = torch.randint(0, 81, (50,), generator=torch.Generator().manual_seed(3))   # the same draws
    padded = F.pad(x, (4, 4, 4, 4))
    ref = torch.stack([padded[i, :, s // 9:s // 9 + 32, s % 9:s % 9 + 32] for i, s in enumerate(shift.tolist())])
    assert torch.equal(out, ref)


def test_random_flip_mirrors_about_half_the_images(cifar):
    x = cifar.train_x[:200]
    out = random_flip(x.clone(), torch.Generator().manual_seed(0))
    flipped = torch.tensor([torch.equal(o, i.flip(2)) and not torch.equal(o, i) for o, i in zip(out, x)])
    same = torch.tensor([torch.equal(o, i) for o, i in zip(out, x)])
    assert (flipped | same).all() and 60 < flipped.sum() < 140


def test_prepare_is_normalize_in_channels_last(cifar):
    x = cifar.train_x[:8]
    out = prepare(x)
    assert out.is_contiguous(memory_format=torch.channels_last)
    torch.testing.assert_close(out, normalize(x))


def test_schedules_scale_the_learning_rate():
    assert [lr_factor("constant", s, 100) for s in (0, 50, 99)] == [1, 1, 1]
    assert lr_factor("linear", 0, 100) == 1 and lr_factor("linear", 100, 100) == 0
    assert lr_factor("onecycle", 20, 100) == pytest.approx(1) and lr_factor("onecycle", 10, 100) == pytest.approx(0.5)


def test_out_of_memory_is_explained(cifar, monkeypatch):
    import nets.train.engine

    def step_that_runs_out(model, optimizer, device, bf16, stop=None):
        def step(x, y):
            raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 20.00 GiB")
        return step
    monkeypatch.setattr(nets.train.engine, "make_step", step_that_runs_out)
    with pytest.raises(TrainingError, match="ran out of memory with batch size 64.*smaller batch size"):
        losses_of(TrainConfig(**TINY, epochs=1), cifar)
    assert torch.get_num_threads() == TORCH_THREADS   # the thread bound is undone after the failure
