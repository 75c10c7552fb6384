"""Loading CIFAR-10: the real archive, the cache, and every bad input the foundation issue lists."""
import io
import re
import shutil
import tarfile
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from nets.data.cifar import CIFAR10_CLASSES, DataError, load_cifar10


def test_real_archive_loads_all_images_in_cifar_order(cifar):
    assert cifar.train_x.shape == (50_000, 3, 32, 32) and cifar.train_x.dtype == torch.uint8
    assert cifar.test_x.shape == (10_000, 3, 32, 32) and cifar.test_y.dtype == torch.int64
    assert cifar.classes == CIFAR10_CLASSES
    assert cifar.class_counts("train") == [5000] * 10 and cifar.class_counts("test") == [1000] * 10


def test_first_cat_is_official_test_image_zero(cifar, cifar_archive):
    with tarfile.open(cifar_archive) as tf:
        jpeg = tf.extractfile(next(m for m in tf if m.name.endswith("test/cat/0000.jpg"))).read()
    reference = torch.from_numpy(np.asarray(Image.open(io.BytesIO(jpeg)).convert("RGB"))).permute(2, 0, 1)
    first_cat = cifar.test_x[(cifar.test_y == CIFAR10_CLASSES.index("cat")).nonzero()[0, 0]]
    # libjpeg-turbo (torchvision) and PIL may round a few pixels differently
    assert (first_cat.int() - reference.int()).abs().max() <= 2


def test_second_load_comes_from_the_cache(cifar, cifar_archive, cache_dir):
    again = load_cifar10(cifar_archive, cache_dir)
    assert again.from_cache and again.seconds < 5
    assert torch.equal(again.test_x, cifar.test_x) and torch.equal(again.train_y, cifar.train_y)


# ---- small ImageFolder trees made from real CIFAR-10 images, for the bad-input cases


