"""The explorer's handlers as the UI calls them: real CIFAR-10, uploads, bad values, the trained model."""
import base64
import io

import gradio as gr
import numpy as np
import pytest
import torch
from PIL import Image

from nets.data.cifar import normalize
from nets.explorer.layer import out_size
from nets.models import TrainedModel, tutorial_cnn
from ui import dataset, explorer_tab
from nets.explorer.kernels import preset_kernel
from tests.test_explorer_api import picture
from visual.images import data_uri
from visual.maps import feature_maps_grid
from ui.explorer_tab import DEFAULTS, explore, load_preset_grid, step_window, upload_image

OUT = ["status", "input", "output", "maps", "gallery", "hist", "layer_plot", "slide_plot", "slide_text", "step",
       "code", "slide", "grid"]


@pytest.fixture(autouse=True)
def data(cifar, monkeypatch):
    monkeypatch.setattr(dataset, "require_data", lambda: cifar)
    return cifar


def run(model=None, **changes):
    return dict(zip(OUT, explore(**{**DEFAULTS, **changes}, model=model)))


def png(uri) -> np.ndarray:
    return np.asarray(picture(uri).convert("RGB"))


def test_default_view_is_the_tutorials_conv2d_on_64_real_images(data):
    out = run()
    assert "input (64, 3, 32, 32) → output (64, 6, 32, 32)" in out["status"]
    assert "168 parameters = 6·3·3·3 weights + 6 biases" in out["status"]
    assert "✓ the real tensor is 32×32" in out["status"]
    assert "64 images x 6 channels become 128 pictures" in out["status"]   # the tutorial's reshape trick
    grid = png(out["input"])
    first = data.test_x[torch.randperm(10000, generator=torch.Generator().manual_seed(0))[0]]
    scale = grid.shape[1] // (8 * 34 + 2)   # 8 columns of 32 px images with 2 px gaps, enlarged pixel for pixel
    assert np.array_equal(grid[2 * scale:34 * scale:scale, 2 * scale:34 * scale:scale], first.permute(1, 2, 0).numpy())
    assert out["step"]["maximum"] == 32 * 32 - 1 and "✓" in out["slide_text"]


def test_class_and_batch_size_pick_real_labelled_images(data):
    out = run(class_name="cat", batch_size=5, seed=7)
    assert "input (5, 3, 32, 32)" in out["status"] and "Labels: cat, cat, cat, cat, cat" in out["status"]


@pytest.mark.parametrize("changes, message", [
    (dict(stride=0), "stride must be between 1 and 8, got 0"),
    (dict(padding=-1), "padding must be between 0 and 10, got -1"),
    (dict(out_channels=65), "out_channels must be between 1 and 64, got 65"),
    (dict(batch_size=1000), "Batch size must be between 1 and 64"),
    (dict(kernel_size=11, padding=0, kind="Conv2d", dilation=5), "larger than the padded input"),
    (dict(kind="MaxPool2d", pool_kernel=2, pool_padding=2), "at most half the kernel size"),
    (dict(kind="Conv2d", padding_mode="reflect", padding=10, source="cifar10", kernel_size=3, stride=8,
          dilation=1), None),
    (dict(kind="Softmax"), "Layer must be one of"),
    (dict(bias="yes"), "bias must be true or false"),
    (dict(kind="LeakyReLU", negative_slope=float("nan")), "negative_slope must be a number, got nan"),
    (dict(weights="trained"), "no trained model yet"),
    (dict(weights="grid", grid="1 2 3\n4 5"), "must be square"),
    (dict(weights="grid", grid="a b\nc d"), "must be a number"),
    (dict(weights="grid", grid=3.5), "rows of numbers"),
    (dict(weights="grid", grid="1e9"), "between -100 and 100"),
    (dict(kind="Sequential", chain="Conv2d(3, 8, 3)\nLinear(5, 2)"), "expects in_features=5"),
    (dict(kind="Sequential", chain="import os"), "is not a layer"),
    (dict(source="upload"), "Upload an image first"),
    (dict(source="webcam"), "Images must be one of"),
])
def test_bad_values_get_one_clear_sentence(changes, message):
    if message is None:   # reflect padding 10 on 32x32 is legal: it must work
        n = out_size(32, 3, 8, 10)
        assert f"output (64, 6, {n}, {n})" in run(**changes)["status"]
        return
    with pytest.raises(gr.Error, match=message) as info:
        run(**changes)
    assert "\n" not in str(info.value) and "Traceback" not in str(info.value)


