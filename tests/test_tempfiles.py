"""LayerLab's temporary files live under one root, stay under their cap, and go when their process has gone."""
import os
import subprocess
import sys

from nets import limits
from nets.models import tutorial_cnn
from nets.train.checkpoint import load_checkpoint, load_weights
from ui import saving_tab
from ui.common import tempfiles
from ui.training import model as training_model
from ui.training import run as training_run


def test_every_folder_is_under_the_process_folder_of_one_root():
    for path in (training_model.GALLERY_DIR, saving_tab.tempfiles.folder("downloads")):
        assert str(path).startswith(str(tempfiles.ROOT / str(os.getpid())))


def test_new_files_keep_their_name_and_never_clash():
    a, b = tempfiles.new_file("test-names", "model.pth"), tempfiles.new_file("test-names", "model.pth")
    assert a != b and a.name == b.name == "model.pth" and a.parent.parent == b.parent.parent


def test_an_area_is_pruned_oldest_first_to_its_cap():
    area = tempfiles.folder("test-cap")
    for i in range(5):
        path = tempfiles.new_file("test-cap", f"{i}.bin", cap_bytes=2500)
        path.write_bytes(bytes(1000))
        os.utime(path.parent, (1000 + i, 1000 + i))   # file i is i seconds newer than file 0
    kept = sorted(p.name for p in area.rglob("*.bin"))
    assert kept == ["2.bin", "3.bin", "4.bin"]      # 2,000 bytes were under the cap before 4.bin was written


def test_folders_of_ended_processes_are_removed(tmp_path):
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead, live, other = tmp_path / ended.stdout.strip(), tmp_path / str(os.getpid()), tmp_path / "notes"
    for d in (dead, live, other):
        (d / "checkpoints").mkdir(parents=True)
    assert tempfiles.remove_stale(tmp_path) == [dead]
    assert not dead.exists() and live.exists() and other.exists()


def test_downloads_reuse_one_capped_folder(monkeypatch):
    monkeypatch.setattr(limits, "MAX_TEMP_BYTES", 1)   # keep only the newest download
    paths = [saving_tab.download_weights("state_dict (.pth)", None, None)[0] for _ in range(3)]
    area = tempfiles.folder("downloads")
    assert {os.path.dirname(os.path.dirname(p)) for p in paths} == {str(area)}
    assert [str(p) for p in area.rglob("*.pth")] == [paths[-1]]
    load_weights(load_checkpoint(paths[-1]), tutorial_cnn())   # the newest is whole


def test_checkpoints_are_capped_by_size(monkeypatch):
    monkeypatch.setattr(limits, "MAX_TEMP_BYTES", 1)
    trained = training_run.TrainedModel(model=tutorial_cnn(), classes=("a",) * 10, label="t", epoch_states=[],
                                        metrics={})
    paths = [training_run.save_run_checkpoint(trained, {}, None, 1) for _ in range(3)]
    assert [p.exists() for p in paths] == [False, False, True]
    assert load_checkpoint(paths[-1]).epoch == 1
