"""The Training tab's endpoints: bad settings refused, updates streamed, Stop and cancel honoured."""
import time

import gradio as gr
import pytest
from gradio_client.utils import Status

from nets.builder.spec import build_model, check_spec
from nets.models import tutorial_cnn
from nets.train.checkpoint import load_checkpoint, save_checkpoint
from nets.train.config import TrainConfig
from ui.common import dataset
from nets import limits
from ui.training.model import UPLOAD_SCORE_IMAGES, images_within_budget, load_uploaded
from ui.training.run import config_from_controls

# The /train endpoint's parameters, in its order (positional callers rely on it).
TINY = dict(optimizer="adam", lr=0.002, momentum=0.9, weight_decay=5e-4, batch_size=64, epochs=2,
            schedule="onecycle", augment=True, seed=0, device="cpu", train_images=1280, test_images=500,
            max_steps=0, from_current=False)
BAD = [
    (dict(lr=0), "learning rate"), (dict(lr=1e6), "learning rate"), (dict(batch_size=0), "batch size"),
    (dict(batch_size=2000, train_images=1280), "batch size"), (dict(epochs=0), "epochs"),
    (dict(optimizer="lbfgs"), "optimizer"), (dict(device="tpu"), "device"), (dict(lr="fast"), "learning rate"),
]


@pytest.fixture(scope="module")
def loaded(cifar_archive, cache_dir, cifar):
    """The app's dataset in this process (read from the cache the cifar fixture wrote)."""
    dataset.configure(cifar_archive, cache_dir=cache_dir)
    assert dataset.LOADER.wait(120) is not None
    return dataset.LOADER.data


@pytest.mark.parametrize("change, words", BAD)
def test_bad_settings_are_refused_by_the_handler(loaded, change, words):
    with pytest.raises(gr.Error, match=f"(?i){words}"):
        config_from_controls({**TINY, **change})


def test_the_train_endpoint_keeps_its_parameter_names_order_and_defaults(client):
    params = client.view_api(return_format="dict", print_info=False)["named_endpoints"]["/train"]["parameters"]
    defaults = {**TrainConfig().to_dict(), "from_current": False}
    assert [(p["parameter_name"], p["parameter_default"]) for p in params] == [(k, defaults[k]) for k in TINY]
    assert all(p["parameter_has_default"] for p in params)


@pytest.mark.parametrize("change, words", BAD)
def test_bad_settings_are_refused_through_the_api(client, change, words):
    with pytest.raises(Exception, match=f"(?i){words}"):
        client.predict(*{**TINY, **change}.values(), api_name="/train")


def test_training_streams_updates_and_ends_with_a_checkpoint(client):
    # 200 steps: seconds on any CPU, so the charts are redrawn (every 0.5 s at most) along the way.
    job = client.submit(*{**TINY, "train_images": 6400}.values(), api_name="/train")
    final = job.result(timeout=180)
    updates = job.outputs()
    assert len(updates) >= 3   # the start, redraws while training, the end
    assert "Done" in final[0] and "test accuracy" in final[0]
    ckpt = load_checkpoint(final[-1])
    assert ckpt.epoch == 2 and ckpt.config["train_images"] == 6400 and len(ckpt.classes) == 10


def first_update(job, timeout=120):
    deadline = time.monotonic() + timeout
    while not job.outputs():
        assert time.monotonic() < deadline, "no update streamed"
        time.sleep(0.1)


def test_stop_ends_the_run_and_keeps_the_model(client):
    job = client.submit(*{**TINY, "epochs": 20, "train_images": 0}.values(), api_name="/train")
    first_update(job)
    client.predict(api_name="/stop_training")
    final = job.result(timeout=60)
    assert "Stopped" in final[0]
    ckpt = load_checkpoint(final[-1])   # the weights trained so far, saved and loadable
    assert ckpt.epoch < 20


