"""One policy for LayerLab's short-lived files: the newest kept, the oldest deleted first, within a budget."""
import os

import numpy as np

from nets.tempfolders import delete, keep_newest_bytes, keep_newest_files, modified
from visual.maps import save_png


def written(path, data: bytes, seconds: int):
    """path holding data, last changed `seconds` after the first file, so ages never tie."""
    path.write_bytes(data)
    os.utime(path, (1000 + seconds, 1000 + seconds))
    return path


def test_a_picture_folder_over_its_count_keeps_the_newest_half(tmp_path):
    for i in range(8):
        written(tmp_path / f"{i}.png", b"x", i)
    keep_newest_files(tmp_path, 8)
    assert len(list(tmp_path.iterdir())) == 8          # at the count: nothing to do
    written(tmp_path / "8.png", b"x", 8)
    keep_newest_files(tmp_path, 8)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["5.png", "6.png", "7.png", "8.png"]


def test_saved_pictures_stay_near_their_count_and_the_newest_is_whole(tmp_path):
    picture = np.zeros((4, 4, 3), np.uint8)
    paths = [save_png(picture, str(tmp_path), keep=4) for _ in range(12)]
    assert len(os.listdir(tmp_path)) <= 4
    assert open(paths[-1], "rb").read(8) == b"\x89PNG\r\n\x1a\n"


def test_a_checkpoint_folder_keeps_the_newest_entries_within_its_bytes(tmp_path):
    for i in range(4):   # each download in a folder of its own, as ui.common.tempfiles.new_file makes them
        (tmp_path / f"run{i}").mkdir()
        written(tmp_path / f"run{i}" / "model.pth", bytes(1000), i)
        os.utime(tmp_path / f"run{i}", (1000 + i, 1000 + i))
    written(tmp_path / "loose.bin", bytes(500), 10)
    keep_newest_bytes(tmp_path, 2600)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["loose.bin", "run2", "run3"]   # 2,500 bytes
    keep_newest_bytes(tmp_path, 2600)
    assert len(list(tmp_path.iterdir())) == 3          # within the cap: nothing more goes


def test_an_entry_another_thread_deleted_is_no_error(tmp_path):
    assert modified(tmp_path / "gone.png") == 0.0
    delete(tmp_path / "gone.png")
    delete(tmp_path / "gone-folder")
