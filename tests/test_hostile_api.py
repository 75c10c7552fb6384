"""Every endpoint of the running app, attacked through the API, bypassing the UI's bounds."""
from tests.conftest import TINY_TRAINING
from tests.hostile import attack, crashes_in_our_code, hostile_files

# Valid values around each hostile one for the training endpoint: a hostile value the server rightly
# accepts (augment="yes" is truthy) then starts seconds of training, not the default ten epochs.
TINY_RUN = {"/train": TINY_TRAINING}


def test_every_endpoint_survives_hostile_input_with_clear_errors(client, app_url, app_log, tmp_path, monkeypatch):
    proof = tmp_path / "pickle-ran"
    monkeypatch.setenv("LAYERLAB_PICKLE_PROOF", str(proof))   # baked into the pickles written below
    files = hostile_files(tmp_path / "files")

    def healthy() -> bool:
        gallery, _ = client.predict("test", "all", 2, 0, api_name="/browse_data")
        return len(gallery) == 2

    outcomes = attack(client, app_url, files, healthy, values_per_param=2, overrides=TINY_RUN)
    failures = [o for o in outcomes if not o.ok]
    assert not failures, "\n".join(f"{o.endpoint} {o.case}: {o.detail}" for o in failures)
    crashes = crashes_in_our_code(app_log.read_text())
    assert not crashes, "handlers crashed instead of explaining:\n" + "\n".join(crashes)
    assert len({o.endpoint for o in outcomes}) >= 1 and len(outcomes) > 10
    assert not proof.exists(), "an uploaded pickle was executed"


def test_crash_detector_tells_our_crashes_from_clear_errors():
    ours = ('Traceback (most recent call last):\n  File "/x/ui/explorer_tab.py", line 3, in f\n'
            'KeyError: \'kernel\'\n')
    explained = ('Traceback (most recent call last):\n  File "/x/ui/explorer_tab.py", line 3, in f\n'
                 'gradio.exceptions.Error: \'Stride must be at least 1.\'\n')
    gradios = ('Traceback (most recent call last):\n  File "/site-packages/gradio/blocks.py", line 9, in p\n'
               'TypeError: bad operand\n')
    assert crashes_in_our_code(ours + explained + gradios) == ["KeyError: 'kernel' (in ui)"]