def upload(tmp_path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def encoded(img: Image.Image, fmt: str) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt)
    return buf.getvalue()


@pytest.mark.parametrize("mode, fmt", [("RGB", "JPEG"), ("RGBA", "PNG"), ("L", "PNG"), ("I;16", "PNG"),
                                       ("RGB", "WEBP")])
def test_uploads_of_any_format_run_at_32_and_at_their_own_size(tmp_path, mode, fmt):
    rgb = (np.random.default_rng(0).random((300, 700, 3)) * 255).astype(np.uint8)
    img = Image.fromarray(rgb).convert(mode) if mode != "I;16" else Image.fromarray(rgb[:, :, 0].astype(np.uint16) * 257)
    assert img.mode == mode
    state, source = upload_image(upload(tmp_path, f"photo.{fmt.lower()}", encoded(img, fmt)))
    small = run(source=source, upload=state)
    assert "input (1, 3, 32, 32) → output (1, 6, 32, 32)" in small["status"]
    assert f"(700×300, {mode})" in small["status"]
    big = run(source=source, upload=state, resolution="full")
    assert "input (1, 3, 219, 512) → output (1, 6, 219, 512)" in big["status"]


@pytest.mark.parametrize("name, data, message", [
    ("truncated.png", encoded(Image.new("RGB", (64, 64), "red"), "PNG")[:60], "truncated or corrupt"),
    ("text.png", b"this is not an image at all", "not an image"),
    ("huge.png", encoded(Image.new("L", (10000, 10000)), "PNG"), "megapixels"),
], ids=["truncated", "not-an-image", "10000x10000"])
def test_broken_uploads_are_refused_clearly(tmp_path, name, data, message):
    with pytest.raises(gr.Error, match=message):
        upload_image(upload(tmp_path, name, data))


def trained_model() -> TrainedModel:
    torch.manual_seed(0)
    return TrainedModel(model=tutorial_cnn().eval(), classes=tuple(f"class{i}" for i in range(10)), label="my CNN")


def test_trained_model_gives_conv1_weights_and_class_probabilities(data):
    trained = trained_model()
    out = run(model=trained, weights="trained", padding=2)
    assert "output (64, 32, 32, 32)" in out["status"] and "my CNN" in out["status"]
    assert "1·(5-1)" in run(model=trained, weights="trained")["status"]   # conv1's kernel, not the slider's 3
    assert "✓ the real tensor is 30×30" in run(model=trained, weights="trained")["status"]
    out = run(model=trained, kind="Linear", batch_size=4, image=1)
    x = data.test_x[torch.randperm(10000, generator=torch.Generator().manual_seed(0))[:4]]
    probs = trained.model(normalize(x)).softmax(dim=1)
    plot = out["layer_plot"]["data"][0]
    assert plot["y"] == pytest.approx(probs[1].tolist(), abs=1e-4)
    assert f"class{int(probs[0].argmax())}" in out["status"]


def test_sequential_shows_every_stage_and_trained_chain_matches_the_model(data):
    trained = trained_model()
    out = run(model=trained, kind="Sequential", chain_trained=True, batch_size=2)
    assert [caption for _, caption in out["gallery"]] == ["conv1: (2, 32, 32, 32)", "pool1: (2, 32, 16, 16)"]
    assert "floor((32 + 2·2 - 1·(5-1) - 1)/1) + 1 = floor(31/1) + 1 = 32" in out["status"]


