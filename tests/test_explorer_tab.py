"""The explorer's handlers as the UI calls them: real CIFAR-10, uploads, bad values, the trained model."""
import base64
import copy
import io

import gradio as gr
import numpy as np
import pytest
import torch
from PIL import Image

from nets.data.cifar import normalize
from nets.explorer.layer import out_size
from nets.models import TrainedModel, tutorial_cnn
from ui.common import dataset
from ui.explorer import tab as explorer_tab
from nets.explorer.kernels import preset_kernel
from tests.test_explorer_api import picture
from visual import explorer as explorer_pictures
from visual.images import data_uri
from visual.maps import feature_maps_grid
from ui.explorer.inputs import KEPT
from ui.explorer.tab import DEFAULTS, Shown, answer, compute, load_preset_grid, show_view, step_window, upload_image

OUT = ["status", "input", "output", "maps", "gallery", "hist", "layer_plot", "slide_plot", "slide_text", "last_step",
       "code", "grid"]


@pytest.fixture(autouse=True)
def data(cifar, monkeypatch):
    monkeypatch.setattr(dataset, "require_data", lambda: cifar)
    return cifar


def run(model=None, **changes):
    """/explore's answer by name, with the visitor's trained model or decoded upload as the page has them."""
    return dict(zip(OUT, answer(model, {**DEFAULTS, **changes})))


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
    assert out["last_step"] == 32 * 32 - 1 and "✓" in out["slide_text"]


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
    slide = compute(None, {**DEFAULTS, **dict(kernel_size=5, stride=2, padding=2, out_channels=4)}).view.slide
    for step in (0, 17, 255):
        figure, text = step_window(slide, step, 3)
        assert f"Step {step + 1} of 256" in text and "✓" in text and "✗" not in text
        assert figure["layout"]["shapes"][1]["type"] == "rect"
    with pytest.raises(gr.Error, match="Step must be"):
        step_window(slide, -1, 0)


def test_preset_loaded_into_the_grid_becomes_the_kernel():
    grid, weights = load_preset_grid("laplacian", 5)
    rows = [[float(v) for v in line.split()] for line in grid.splitlines()]
    assert weights == "grid" and rows == preset_kernel("laplacian", 5).tolist()
    out = run(weights=weights, grid=grid, kernel_size=5, padding=2)
    assert out["grid"] == grid and "output (64, 3, 32, 32)" in out["status"]
    resized = run(weights="grid", grid=grid, kernel_size=3)["grid"]   # the grid follows kernel_size
    assert resized == "0 1 0\n1 -4 1\n0 1 0"


def test_the_tab_builds_inside_the_app():
    with gr.Blocks() as demo:
        values = explorer_tab.page_values()
        with gr.Tabs():
            controls, drive, _ = explorer_tab.build(gr.State(None), gr.State(None), values)
    assert list(controls) == list(DEFAULTS) and drive.redraw[2] == list(explorer_tab.ExplorerPage(*drive.redraw[2]))
    api = [fn for fn in demo.fns.values() if fn.api_name == "explore"]
    assert len(api) == 1 and not api[0].targets     # gr.api: no component triggers it
    assert len(api[0].outputs) == len(OUT)


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


def show(shown, part="pictures", moving=False, **changes) -> dict:
    """The page's update (show_view) for the default controls with these changes, by part; parts left as the page
    shows them are absent."""
    controls = {**DEFAULTS, **changes}
    kept = {**{name: controls[name] for name in KEPT}, "moving": moving}
    page = show_view(shown, None, kept, controls["grid"], controls["chain"], controls["step"], controls["upload"],
                     part=part, follow_moving=True)
    return {} if page == gr.skip() else {k: v for k, v in page._asdict().items() if not is_skipped(v)}


def page_update(shown, **changes) -> dict:
    """The pictures, then the figures of the same update, as the page draws them."""
    return {**show(shown, **changes), **show(shown, "figures", **changes)}


def is_skipped(part) -> bool:
    return isinstance(part, dict) and part == gr.skip()


