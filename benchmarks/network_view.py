"""Server-side time to render the full Network view for one image, and to build and shape-check a 20-layer Sequential.

Run: LAYERLAB_TEST_DATA=../shared/data/cifar10-jpeg.tar.gz python benchmarks/network_view.py
Each figure is printed next to its baseline from the same run (what torch alone takes for the same work).
"""
import os
import statistics
import sys
import time
from collections import OrderedDict
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from nets.builder.spec import build_model, check_spec  # noqa: E402
from nets.data.cifar import load_cifar10, normalize  # noqa: E402
from nets.builder.layers import layer_names, make_layer, normalize_layer  # noqa: E402
from ui.common import dataset
from ui.network import tab as network_tab  # noqa: E402

REPEATS = 15
GOAL_MS = 200


def median_ms(fn, repeats=REPEATS) -> float:
    """Median wall time of fn() in milliseconds, after one warm-up call."""
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def twenty_layers() -> list[dict]:
    """A 20-layer VGG-style network for CIFAR-10: four conv blocks, then the classifier."""
    spec = []
    channels = [3, 32, 64, 128, 256]
    for i in range(4):
        spec += [{"type": "Conv2d", "in_channels": channels[i], "out_channels": channels[i + 1], "kernel_size": 3,
                  "padding": 1}, {"type": "BatchNorm2d", "num_features": channels[i + 1]}, {"type": "ReLU"},
                 {"type": "MaxPool2d", "kernel_size": 2}]
    spec += [{"type": "Flatten"}, {"type": "Linear", "in_features": 256 * 2 * 2, "out_features": 128},
             {"type": "ReLU"}, {"type": "Linear", "in_features": 128, "out_features": 10}]
    assert len(spec) == 20
    return spec


def torch_only(spec):
    """Baseline: the same Sequential built by plain torch, one image through it, no checks."""
    layers = [normalize_layer(d) for d in spec]
    model = torch.nn.Sequential(OrderedDict((n, make_layer(d)) for n, d in zip(layer_names(layers), layers)))
    with torch.no_grad():
        model.eval()(torch.zeros(1, 3, 32, 32))


def main() -> None:
    archive = os.environ.get("LAYERLAB_TEST_DATA", "../shared/data/cifar10-jpeg.tar.gz")
    data = load_cifar10(archive)
    dataset.require_data = lambda: data            # the handler reads the dataset the server would have
    torch.set_num_threads(max(1, torch.get_num_threads()))
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, median of {REPEATS} runs\n")

    model = network_tab.random_model(None)
    x = normalize(data.test_x[:1])

    def forward():
        with torch.no_grad():
            model(x)

    view = median_ms(lambda: network_tab.render_network(0, None, "random", 1, None, None, None))
    base = median_ms(forward)
    print(f"Network view, tutorial CNN, one image (all {len(list(model.children()))} layers pictured, PNGs, "
          f"torchinfo table, probabilities): {view:7.1f} ms   (goal < {GOAL_MS} ms)")
    print(f"  baseline, the bare forward pass of the same model:                       {base:7.1f} ms")

    spec = twenty_layers()
    deep = median_ms(lambda: network_tab.render_network(0, None, "random", 1, None, None, spec))
    print(f"Network view, the 20-layer network below:                                  {deep:7.1f} ms")

    check = median_ms(lambda: check_spec(spec))
    build = median_ms(lambda: build_model(spec))
    plain = median_ms(lambda: torch_only(spec))
    params = sum(p.numel() for p in build_model(spec).parameters())
    print(f"\n20-layer Sequential ({params:,} parameters):")
    print(f"  shape check only (meta device, layer by layer):      {check:7.1f} ms")
    print(f"  build_model = check + build with named layers:        {build:7.1f} ms")
    print(f"  baseline, plain torch build + one forward, no check:  {plain:7.1f} ms")


if __name__ == "__main__":
    main()
