"""The explorer's pictures and figures against torch and plotly themselves."""
import json

import numpy as np
import plotly.graph_objects as go
import pytest
import torch
from torchvision.utils import make_grid

from nets.explorer.layer import value_stats
from visual import layer_figures as figs
from visual.images import image_grid
from visual.maps import LUTS, batch_view, feature_maps_grid, palette, to_uint8


@pytest.fixture
def y():
    torch.manual_seed(0)
    return torch.randn(5, 6, 9, 7)


def test_value_stats_equal_torchs(y):
    y = torch.relu(y)
    s = value_stats(y, "Sigmoid")
    assert s["min"] == y.min().item() and s["max"] == y.max().item()
    assert s["mean"] == pytest.approx(y.mean().item(), rel=1e-5)
    assert s["std"] == pytest.approx(y.std(unbiased=False).item(), rel=1e-4)
    assert s["zero"] == pytest.approx((y == 0).float().mean().item())
    assert s["saturated"] == pytest.approx(((y < 0.01) | (y > 0.99)).float().mean().item())


@pytest.mark.parametrize("scale", ["shared", "per_map", "clip"])
def test_to_uint8_matches_torch_scaling(y, scale):
    if scale == "shared":
        ref = (y - y.min()) / (y.max() - y.min())
    elif scale == "per_map":
        low = y.amin(dim=(2, 3), keepdim=True)
        ref = (y - low) / (y.amax(dim=(2, 3), keepdim=True) - low)
    else:
        ref = y.clamp(0, 1)   # TensorBoard's add_images clips floats to 0..1
    expected = (ref * 255).round()
    assert (to_uint8(y, scale).float() - expected).abs().max() <= 1


def test_constant_maps_are_mid_grey_not_nan():
    assert to_uint8(torch.full((1, 2, 3, 3), 4.2), "per_map").unique().tolist() == [128]


def test_tutorial_reshape_view_is_torch_reshape(y):
    shown, note = batch_view(y, "reshape")
    assert torch.equal(shown, torch.reshape(y, (-1, 3, 9, 7))) and "become 10 pictures" in str(note)
    assert "变成 10 张图" in note.words("zh-CN")
    one, note = batch_view(y[:, :4], "reshape", channel=2)   # 4 channels cannot be regrouped in threes
    assert torch.equal(one, y[:, 2:3]) and "divisible by 3" in str(note) and "整除" in note.words("zh-CN")


def test_feature_map_picture_is_the_colour_map_of_each_channel(y):
    indices, pal = feature_maps_grid(y[0], "per_map", "viridis")
    assert pal[255].tolist() == [255, 255, 255]                      # the gaps between tiles
    scale = indices.shape[1] // (3 * (7 + 2) + 2)    # 3 columns of 7 px maps with 2 px gaps, enlarged
    tile = indices[2 * scale:(2 + 9) * scale:scale, 2 * scale:(2 + 7) * scale:scale]
    expected = to_uint8(y[0][None, :1], "per_map")[0, 0].numpy().astype(int) * 254 // 255
    assert np.array_equal(tile, expected)
    assert np.array_equal(pal[0], LUTS["viridis"][0]) and np.array_equal(pal[254], LUTS["viridis"][255])


def test_histogram_counts_every_value_once(y):
    fig = figs.histogram_figure(y, torch.relu(y))
    assert sum(fig["data"][0]["y"]) == y.numel() == sum(fig["data"][1]["y"])
    go.Figure(fig)   # plotly accepts the hand-written JSON


def test_histogram_bins_are_numpys_and_skip_what_is_not_a_number(y):
    counts, edges = figs.value_counts(y.flatten(), 60)
    expected, expected_edges = np.histogram(y.numpy(), 60)
    assert counts.tolist() == expected.tolist() and np.allclose(edges, expected_edges, atol=1e-5)
    broken = torch.cat([y.flatten(), torch.tensor([float("nan"), float("inf"), -float("inf")])])
    assert figs.value_counts(broken, 60)[0].tolist() == expected.tolist()


def test_figures_are_valid_plotly_without_nan(y):
    xs = torch.linspace(-6, 6, 50)
    pad = torch.full((11, 9), float("-inf"))
    pad[1:10, 1:8] = y[0, 0]
    for fig in (figs.kernel_figure(y[0, :3, :3, :3], 0.5, 0),
                figs.activation_figure("ReLU", xs, torch.relu(xs), (xs > 0).float(), y.flatten(), torch.relu(y.flatten())),
                figs.sliding_figure(pad, (-1, -1), (9, 7), [(-1, -1), (-1, 0)], y[0, 0], (0, 0), (0, 0), "t"),
                figs.probabilities_figure("ab", torch.tensor([0.25, 0.75]), "p"),
                figs.values_figure(y[0, 0, 0], "v")):
        go.Figure(fig)
        assert "NaN" not in fig.to_json() and json.loads(fig.to_json()) == json.loads(json.dumps(fig))


def test_palette_is_colour_blind_safe_viridis_or_cividis():
    for name in ("viridis", "cividis"):
        lum = palette(name)[:255] @ np.array([0.299, 0.587, 0.114])
        assert np.all(np.diff(lum) > -1.5)   # brightness rises monotonically: readable without hue


@pytest.mark.parametrize("b, c, columns", [(64, 3, 8), (128, 3, 16), (5, 1, 3), (17, 3, 16), (2, 3, 8), (9, 1, 3)])   # make_grid leaves one image unpadded
def test_image_grid_is_torchvisions_make_grid(b, c, columns):
    batch = torch.randint(0, 256, (b, c, 7, 9), dtype=torch.uint8, generator=torch.Generator().manual_seed(b))
    grid = image_grid(batch, columns=columns)
    reference = make_grid(batch, nrow=columns, padding=2, pad_value=255)[:c].permute(1, 2, 0).numpy()
    assert grid.flags.c_contiguous and np.array_equal(grid, reference)