def test_the_page_gets_pictures_inline_and_only_what_changed():
    shown = Shown()
    first = page_update(shown)
    pictures = first["pictures"]     # one value for the panels' frames (ui/explorer/pictures.py)
    assert set(pictures) == {"explorer-input", "explorer-output", "explorer-maps"}
    assert pictures["explorer-output"]["src"].startswith("data:image/webp;base64,")
    assert pictures["explorer-maps"]["src"].startswith("data:image/png;base64,")   # colour-mapped: a palette
    assert (pictures["explorer-output"]["alt"], pictures["explorer-output"]["download"]) == ("output batch",
                                                                                           "download PNG")
    # Lossless: the page's WebP holds the very pixels of the API's PNG.
    webp = pictures["explorer-output"]["src"].split(",", 1)[1]
    png = run()["output"].split(",", 1)[1]
    pixels = [np.asarray(Image.open(io.BytesIO(base64.b64decode(b))).convert("RGB")) for b in (webp, png)]
    assert np.array_equal(*pixels)
    again = page_update(shown, colormap="cividis")   # a drawing option: same input, numbers, code
    assert "hist" not in again and "code" not in again
    assert set(again["pictures"]) == {"explorer-maps"}   # only the colour-mapped maps changed
    assert "pictures" not in page_update(shown, colormap="cividis")   # nothing changed: nothing sent
    assert show(shown, stride=None) == {}   # a box cleared while typing: the page stays


def test_linear_and_activations_hide_what_they_do_not_have():
    shown = Shown()
    linear = page_update(shown, kind="Linear")
    assert linear["pictures"]["explorer-maps"] is None and not linear["slide_box"]["visible"]   # hidden
    relu = page_update(shown, kind="ReLU")      # the maps come back (and their panel shows) after Linear
    assert relu["pictures"]["explorer-maps"]["src"] and not relu["slide_box"]["visible"]
    pool = page_update(Shown(), kind="MaxPool2d")
    assert not pool["layer_plot"]["visible"] and pool["slide_box"]["visible"]


def test_the_image_and_channel_sliders_reach_only_what_the_view_has():
    shown = Shown()
    first = page_update(shown)                         # 64 images, Conv2d with 6 output channels
    assert first["image"]["maximum"] == 63 and first["channel"]["maximum"] == 5 and "value" not in first["channel"]
    again = page_update(shown, kernel_size=5)      # same counts: nothing to send
    assert "image" not in again and "channel" not in again
    typed = page_update(shown, channel=40)         # past the last channel: the one drawn, 5
    assert typed["channel"]["value"] == 5
    fewer = page_update(shown, image=50, batch_size=4)
    assert (fewer["image"]["maximum"], fewer["image"]["value"]) == (3, 3)
    linear = page_update(shown, kind="Linear")        # scores, no channels: the slider is left as it is
    assert "channel" not in linear


def test_one_image_is_not_images():
    status = run(batch_size=1)["status"]
    assert "1 image x 6 channels become 2 pictures" in status and "1 images" not in status


def test_the_window_is_drawn_in_image_coordinates_with_its_padding():
    slide = compute(None, {**DEFAULTS, "kernel_size": 3, "padding": 2, "stride": 1}).view.slide
    figure, _ = step_window(slide, 0, 0)
    heatmap = figure["data"][0]
    assert heatmap["x"][0] == -2 and heatmap["y"][0] == -2 and figure["layout"]["xaxis"]["tickformat"] == "d"
    padding = [s for s in figure["layout"]["shapes"] if s.get("fillcolor") and s["line"]["width"] == 0]
    assert len(padding) == 4   # the strips above, below, left and right of the image
    outline = figure["layout"]["shapes"][-2]   # the thick frame around the 3x3 window at the corner
    assert (outline["x0"], outline["x1"], outline["line"]["width"]) == (-2.5, 0.5, 4)