def test_stepping_the_window_recomputes_the_value_torch_gave():
    out = run(kernel_size=5, stride=2, padding=2, out_channels=4)
    for step in (0, 17, 255):
        figure, text = step_window(out["slide"], step, 3)
        assert f"Step {step + 1} of 256" in text and "✓" in text and "✗" not in text
        assert figure["layout"]["shapes"][1]["type"] == "rect"
    with pytest.raises(gr.Error, match="Step must be"):
        step_window(out["slide"], -1, 0)


def test_preset_loaded_into_the_grid_becomes_the_kernel():
    grid, weights = load_preset_grid("laplacian", 5)
    rows = [[float(v) for v in line.split()] for line in grid.splitlines()]
    assert weights == "grid" and rows == preset_kernel("laplacian", 5).tolist()
    out = run(weights=weights, grid=grid, kernel_size=5, padding=2)
    assert out["grid"]["value"] == grid and "output (64, 3, 32, 32)" in out["status"]
    resized = run(weights="grid", grid=grid, kernel_size=3)["grid"]["value"]   # the grid follows kernel_size
    assert resized == "0 1 0\n1 -4 1\n0 1 0"


def test_the_tab_builds_inside_the_app():
    with gr.Blocks() as demo:
        controls, outputs, _ = explorer_tab.build(gr.State(None), gr.State(None))
    assert list(controls) == list(DEFAULTS) and len(outputs) == len(OUT)
    assert demo.fns


def test_pooling_shows_the_other_pooling_beside_it_and_the_tutorials_17x17():
    out = run(kind="MaxPool2d", pool_kernel=2, pool_stride=2, pool_padding=1)
    n = out_size(32, 2, 2, 1)
    assert [c for _, c in out["gallery"]] == [f"MaxPool2d: (64, 3, {n}, {n})", f"AvgPool2d: (64, 3, {n}, {n})"]
    assert "not the 16×16 it says" in out["status"]


def test_activations_show_curve_derivative_and_what_they_cut():
    out = run(kind="ReLU", scale="normalize")
    curve, derivative, points = out["layer_plot"]["data"]
    xs = torch.tensor(curve["x"])
    assert curve["y"] == pytest.approx(torch.relu(xs).tolist(), abs=1e-4)
    assert derivative["y"] == pytest.approx((xs > 0).float().tolist(), abs=1e-4)
    row = next(line for line in out["status"].splitlines() if line.startswith("| output |"))
    zero_share = float(row.strip("|").split("|")[5].strip().rstrip("%"))
    assert zero_share > 10      # normalised CIFAR-10 has many negative values for ReLU to cut
    assert "% saturated" in run(kind="Sigmoid")["status"]


def page_update(sent=None, **changes):
    """The page's update (pictures, then what show_later draws) as named parts, and what it remembers as sent."""
    controls = {**DEFAULTS, **changes}
    *pictures, step, image, channel, slide, grid, sent, later = explorer_tab.explore_page(sent, **controls)
    names = [*explorer_tab.PICTURE_PARTS, *explorer_tab.LATER_PARTS, "slide_box", "slide_plot", "slide_text"]
    shown = explorer_tab.show_later(later, slide, controls["step"], controls["channel"])
    return dict(zip(names, [*pictures, *shown]), image=image, channel=channel), sent


def is_skipped(part) -> bool:
    return part == gr.skip()


