"""Images, ``(N, C, H, W)`` float32 in [0, 1]: scikit-learn's digits and folders of PNG / JPEG."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from depthlab.config import DataConfig
from depthlab.data.dataset import Dataset, DatasetInfo, check_targets
from depthlab.data.download import Fetcher
from depthlab.errors import DataError
from depthlab.progress import track

if TYPE_CHECKING:
    from PIL import Image

SUFFIXES = (".png", ".jpg", ".jpeg")
GRAY_MODES = {"1", "L", "LA", "I", "I;16", "F"}


def load_digits(fetcher: Fetcher) -> Dataset:
    import sklearn.datasets

    bunch = sklearn.datasets.load_digits()
    images = (bunch.images / 16.0).astype(np.float32)[:, None, :, :]  # (N, 1, 8, 8)
    return Dataset(
        name="digits",
        modality="image",
        task="classification",
        inputs=images,
        targets=bunch.target.astype(np.int64),
        class_names=tuple(str(d) for d in range(10)),
        info=DatasetInfo(
            "Optical recognition of handwritten digits: 8 x 8 images, 16 grey levels, 43 writers",
            "UCI Machine Learning Repository, dataset 80 (bundled with scikit-learn)",
            "CC BY 4.0",
            "Alpaydin & Kaynak, 1998",
        ),
    )


def class_folders(root: Path, suffixes: tuple[str, ...], kind: str) -> list[tuple[str, list[Path]]]:
    """``(class name, files)`` for every subfolder of *root* holding files with *suffixes*."""
    classes = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        files = sorted(p for p in folder.rglob("*") if p.suffix.lower() in suffixes)
        if files:
            classes.append((folder.name, files))
    if not classes:
        raise DataError(
            f"{root}: expected one subfolder per class holding {kind} files ({', '.join(suffixes)})"
        )
    return classes


def open_image(path: Path) -> Image.Image:
    from PIL import Image, UnidentifiedImageError

    try:
        image = Image.open(path)
        image.load()
    except (OSError, UnidentifiedImageError, SyntaxError, ValueError) as exc:
        raise DataError(f"cannot read image {path}: {exc}") from None
    return image


def _to_8bit(image: Image.Image) -> Image.Image:
    """Scale 16-bit greys onto 0..255 (Pillow's own conversion to "L" clips them at 255)."""
    from PIL import Image

    if image.mode != "I" and not image.mode.startswith("I;16"):
        return image
    levels = np.rint(np.asarray(image, dtype=np.float64) / 257.0)  # 65535 -> 255
    return Image.fromarray(np.clip(levels, 0, 255).astype(np.uint8))


def split_layout(root: Path) -> tuple[Path, Path] | None:
    """``(train, test)`` when *root* holds ``train/`` and ``test/`` folders (any case), each with
    one subfolder per class (torchvision's ImageFolder layout, and many downloads'); else None."""
    subs = {p.name.lower(): p for p in root.iterdir() if p.is_dir()}
    if "train" not in subs or "test" not in subs:
        return None
    if not any(p.is_dir() for p in subs["train"].iterdir()):
        return None  # classes named train and test, holding images
    return subs["train"], subs["test"]


def image_files(root: Path) -> tuple[list[tuple[str, list[Path]]], list[tuple[int, Path]], int]:
    """The classes, every ``(label, file)``, and how many of them come first as training images
    (all of them, unless *root* has a train/ and test/ layout; then the test images follow)."""
    layout = split_layout(root)
    if layout is None:
        classes = class_folders(root, SUFFIXES, "image")
        files = [(label, path) for label, (_, paths) in enumerate(classes) for path in paths]
        return classes, files, len(files)
    classes = class_folders(layout[0], SUFFIXES, "image")
    index = {name: label for label, (name, _) in enumerate(classes)}
    tests = class_folders(layout[1], SUFFIXES, "image")
    unknown = sorted(name for name, _ in tests if name not in index)
    if unknown:
        raise DataError(
            f"{layout[1]}: classes not in {layout[0].name}/: {', '.join(unknown)}; the test "
            "folder's classes must be among the training folder's"
        )
    files = [(label, path) for label, (_, paths) in enumerate(classes) for path in paths]
    n_train = len(files)
    files += [(index[name], path) for name, paths in tests for path in paths]
    return classes, files, n_train


def load_image_folder(root: Path, config: DataConfig) -> Dataset:
    """One subfolder per class (or train/ and test/ folders of them: the test images become the
    official test set); images become one channel or RGB, optionally resized."""
    from PIL import Image

    classes, files, n_train = image_files(root)
    images = [open_image(path) for _, path in track(files, len(files), "reading images")]
    gray = config.grayscale
    if gray is None:
        gray = all(image.mode in GRAY_MODES for image in images)
    arrays = []
    first_size = None
    for (_, path), image in zip(files, images, strict=True):
        image = _to_8bit(image).convert("L" if gray else "RGB")
        if config.resize is not None:
            height, width = config.resize
            image = image.resize((width, height), Image.Resampling.BILINEAR)
        elif first_size is None:
            first_size = (image.size, path)
        elif image.size != first_size[0]:
            (w0, h0), p0 = first_size
            w, h = image.size
            raise DataError(
                f"images differ in size: {p0} is {w0}x{h0} but {path} is {w}x{h}; "
                "pass --resize HEIGHT WIDTH"
            )
        array = np.asarray(image, dtype=np.uint8)
        arrays.append(array[:, :, None] if array.ndim == 2 else array)
    stacked = np.stack(arrays).transpose(0, 3, 1, 2)  # (N, H, W, C) -> (N, C, H, W)
    return check_targets(
        Dataset(
            name=root.name,
            modality="image",
            task="classification",
            inputs=stacked.astype(np.float32) / 255.0,
            targets=np.array([label for label, _ in files], dtype=np.int64),
            class_names=tuple(name for name, _ in classes),
            sample_ids=tuple(str(path.relative_to(root)) for _, path in files),
            info=DatasetInfo(description=f"image folder {root.name}", source=str(root)),
            test_indices=np.arange(n_train, len(files)) if n_train < len(files) else None,
        )
    )