def test_a_language_switch_redraws_the_view_on_screen_and_nothing_before_it():
    with gr.Blocks():
        values = explorer_tab.page_values()
        with gr.Tabs():
            _, _, (fn, inputs, outputs) = explorer_tab.build(gr.State(None), gr.State(None), values)
    kept = {**{name: DEFAULTS[name] for name in KEPT}, "moving": False}
    values = (None, kept, DEFAULTS["grid"], DEFAULTS["chain"], DEFAULTS["step"], None)
    shown = Shown()
    assert fn(shown, *values) == gr.skip()     # no view yet (the page has just opened)
    page_update(shown)
    redrawn = fn(shown, *values)
    assert len(inputs) == 1 + len(values) and len(redrawn) == len(outputs)
    assert "✓ the real tensor is 32×32" in redrawn.status    # every part sent again, not skipped
    assert set(redrawn.pictures) == {"explorer-input", "explorer-output", "explorer-maps"}   # with their words
    assert redrawn.hist["value"]["data"] and "kernel_size=3" in redrawn.code["value"]   # the figures with them


def test_an_update_computed_meanwhile_keeps_the_step_the_learner_typed():
    """The page's update was computed for step 0 while the learner typed 500: the box keeps 500 and the
    window is drawn there; only a step the new map cannot hold is put back in range."""
    shown = Shown()
    pictures = show(shown)
    assert "value" not in pictures["step"] and pictures["step"]["maximum"] == 1023
    assert "Step 501 of 1024" in show(shown, "figures", step=500)["slide_text"]
    assert show(Shown(), step=1030)["step"]["value"] == 6


def test_the_flatten_note_for_one_image_says_what_a_real_batch_would_need(data):
    one, batch = run(kind="Linear", batch_size=1)["status"], run(kind="Linear", batch_size=4)["status"]
    assert "drops the batch dimension" in one and "Linear(196608, 10)" in one and "instead of" not in one
    assert "for all 4 images together (122,890 parameters instead of 30,730)" in batch


def test_the_page_reads_the_layer_controls_from_the_one_value_it_keeps():
    kept = {**{name: DEFAULTS[name] for name in KEPT}, "stride": 2}
    page = show_view(Shown(), None, kept, DEFAULTS["grid"], DEFAULTS["chain"], 0, None)
    assert "stride=2," in page.status and "output (64, 6, 16, 16)" in page.status
    assert show_view(Shown(), None, "not the page's", DEFAULTS["grid"], DEFAULTS["chain"], 0, None) == gr.skip()
    assert show_view(Shown(), None, {"stride": 2}, DEFAULTS["grid"], DEFAULTS["chain"], 0, None) == gr.skip()


def pixels(picture: dict) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(picture["src"].split(",", 1)[1]))).convert("RGB"))


def test_while_a_slider_is_held_the_page_gets_pictures_and_the_release_brings_the_rest():
    """A held slider's updates (`moving` in the kept value) carry the pictures, as previews, and the status alone,
    and ask for no figures; the release's update brings the exact pictures, not computed again, and asks for the
    figures and the code."""
    explorer_pictures.URIS.clear()   # pictures whose exact encoding is known are sent exact
    shown = Shown()
    held = show(shown, kernel_size=5, moving=True)
    assert "output (64, 6, 30, 30)" in held["status"] and "figures_due" not in held
    assert show(shown, "figures") == {}   # none wait
    assert set(held["pictures"]) == {"explorer-input", "explorer-output", "explorer-maps"}
    preview = held["pictures"]["explorer-output"]
    assert preview["src"].startswith("data:image/jpeg;base64,")
    # The release's own event (its change of `kept`, which may wait for a held update, finds the view drawn).
    kept = {**{name: DEFAULTS[name] for name in KEPT}, "kernel_size": 5}
    released = explorer_tab.show_view(shown, None, kept, DEFAULTS["grid"], DEFAULTS["chain"], 0, None)
    released = {k: v for k, v in released._asdict().items() if not is_skipped(v)}
    assert "figures_due" in released and "status" not in released   # already shown
    exact = released["pictures"]["explorer-output"]
    assert exact["src"].startswith("data:image/webp;base64,")
    assert np.array_equal(pixels(exact), png(run(kernel_size=5)["output"]))   # the API's very pixels
    assert np.abs(pixels(preview).astype(int) - pixels(exact)).mean() < 8     # the preview: close, and cheap
    later = show(shown, "figures")
    assert later["hist"]["value"]["data"] and later["layer_plot"]["value"]["data"] and "kernel_size=5" in \
        later["code"]["value"]