def test_the_page_gets_pictures_inline_and_only_what_changed():
    first, sent = page_update()
    pictures = first["pictures"]["value"]     # one value for the panels' frames (explorer_layout.SHOW_PICTURES)
    assert set(pictures) == {"explorer-input", "explorer-output", "explorer-maps"}
    assert pictures["explorer-output"]["src"].startswith("data:image/webp;base64,")
    assert pictures["explorer-maps"]["src"].startswith("data:image/png;base64,")   # colour-mapped: a palette
    assert (pictures["explorer-output"]["alt"], pictures["explorer-output"]["download"]) == ("output batch",
                                                                                           "download PNG")
    # Lossless: the page's WebP holds the very pixels of the API's PNG.
    webp = pictures["explorer-output"]["src"].split(",", 1)[1]
    png = explorer_tab.explore(**DEFAULTS)[2].split(",", 1)[1]
    pixels = [np.asarray(Image.open(io.BytesIO(base64.b64decode(b))).convert("RGB")) for b in (webp, png)]
    assert np.array_equal(*pixels)
    again, sent = page_update(sent, colormap="cividis")   # a drawing option: same input, numbers, code
    assert all(is_skipped(again[name]) for name in ("hist", "code"))
    assert set(again["pictures"]["value"]) == {"explorer-maps"}   # only the colour-mapped maps changed
    assert is_skipped(page_update(sent, colormap="cividis")[0]["pictures"])   # nothing changed: nothing sent
    emptied = explorer_tab.explore_page(sent, **{**DEFAULTS, "stride": None})   # a box cleared while typing
    assert is_skipped(emptied)


def test_a_picture_too_wide_for_webp_comes_as_a_png():
    wide = np.arange(64 * 16384, dtype=np.uint8).reshape(64, 16384)   # a (64, 16384) table of numbers, drawn
    head, data = data_uri(wide, "webp").split(",", 1)
    assert head == "data:image/png;base64"                             # WebP holds at most 16383 a side
    assert np.array_equal(np.asarray(Image.open(io.BytesIO(base64.b64decode(data)))), wide)
    assert data_uri(wide[:, :16383], "webp").startswith("data:image/webp;base64,")


def test_colour_mapped_pictures_come_to_the_page_as_pngs_with_their_palette():
    indices, pal = feature_maps_grid(torch.randn(6, 30, 30), "shared", "viridis")
    head, data = data_uri((indices, pal), "webp").split(",", 1)
    assert head == "data:image/png;base64"     # smaller and faster than a WebP for one byte a pixel
    shown = np.asarray(Image.open(io.BytesIO(base64.b64decode(data))).convert("RGB"))
    assert np.array_equal(shown, pal[indices])


def test_linear_and_activations_hide_what_they_do_not_have():
    linear, sent = page_update(kind="Linear")
    assert linear["pictures"]["value"]["explorer-maps"] is None and not linear["slide_box"]["visible"]   # hidden
    relu, _ = page_update(sent, kind="ReLU")      # the maps come back (and their panel shows) after Linear
    assert relu["pictures"]["value"]["explorer-maps"]["src"] and not relu["slide_box"]["visible"]
    pool, _ = page_update(kind="MaxPool2d")
    assert not pool["layer_plot"]["visible"] and pool["slide_box"]["visible"]


def test_the_image_and_channel_sliders_reach_only_what_the_view_has():
    first, sent = page_update()                         # 64 images, Conv2d with 6 output channels
    assert first["image"]["maximum"] == 63 and first["channel"]["maximum"] == 5 and "value" not in first["channel"]
    again, sent = page_update(sent, kernel_size=5)      # same counts: nothing to send
    assert is_skipped(again["image"]) and is_skipped(again["channel"])
    typed, sent = page_update(sent, channel=40)         # past the last channel: the one drawn, 5
    assert typed["channel"]["value"] == 5
    fewer, sent = page_update(sent, image=50, batch_size=4)
    assert (fewer["image"]["maximum"], fewer["image"]["value"]) == (3, 3)
    linear, _ = page_update(sent, kind="Linear")        # scores, no channels: the slider is left as it is
    assert is_skipped(linear["channel"])


def test_one_image_is_not_images():
    status = run(batch_size=1)["status"]
    assert "1 image x 6 channels become 2 pictures" in status and "1 images" not in status


def test_the_window_is_drawn_in_image_coordinates_with_its_padding():
    out = run(kernel_size=3, padding=2, stride=1)
    figure, _ = step_window(out["slide"], 0, 0)
    heatmap = figure["data"][0]
    assert heatmap["x"][0] == -2 and heatmap["y"][0] == -2 and figure["layout"]["xaxis"]["tickformat"] == "d"
    padding = [s for s in figure["layout"]["shapes"] if s.get("fillcolor") and s["line"]["width"] == 0]
    assert len(padding) == 4   # the strips above, below, left and right of the image
    outline = figure["layout"]["shapes"][-2]   # the thick frame around the 3x3 window at the corner
    assert (outline["x0"], outline["x1"], outline["line"]["width"]) == (-2.5, 0.5, 4)


