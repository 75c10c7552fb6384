"""The Training tab's endpoints: bad settings refused, updates streamed, Stop and cancel honoured."""
import time

import gradio as gr
import pytest
from gradio_client.utils import Status

from nets.train.checkpoint import load_checkpoint
from nets.train.config import TrainConfig
from ui import dataset
from ui.training_run import config_from_controls, load_uploaded

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
        load_uploaded(str(path), None)