def test_a_release_overtakes_the_held_update_of_another_value():
    """The release is sent while a held update of the value passed before may still run: it draws the value
    released on, exact, and the held update, overtaken, leaves its drawing."""
    explorer_pictures.URIS.clear()
    shown = Shown()
    page_update(shown)
    passed = shown.start(True, {**DEFAULTS, "kernel_size": 4})   # held, still running
    released = explorer_tab.show_view(shown, None, {**{name: DEFAULTS[name] for name in KEPT}, "kernel_size": 5},
                                      DEFAULTS["grid"], DEFAULTS["chain"], 0, None)
    released = {k: v for k, v in released._asdict().items() if not is_skipped(v)}
    assert "output (64, 6, 30, 30)" in released["status"] and "figures_due" in released
    assert np.array_equal(pixels(released["pictures"]["explorer-output"]), png(run(kernel_size=5)["output"]))
    assert "kernel_size=5" in show(shown, "figures")["code"]["value"]   # the figures of the value released on
    assert shown.stale(passed)
    assert shown.fresh({"status": "kernel_size=4"}, n=passed) is None   # drawn now: not sent after the release


def test_the_held_update_that_waited_for_a_release_is_drawn_as_the_full_update_it_follows():
    """A held update that waited while the release's own update ran comes with `moving` still set and may have read
    another step: it is drawn as a full update, its figures next, not as a preview without them."""
    shown = Shown()
    page_update(shown)
    show(shown, kernel_size=5)                                  # the release's update
    waited = show(shown, kernel_size=5, moving=True, step=3)    # the change of `kept` that waited
    assert "figures_due" in waited and "data:image/jpeg" not in str(waited)
    assert "kernel_size=5" in show(shown, "figures")["code"]["value"]
    assert "figures_due" not in show(shown, kernel_size=6, moving=True)   # the hand holds it again: a preview


def test_a_hand_resting_on_a_held_slider_gets_the_exact_pictures_of_the_newest_preview():
    """The page asks for "exact" when the hand rests on a preview: the exact pictures of the newest drawing, each
    time it asks (a held update's preview may reach it after the release's exact pictures); none when a newer
    update has started (its pictures must come last)."""
    explorer_pictures.URIS.clear()   # pictures whose exact encoding is known are sent exact
    shown = Shown()
    page_update(shown)
    held = show(shown, kernel_size=7, moving=True)
    assert set(held["pictures"]) == {"explorer-output", "explorer-maps"}   # the input is unchanged: not sent
    assert held["pictures"]["explorer-output"]["src"].startswith("data:image/jpeg")
    for _ in range(2):
        exact = show(shown, "exact")
        assert set(exact["pictures"]) == {"explorer-input", "explorer-output", "explorer-maps"}
        assert np.array_equal(pixels(exact["pictures"]["explorer-output"]), png(run(kernel_size=7)["output"]))
    show(shown, kernel_size=5, moving=True)
    shown.start(True, {**DEFAULTS, "kernel_size": 4})    # a newer held update starts
    assert show(shown, "exact") == {}