def test_cancel_stops_the_training_and_frees_the_queue(client):
    long = client.submit(*{**TINY, "epochs": 50, "train_images": 0}.values(), api_name="/train")
    first_update(long)
    waiting = client.submit(*TINY.values(), api_name="/train")
    deadline = time.monotonic() + 30
    while waiting.status().code != Status.IN_QUEUE:   # one run at a time: the second one waits its turn
        assert time.monotonic() < deadline, f"second run not queued: {waiting.status().code}"
        time.sleep(0.1)
    assert waiting.status().rank is not None
    long.cancel()
    final = waiting.result(timeout=120)   # would wait behind 50 epochs if the cancelled run kept going
    assert "Done" in final[0]


def test_uploading_a_pickle_is_refused(loaded, tmp_path):
    path = tmp_path / "model.pth"
    path.write_bytes(b"\x80\x04\x95" + bytes(20))
    with pytest.raises(gr.Error, match="(?i)refused|not a readable"):
        load_uploaded({"path": str(path)}, None)


def conv_stack(depth: int) -> list[dict]:
    """depth Conv2d(64, 64, 3) at full resolution: the issue's 51-layer checkpoint, at any depth."""
    convs = [{"type": "Conv2d", "in_channels": 64, "out_channels": 64, "kernel_size": 3, "padding": 1}] * depth
    return [{"type": "Conv2d", "in_channels": 3, "out_channels": 64, "kernel_size": 3, "padding": 1}, *convs,
            {"type": "AvgPool2d", "kernel_size": 32}, {"type": "Flatten"},
            {"type": "Linear", "in_features": 64, "out_features": 10}]


def test_scoring_a_network_costs_at_most_the_request_budget():
    assert images_within_budget(tutorial_cnn(), UPLOAD_SCORE_IMAGES) == UPLOAD_SCORE_IMAGES
    mid = conv_stack(8)
    assert images_within_budget(build_model(mid), UPLOAD_SCORE_IMAGES) == limits.MAX_REQUEST_MACS // check_spec(mid).macs
    issue = conv_stack(51)   # 300 s on all 10,000 test images in the issue; 100 of them now
    n = images_within_budget(build_model(issue), UPLOAD_SCORE_IMAGES)
    assert n >= 100 and n * check_spec(issue).macs <= limits.MAX_REQUEST_MACS


def test_an_uploaded_checkpoint_is_scored_on_a_bounded_subset(loaded, tmp_path):
    path = save_checkpoint(tmp_path / "tutorial.safetensors", tutorial_cnn().state_dict(), classes=loaded.classes)
    text = load_uploaded({"path": str(path)}, None).upload_status
    assert f"on {UPLOAD_SCORE_IMAGES:,} test images" in text
    big = conv_stack(8)   # the network stored in the checkpoint itself: 20x the tutorial's work per image
    path = save_checkpoint(tmp_path / "deep.safetensors", build_model(big).state_dict(), arch=big,
                           classes=loaded.classes)
    text = load_uploaded({"path": str(path)}, None).upload_status
    assert f"on {limits.MAX_REQUEST_MACS // check_spec(big).macs:,} test images" in text


@pytest.fixture(scope="module")
def chinese_client(app_url):
    from gradio_client import Client
    return Client(app_url, verbose=False, headers={"Accept-Language": "zh-CN"})


def test_a_chinese_api_caller_reads_the_status_and_refusals_in_chinese(chinese_client, client):
    final = chinese_client.predict(*{**TINY, "epochs": 1}.values(), api_name="/train")
    assert "完成：" in final[0] and "测试准确率" in final[0] and "Done" not in final[0]
    with pytest.raises(Exception, match="学习率"):
        chinese_client.predict(*{**TINY, "lr": 0}.values(), api_name="/train")
    with pytest.raises(Exception, match="(?i)learning rate"):   # English by default
        client.predict(*{**TINY, "lr": 0}.values(), api_name="/train")