def write_png(path: Path, img: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(img).save(path)


@pytest.fixture
def small_tree(cifar, tmp_path) -> Path:
    """train/ and test/ with three real images per class."""
    root = tmp_path / "tree"
    for split in ("train", "test"):
        x, y = cifar.split(split)
        for label, cls in enumerate(cifar.classes):
            for k, i in enumerate((y == label).nonzero()[:3, 0].tolist()):
                write_png(root / split / cls / f"{k:04d}.png", x[i].permute(1, 2, 0).numpy())
    return root


def test_image_folder_round_trips_pixels(small_tree, cifar, tmp_path):
    data = load_cifar10(small_tree, tmp_path / "c")
    assert data.classes == CIFAR10_CLASSES and data.train_x.shape == (30, 3, 32, 32)
    first_truck = cifar.test_x[(cifar.test_y == 9).nonzero()[0, 0]]
    assert torch.equal(data.test_x[data.test_y == 9][0], first_truck)
    assert data.converted == 0 and not data.from_cache


def test_odd_images_are_converted_and_reported(small_tree, tmp_path):
    write_png(small_tree / "train" / "cat" / "big.png", np.full((64, 48), 200, np.uint8))            # gray, 64x48
    Image.new("RGBA", (32, 32), (255, 0, 0, 128)).save(small_tree / "train" / "dog" / "rgba.png")
    (small_tree / "train" / "dog" / "notes.txt").write_text("not an image")
    data = load_cifar10(small_tree, tmp_path / "c")
    assert data.converted == 2 and data.train_x.shape == (32, 3, 32, 32)
    assert [n.key for n in data.notes] == ["data.note.converted", "data.note.skipped"]
    assert "converted" in str(data.notes[0]) and "notes.txt" in str(data.notes[1])
    assert "已转换" in data.notes[0].words("zh-CN") and "notes.txt" in data.notes[1].words("zh-CN")


def test_archives_of_the_tree_load_the_same(small_tree, tmp_path):
    reference = load_cifar10(small_tree, tmp_path / "c0")
    tgz, zpath = tmp_path / "tree.tgz", tmp_path / "tree.zip"
    with tarfile.open(tgz, "w:gz") as tf:
        tf.add(small_tree, arcname="cifar")
    with zipfile.ZipFile(zpath, "w") as zf:
        for p in small_tree.rglob("*.png"):
            zf.write(p, p.relative_to(small_tree))
    for archive in (tgz, zpath):
        data = load_cifar10(archive, tmp_path / "c1")
        assert torch.equal(data.train_x, reference.train_x) and torch.equal(data.test_y, reference.test_y)


def test_changed_source_is_decoded_again(small_tree, tmp_path):
    load_cifar10(small_tree, tmp_path / "c")
    shutil.rmtree(small_tree / "test" / "cat")
    shutil.copytree(small_tree / "test" / "dog", small_tree / "test" / "cat")
    data = load_cifar10(small_tree, tmp_path / "c")
    assert not data.from_cache
    assert torch.equal(data.test_x[data.test_y == 3], data.test_x[data.test_y == 5])


def test_corrupted_cache_is_detected_and_rebuilt(small_tree, tmp_path):
    first = load_cifar10(small_tree, tmp_path / "c")
    cache_file = next((tmp_path / "c").glob("*.pt"))
    raw = bytearray(cache_file.read_bytes())
    raw[raw.find(first.train_x[0].numpy().tobytes()) + 5] ^= 0xFF  # one pixel of the first image
    cache_file.write_bytes(bytes(raw))
    data = load_cifar10(small_tree, tmp_path / "c")
    assert not data.from_cache and any("damaged" in str(n) for n in data.notes)
    assert torch.equal(data.train_x, first.train_x)


def test_cache_of_another_version_is_rebuilt(small_tree, tmp_path):
    load_cifar10(small_tree, tmp_path / "c")
    cache_file = next((tmp_path / "c").glob("*.pt"))
    blob = torch.load(cache_file, weights_only=True)
    blob["format"] = 999
    torch.save(blob, cache_file)
    data = load_cifar10(small_tree, tmp_path / "c")
    assert not data.from_cache and any("another LayerLab version" in str(n) for n in data.notes)


@pytest.mark.parametrize("damage, message", [
    ("missing", "does not exist"),
    ("empty", "holds no CIFAR-10"),
    ("no_test", "no test/<class>/ images"),
    ("empty_class", "train/cat in"),
    ("truncated_image", "truncated or corrupt"),
    ("not_an_image", "is not an image"),
    ("truncated_archive", "truncated or not a valid archive"),
    ("plain_file", "not an archive"),
])
def test_bad_sources_get_one_clear_sentence(small_tree, tmp_path, damage, message):
    path = small_tree
    if damage == "missing":
        path = tmp_path / "nowhere"
    elif damage == "empty":
        path = tmp_path / "empty"
        path.mkdir()
    elif damage == "no_test":
        shutil.rmtree(small_tree / "test")
    elif damage == "empty_class":
        shutil.rmtree(small_tree / "train" / "cat")
        (small_tree / "train" / "cat").mkdir()
    elif damage == "truncated_image":
        png = small_tree / "train" / "cat" / "0000.png"
        png.write_bytes(png.read_bytes()[:60])
    elif damage == "not_an_image":
        (small_tree / "train" / "cat" / "0001.png").write_text("hello")
    elif damage == "truncated_archive":
        path = tmp_path / "tree.tar.gz"
        with tarfile.open(path, "w:gz") as tf:
            tf.add(small_tree, arcname=".")
        path.write_bytes(path.read_bytes()[:5000])
    elif damage == "plain_file":
        path = tmp_path / "notes.txt"
        path.write_text("hi")
    with pytest.raises(DataError, match=message) as info:
        load_cifar10(path, tmp_path / "c")
    assert str(info.value).count(".") >= 1 and "Traceback" not in str(info.value)
    chinese = info.value.phrase.words("zh-CN")   # the page words the same refusal for a Chinese visitor
    assert chinese != str(info.value) and re.search(r"[\u4e00-\u9fff]", chinese)


def test_fast_tar_reader_gives_exactly_what_tarfile_gives(cifar_archive, small_tree, tmp_path):
    from nets.data.archives import read_plain_tar, tar_entries
    long_name = small_tree / "train" / "cat" / ("a_rather_long_file_name_" * 5 + ".png")   # > 100 bytes: PAX
    shutil.copy(small_tree / "train" / "cat" / "0000.png", long_name)
    packed = tmp_path / "tree.tar"
    with tarfile.open(packed, "w") as tf:
        tf.add(small_tree, arcname="tree")
    for archive in (cifar_archive, packed):
        with tarfile.open(archive, "r|*") as tf:
            reference = [(parts, read() if read else None) for parts, read in tar_entries(tf)]
        fast = [(parts, read() if read else None) for parts, read in read_plain_tar(Path(archive))]
        assert fast == reference and len(fast) > 60
