"""Image folders (one subfolder per class, PNG / JPEG) through ``load_dataset``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import depthlab as dl
from depthlab.errors import ConfigError, DataError


def save(path: Path, pixels: np.ndarray) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(pixels).save(path)
    return path


def gray(value: int, size: tuple[int, int] = (6, 10)) -> np.ndarray:
    """A (height, width) uint8 image with a gradient, so that orientation errors show."""
    pixels = np.full(size, value, dtype=np.uint8)
    pixels[0, :] = np.arange(size[1], dtype=np.uint8)
    return pixels


def rgb(colour: tuple[int, int, int], size: tuple[int, int] = (6, 10)) -> np.ndarray:
    return np.broadcast_to(np.array(colour, dtype=np.uint8), (*size, 3)).copy()


@pytest.fixture
def gray_folder(tmp_path: Path) -> Path:
    root = tmp_path / "shapes"
    for i in range(3):
        save(root / "circle" / f"c{i}.png", gray(255 - i))
        save(root / "square" / f"s{i}.png", gray(i))
    return root


def test_grayscale_pngs(gray_folder: Path) -> None:
    ds = dl.load_dataset(gray_folder)
    assert ds.modality == "image" and ds.task == "classification"
    assert ds.name == "shapes" and ds.class_names == ("circle", "square")
    assert ds.inputs.shape == (6, 1, 6, 10) and ds.inputs.dtype == np.float32
    assert ds.targets.tolist() == [0, 0, 0, 1, 1, 1]
    assert ds.sample_ids[0] == str(Path("circle") / "c0.png")
    assert ds.inputs.min() >= 0.0 and ds.inputs.max() <= 1.0
    # PNG is lossless: the pixels come back exactly, scaled to [0, 1]
    assert np.allclose(ds.inputs[0, 0], gray(255) / 255.0)
    assert np.allclose(ds.inputs[5, 0], gray(2) / 255.0)


def test_rgb_jpegs_and_pngs(tmp_path: Path) -> None:
    root = tmp_path / "colours"
    for i in range(2):
        save(root / "red" / f"r{i}.jpg", rgb((250, 5, 5)))
        save(root / "blue" / f"b{i}.png", rgb((5, 5, 250)))
    ds = dl.load_dataset(root)
    assert ds.inputs.shape == (4, 3, 6, 10)
    assert ds.class_names == ("blue", "red")
    means = ds.inputs.mean(axis=(2, 3))  # (N, C)
    assert np.allclose(means[ds.targets == 0], [5 / 255, 5 / 255, 250 / 255], atol=1e-6)
    assert np.allclose(means[ds.targets == 1], [250 / 255, 5 / 255, 5 / 255], atol=0.05)


def test_grayscale_is_auto_detected_from_all_images(tmp_path: Path) -> None:
    root = tmp_path / "mixed"
    save(root / "a" / "1.png", gray(10))
    save(root / "a" / "2.png", gray(20))
    save(root / "b" / "3.jpeg", rgb((0, 200, 0)))
    save(root / "b" / "4.png", gray(30))
    ds = dl.load_dataset(root)
    assert ds.inputs.shape == (4, 3, 6, 10)
    # a grey image converted to RGB has three equal channels
    assert np.array_equal(ds.inputs[0, 0], ds.inputs[0, 2])


def test_grayscale_forced_either_way(gray_folder: Path, tmp_path: Path) -> None:
    as_rgb = dl.load_dataset(gray_folder, grayscale=False)
    assert as_rgb.inputs.shape == (6, 3, 6, 10)
    root = tmp_path / "colours"
    save(root / "x" / "a.png", rgb((255, 0, 0)))
    save(root / "y" / "b.png", rgb((0, 0, 255)))
    ds = dl.load_dataset(root, grayscale=True)
    assert ds.inputs.shape == (2, 1, 6, 10)
    # ITU-R 601-2 luma: red is brighter than blue
    assert ds.inputs[0].mean() > ds.inputs[1].mean() > 0


def test_resize_takes_height_then_width(gray_folder: Path) -> None:
    ds = dl.load_dataset(gray_folder, resize=(4, 7))
    assert ds.inputs.shape == (6, 1, 4, 7)
    assert ds.inputs.min() >= 0.0 and ds.inputs.max() <= 1.0


def test_sixteen_bit_greys_are_scaled_not_clipped(tmp_path: Path) -> None:
    root = tmp_path / "scans"
    save(root / "dim" / "a.png", np.full((4, 4), 1000, dtype=np.uint16))
    save(root / "bright" / "b.png", np.full((4, 4), 60000, dtype=np.uint16))
    ds = dl.load_dataset(root)
    assert ds.inputs.shape == (2, 1, 4, 4)
    assert np.allclose(ds.inputs[:, 0, 0, 0], [60000 / 65535, 1000 / 65535], atol=1 / 255)


def test_mixed_sizes_without_resize_name_both_files(gray_folder: Path) -> None:
    save(gray_folder / "square" / "big.png", gray(0, size=(12, 12)))
    with pytest.raises(DataError, match="differ in size") as err:
        dl.load_dataset(gray_folder)
    message = str(err.value)
    assert "c0.png is 10x6" in message and "big.png is 12x12" in message
    assert "--resize" in message
    assert dl.load_dataset(gray_folder, resize=(6, 10)).inputs.shape == (7, 1, 6, 10)


def test_corrupt_image_names_the_file(gray_folder: Path) -> None:
    (gray_folder / "square" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    with pytest.raises(DataError, match=r"cannot read image .*broken\.png"):
        dl.load_dataset(gray_folder)


def test_truncated_jpeg_names_the_file(tmp_path: Path) -> None:
    root = tmp_path / "photos"
    save(root / "a" / "ok.jpg", rgb((1, 2, 3)))
    whole = save(root / "b" / "cut.jpg", rgb((9, 9, 9), size=(64, 64))).read_bytes()
    (root / "b" / "cut.jpg").write_bytes(whole[: len(whole) // 2])
    with pytest.raises(DataError, match=r"cut\.jpg"):
        dl.load_dataset(root)


def test_single_class_folder_is_an_error(tmp_path: Path) -> None:
    save(tmp_path / "cats" / "only" / "a.png", gray(1))
    save(tmp_path / "cats" / "only" / "b.png", gray(2))
    with pytest.raises(DataError, match="single class \\('only'\\)"):
        dl.load_dataset(tmp_path / "cats")


def test_images_without_class_subfolders(tmp_path: Path) -> None:
    save(tmp_path / "flat" / "a.png", gray(1))
    with pytest.raises(DataError, match="one subfolder per class"):
        dl.load_dataset(tmp_path / "flat")


def test_folder_without_images_or_audio(tmp_path: Path) -> None:
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "a.md").write_text("hi", encoding="utf-8")
    with pytest.raises(DataError, match="images \\(PNG/JPEG\\) or WAV"):
        dl.load_dataset(tmp_path / "notes")


@pytest.mark.parametrize("option", [{"target": "y"}, {"sample_rate": 8000}, {"task": "regression"}])
def test_option_not_for_images(gray_folder: Path, option: dict[str, object]) -> None:
    with pytest.raises(ConfigError, match=r"image folder \(valid: grayscale, resize\)"):
        dl.load_dataset(gray_folder, **option)


def test_invalid_resize(gray_folder: Path) -> None:
    with pytest.raises(ConfigError, match="resize"):
        dl.load_dataset(gray_folder, resize=(0, 8))


def test_a_train_and_test_layout_keeps_the_folders_test_images(tmp_path: Path) -> None:
    root = tmp_path / "fashion"
    for part, count in (("train", 8), ("test", 3)):
        for i in range(count):
            save(root / part / "boot" / f"b{i}.png", gray(200 + i))
            save(root / part / "shirt" / f"s{i}.png", gray(i))
    ds = dl.load_dataset(root)
    assert ds.class_names == ("boot", "shirt") and len(ds) == 22
    assert ds.test_indices is not None and len(ds.test_indices) == 6
    assert all(ds.sample_ids[i].startswith("test") for i in ds.test_indices)
    split = dl.split_dataset(ds, seed=3)
    assert split.strategy.startswith("official test")
    assert sorted(split.test.tolist()) == sorted(ds.test_indices.tolist())
    assert not set(split.train.tolist()) & set(ds.test_indices.tolist())


def test_a_test_folder_with_an_unknown_class_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "pets"
    save(root / "train" / "cat" / "c.png", gray(1))
    save(root / "train" / "dog" / "d.png", gray(2))
    save(root / "test" / "cat" / "c.png", gray(1))
    save(root / "test" / "bird" / "b.png", gray(3))
    with pytest.raises(DataError, match="classes not in train/: bird"):
        dl.load_dataset(root)


def test_classes_named_train_and_test_stay_classes(tmp_path: Path) -> None:
    root = tmp_path / "odd"
    save(root / "train" / "a.png", gray(1))
    save(root / "test" / "b.png", gray(2))
    ds = dl.load_dataset(root)
    assert ds.class_names == ("test", "train") and ds.test_indices is None