def test_a_language_switch_redraws_the_view_on_screen_and_nothing_before_it():
    with gr.Blocks():
        _, _, (fn, inputs, outputs) = explorer_tab.build(gr.State(None), gr.State(None))
    assert fn(None, None, *DEFAULTS.values()) == gr.skip()     # no view yet (the page has just opened)
    redrawn = fn({"status": "old"}, None, *DEFAULTS.values())
    assert len(inputs) == 2 + len(DEFAULTS) and len(redrawn) == len(outputs)
    assert "✓ the real tensor is 32×32" in redrawn[0]["value"]    # every part sent again, not skipped
    assert set(redrawn[1]["value"]) == {"explorer-input", "explorer-output", "explorer-maps"}   # with their words


def test_an_update_computed_meanwhile_keeps_the_step_the_learner_typed():
    """The page's update was computed for step 0 while the learner typed 500: the box keeps 500 and the
    window is drawn there; only a step the new map cannot hold is put back in range."""
    *_, step, _, _, slide, _, _, later = explorer_tab.explore_page(None, **DEFAULTS)
    assert "value" not in step and step["maximum"] == 1023
    _, _, _, _, _, said = explorer_tab.show_later(later, slide, 500, 0)
    assert "Step 501 of 1024" in said
    *_, step, _, _, _, _, _, _ = explorer_tab.explore_page(None, **{**DEFAULTS, "step": 1030})
    assert step["value"] == 6


def test_the_flatten_note_for_one_image_says_what_a_real_batch_would_need(data):
    one, batch = run(kind="Linear", batch_size=1)["status"], run(kind="Linear", batch_size=4)["status"]
    assert "drops the batch dimension" in one and "Linear(196608, 10)" in one and "instead of" not in one
    assert "for all 4 images together (122,890 parameters instead of 30,730)" in batch


def test_the_page_reads_the_layer_controls_from_the_one_value_it_keeps():
    kept = {name: DEFAULTS[name] for name in explorer_tab.KEPT}
    others = {name: DEFAULTS[name] for name in DEFAULTS if name not in explorer_tab.KEPT}
    status = explorer_tab.explore_kept(None, None, {**kept, "stride": 2}, **others)[0]["value"]
    assert "stride=2," in status and "output (64, 6, 16, 16)" in status
    assert is_skipped(explorer_tab.explore_kept(None, None, "not the page's", **others))
    assert is_skipped(explorer_tab.explore_kept(None, None, {"stride": 2}, **others))   # the others missing


def test_while_a_slider_is_held_the_page_gets_pictures_and_the_release_brings_the_rest():
    """A dragged slider's updates (`moving` in the kept value) carry the pictures and the status alone; the
    release's update sends the figures and the code, and not the pictures again."""
    kept = {name: DEFAULTS[name] for name in explorer_tab.KEPT}
    others = {name: DEFAULTS[name] for name in DEFAULTS if name not in explorer_tab.KEPT}
    status, pictures, *_, sent, later = explorer_tab.explore_kept(None, None, {**kept, "kernel_size": 5,
                                                                               "moving": True}, **others)
    assert "output (64, 6, 30, 30)" in status["value"] and later is None   # nothing for show_later to draw
    assert set(pictures["value"]) == {"explorer-input", "explorer-output", "explorer-maps"}
    released = explorer_tab.explore_kept(sent, None, {**kept, "kernel_size": 5, "moving": False}, **others)
    assert is_skipped(released[0]) and is_skipped(released[1])       # status and pictures: already shown
    hist, layer_plot, code, *_ = explorer_tab.show_later(released[-1], released[-4], 0, 0)
    assert hist["value"]["data"] and layer_plot["value"]["data"] and "kernel_size=5" in code["value"]
