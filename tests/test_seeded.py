"""A seed means the same weights whoever else is working: nets.models.seeded against torch.manual_seed."""
import sys
import threading

import pytest
import torch
from torch import nn

from nets.builder.layers import make_sequential
from nets.models import seeded, tutorial_cnn

EVERY_LAYER = [   # each Builder layer type, with weights or without
    {"type": "Conv2d", "in_channels": 3, "out_channels": 8, "kernel_size": 3, "padding": 1},
    {"type": "BatchNorm2d", "num_features": 8}, {"type": "ReLU"}, {"type": "LeakyReLU", "negative_slope": 0.1},
    {"type": "MaxPool2d", "kernel_size": 2}, {"type": "AvgPool2d", "kernel_size": 2}, {"type": "Tanh"},
    {"type": "Sigmoid"}, {"type": "GELU"}, {"type": "Dropout", "p": 0.2}, {"type": "Flatten"},
    {"type": "Linear", "in_features": 128, "out_features": 10},
]
MAKERS = [tutorial_cnn, lambda: make_sequential(EVERY_LAYER),
          lambda: nn.Conv2d(3, 4, 5, bias=False),
          lambda: nn.Sequential(nn.Flatten(), nn.Linear(3 * 32 * 32, 7))]   # the explorer's Linear


def as_torch_seeds(seed: int, make) -> dict:
    """What a learner gets running torch.manual_seed(seed) and then the constructor, as the code snippets show."""
    torch.manual_seed(seed)
    return make().state_dict()


def assert_same(got: dict, want: dict) -> None:
    assert list(got) == list(want)
    for key in want:
        assert torch.equal(got[key], want[key]), key


def test_the_weights_are_torch_manual_seeds_bit_for_bit():
    for make in MAKERS:
        for seed in (0, 7):
            assert_same(seeded(seed, make).state_dict(), as_torch_seeds(seed, make))


def test_requests_building_at_once_get_what_each_gets_alone():
    alone = seeded(0, tutorial_cnn).state_dict()
    differ, stop = [], threading.Event()

    def visitor():
        for _ in range(15):
            got = seeded(0, tutorial_cnn).state_dict()
            differ.extend(k for k in alone if not torch.equal(got[k], alone[k]))

    def other_work():   # another request's seeding and drawing, on the process-wide generator
        while not stop.is_set():
            torch.manual_seed(123)
            torch.randn(1000)

    others = [threading.Thread(target=other_work) for _ in range(2)]
    visitors = [threading.Thread(target=visitor) for _ in range(4)]
    for th in others + visitors:
        th.start()
    for th in visitors:
        th.join()
    stop.set()
    for th in others:
        th.join()
    assert differ == []


@pytest.fixture
def often_switching():
    """Threads take turns between any two draws, as on a busy server (Python's default: every 5 ms)."""
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    yield
    sys.setswitchinterval(interval)


def test_a_thread_drawing_from_torchs_own_generator_gets_what_it_seeded_while_models_are_built(often_switching):
    """seeded() neither draws from nor rewinds the process-wide generator: before, its constructor drew from it and
    fork_rng then put back the state from before, under another thread that had just seeded it."""
    torch.manual_seed(123)
    want = [torch.randn(10) for _ in range(20)]
    differed, stop = [], threading.Event()

    def builder():
        for _ in range(15):
            seeded(0, tutorial_cnn)

    def other_work():   # the only thread seeding the process-wide generator, as a learner's own script would
        while not stop.is_set():
            torch.manual_seed(123)
            got = [torch.randn(10) for _ in range(20)]
            differed.append(not all(map(torch.equal, got, want)))

    other = threading.Thread(target=other_work)
    builders = [threading.Thread(target=builder) for _ in range(4)]
    other.start()
    for th in builders:
        th.start()
    for th in builders:
        th.join()
    stop.set()
    other.join()
    assert len(differed) > 0 and sum(differed) == 0, f"{sum(differed)} of {len(differed)} draws differed"