def test_a_held_slider_reuses_its_batch_and_sends_the_window_range_when_it_changes():
    """The updates of one batch share it, its floats' statistics and its picture (made once); another seed brings
    its own batch and numbers, checked against torch. The window's range is sent when the map's size changes."""
    shown = Shown()
    first = show(shown, out_channels=4, moving=True)
    assert first["step"]["maximum"] == 32 * 32 - 1
    same_size = show(shown, out_channels=5, moving=True)
    assert "step" not in same_size and "explorer-maps" in same_size["pictures"]
    assert show(shown, out_channels=5, kernel_size=5, moving=True)["step"]["maximum"] == 30 * 30 - 1
    images = dataset.require_data().test_x
    for seed in (0, 1, 0):
        view = compute(None, dict(DEFAULTS, seed=seed)).view
        pick = torch.randperm(len(images), generator=torch.Generator().manual_seed(seed))[:64]
        assert torch.equal(view.x_u8, images[pick])
        unit = images[pick].float() / 255
        stats = view.stats[0][1]
        assert (stats["min"], stats["max"]) == (float(unit.min()), float(unit.max()))
        assert stats["mean"] == pytest.approx(float(unit.mean()), rel=1e-5)
    assert compute(None, dict(DEFAULTS, kernel_size=5)).view.x_u8 is view.x_u8   # remembered, not drawn again


def test_an_overtaken_update_leaves_its_work():
    """Every event of a visitor's page gets the same Shown: an update still computing when a newer one starts
    draws nothing (a held slider's by any newer update, a full one by a newer full one); a release on the value
    a held slider's update draws (running or done) leaves the drawing to it, and its figures follow."""
    shown, controls = Shown(), dict(DEFAULTS)
    five, seven = {**controls, "kernel_size": 5}, {**controls, "kernel_size": 7}
    held = shown.start(True, five)
    release = shown.start(False, controls)            # released on another value
    assert shown.stale(held) and not shown.stale(release)
    shown.done(held, None), shown.done(release, "drawn 3")
    assert shown.waiting == ("drawn 3", release)      # its figures come next
    assert shown.start(True, controls) is None        # held on the values the release's update drew
    held = shown.start(True, five)
    assert shown.start(False, five) is None and not shown.stale(held)   # released while 5 is being drawn
    shown.done(held, "drawn 5")
    assert shown.waiting == ("drawn 5", held)
    held = shown.start(True, seven)
    shown.done(held, "drawn 7")                       # drawn before the release came
    assert shown.start(False, seven) is None and shown.waiting == ("drawn 7", held)
    newer = shown.start(False, controls)
    assert shown.stale(held) and not shown.stale(newer)
    assert compute(None, controls, stale=lambda: True) is None   # no drawing for an overtaken update
    assert copy.deepcopy(shown).started == 0                     # each visitor starts with a Shown of their own


def test_an_update_refused_after_overtaking_leaves_the_figures_of_the_pictures_on_screen():
    """Update N's pictures show; N+1 starts before N's figures are asked for and is refused: the page keeps N's
    pictures, so N's figures are drawn, not dropped as overtaken (they were: the figures of N-1 stayed beside N)."""
    shown = Shown()
    page_update(shown)
    pictures = show(shown, kernel_size=5)                        # N: its pictures are on the page
    assert "figures_due" in pictures
    refused = show(shown, kind="Sequential", chain="Conv2d(4, 5, 3)")   # N+1 starts, and is refused
    assert refused["chain_error"]["visible"] and "pictures" not in refused
    figures = show(shown, "figures", kernel_size=5)              # N's figures, asked for after N+1 began
    assert "kernel_size=5" in figures["code"]["value"]


def test_a_refusal_while_held_leaves_the_exact_pictures_of_the_preview_before_it():
    """Held on pool_padding 1 (a preview), then 2, which torch refuses for a 2x2 window: the refusal comes beside
    the exact pictures of padding 1, not its preview for good."""
    explorer_pictures.URIS.clear()
    shown = Shown()
    page_update(shown, kind="MaxPool2d")
    held = show(shown, kind="MaxPool2d", pool_padding=1, moving=True)
    assert held["pictures"]["explorer-output"]["src"].startswith("data:image/jpeg")
    refused = show(shown, kind="MaxPool2d", pool_padding=2, moving=True)
    assert refused["status"]["value"].startswith("✗") and refused["status"]["visible"]
    exact = refused["pictures"]["explorer-output"]
    assert np.array_equal(pixels(exact), png(run(kind="MaxPool2d", pool_padding=1)["output"]))
