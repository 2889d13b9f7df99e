"""What ``depthlab predict`` reads: new examples in the format a run was trained on.

A table may lack the target column (it is read as plain features, checked against the columns
the model expects); an image or WAV folder may be flat (no labels) or hold one subfolder per
class, its images brought to the model's size and channels, its sounds to the training sample
rate; a ``.npz`` file may hold ``X`` alone; a text run reads a text file or a table of texts
(:mod:`depthlab.cli.predict_text`). Labels, when the input has them, are
mapped onto the run's classes by name, so a folder with only some classes scores correctly.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from depthlab.errors import DataError

if TYPE_CHECKING:
    from depthlab.data.dataset import Task
    from depthlab.training.run import Run

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Examples:
    """Inputs to predict on, with their labels (class indices of the run, or values) if known."""

    inputs: Any
    modality: str
    targets: np.ndarray | None
    ids: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.inputs)


# The modality each kind of source holds (a NumPy file tells only once loaded).
KIND_MODALITY = {
    "table": "tabular",
    "text file": "text",
    "image folder": "image",
    "audio folder": "audio",
}


def read_examples(
    source: str, run: Run, data_dir: Path | None = None, cache_dir: Path | None = None
) -> Examples:
    """*source* (a built-in name, a file or a folder) as examples for *run*'s model."""
    from depthlab.data.datasets import is_builtin
    from depthlab.data.load import OPTIONS, load_dataset, source_kind

    path = Path(source).expanduser()
    if is_builtin(source) and not path.exists():
        ds = load_dataset(source, data_dir=data_dir, cache_dir=cache_dir)
        check_modality(source, ds.modality, run)
        return labelled(ds, run)
    if not path.exists():
        raise DataError(f"no such file or folder: {source}")
    kind = source_kind(path)
    if run.record.data.modality == "text" and kind in ("text file", "table"):
        from depthlab.cli.predict_text import read_text_file, read_text_table

        return read_text_file(path, run) if kind == "text file" else read_text_table(path, run)
    check_modality(source, KIND_MODALITY.get(kind), run)
    if kind == "table":
        return read_table(path, run)
    if kind == "image folder":
        return read_images(path, run)
    if kind == "audio folder":
        return read_audio(path, run)
    if kind == "NumPy file":
        return read_npz(path, run)
    options = dict(run.record.data.options)
    if run.task in ("classification", "regression"):
        options["task"] = run.task
    ds = load_dataset(path, **{k: v for k, v in options.items() if k in OPTIONS[kind]})
    check_modality(source, ds.modality, run)
    return labelled(ds, run)


def check_modality(source: str, modality: str | None, run: Run) -> None:
    trained = str(run.record.data.modality)
    if modality is not None and modality != trained:
        raise DataError(
            f"{source} holds {modality} data, but the run was trained on {trained} data "
            f"({run.record.data.name}); give {trained} data like it"
        )


def labelled(ds: Any, run: Run) -> Examples:
    targets = ds.targets
    if run.task == "classification":
        targets = to_run_classes(ds.targets, ds.class_names, run, ds.name)
    return Examples(ds.inputs, ds.modality, targets, tuple(ds.sample_ids))


def to_run_classes(
    targets: np.ndarray, names: tuple[str, ...], run: Run, where: str
) -> np.ndarray | None:
    """Class indices of the input, renumbered as the run's classes (None: some are unknown)."""
    index = {name: i for i, name in enumerate(run.class_names)}
    unknown = [name for name in names if name not in index]
    if unknown:
        log.warning(
            "%s: labels %s are not classes of this run (%s); no metrics",
            where,
            unknown[:5],
            ", ".join(run.class_names),
        )
        return None
    lookup = np.array([index[name] for name in names], dtype=np.int64)
    return np.asarray(lookup[targets])


def read_table(path: Path, run: Run) -> Examples:
    """A CSV / Parquet table with the model's feature columns, and its target if present."""
    from depthlab.data import tabular

    frame = tabular.read_table(path)
    expected = [str(c) for c in run.preprocessor.stats["columns"]]
    missing = [c for c in expected if c not in frame.columns]
    if missing:
        raise DataError(
            f"{path} lacks column(s) {missing}; the model expects the columns {expected}"
        )
    target = target_column(frame.columns, expected, run)
    targets = None
    if target is not None:
        values, names, _ = tabular.split_target(frame, target, cast("Task", run.task), path)
        targets = to_run_classes(values, names, run, path.name) if names else values
    return Examples(frame[expected], "tabular", targets, ())


def target_column(columns: Any, expected: list[str], run: Run) -> str | None:
    """The column holding labels: the one named at training, or a target/label/y/class one."""
    from depthlab.data.tabular import TARGET_NAMES

    named = run.record.data.options.get("target")
    extra = [str(c) for c in columns if c not in expected]
    if named is not None:
        return str(named) if named in extra else None
    guesses = [c for c in extra if c.lower() in TARGET_NAMES]
    return guesses[0] if len(guesses) == 1 else None


def read_images(root: Path, run: Run) -> Examples:
    """A flat folder of images (no labels) or one subfolder per class, at the model's size."""
    from PIL import Image

    from depthlab.data.image import SUFFIXES, _to_8bit, class_folders, open_image
    from depthlab.progress import track

    channels, height, width = (int(s) for s in run.preprocessor.stats["shape"])
    nested = any(
        p.is_dir() and any(f.suffix.lower() in SUFFIXES for f in p.rglob("*"))
        for p in root.iterdir()
    )
    if nested:
        classes = class_folders(root, SUFFIXES, "image")
        files = [(label, path) for label, (_, paths) in enumerate(classes) for path in paths]
    else:
        files = [(-1, p) for p in sorted(root.iterdir()) if p.suffix.lower() in SUFFIXES]
    arrays = []
    for _, path in track(files, len(files), "reading images"):
        image = _to_8bit(open_image(path)).convert("L" if channels == 1 else "RGB")
        if image.size != (width, height):
            image = image.resize((width, height), Image.Resampling.BILINEAR)
        array = np.asarray(image, dtype=np.uint8)
        arrays.append(array[:, :, None] if array.ndim == 2 else array)
    inputs = np.stack(arrays).transpose(0, 3, 1, 2).astype(np.float32) / 255.0  # (N, C, H, W)
    targets = None
    if nested:
        names = tuple(name for name, _ in classes)
        labels = np.array([label for label, _ in files], dtype=np.int64)
        targets = to_run_classes(labels, names, run, root.name)
    ids = tuple(str(path.relative_to(root)) for _, path in files)
    return Examples(inputs, "image", targets, ids)


def read_audio(root: Path, run: Run) -> Examples:
    """A flat folder of WAV files (labelled when the run's ``--label-pattern`` matches every
    name) or one subfolder per class; sounds at another rate are resampled to the training one."""
    import re

    from depthlab.data.audio import read_waves
    from depthlab.data.image import class_folders

    pattern = run.record.data.options.get("label_pattern")
    nested = any(p.is_dir() and any(p.rglob("*.wav")) for p in root.iterdir())
    names: tuple[str, ...] = ()
    labels: list[str] = []
    if nested:
        classes = class_folders(root, (".wav",), "WAV")
        paths = [path for _, files in classes for path in files]
        labels = [name for name, files in classes for _ in files]
    else:
        paths = sorted(p for p in root.iterdir() if p.suffix.lower() == ".wav")
        matches = [re.fullmatch(pattern, p.name) for p in paths] if pattern else []
        if matches and all(matches):
            labels = [m["label"] for m in matches if m]
    rate = run.preprocessor.stats.get("sample_rate")
    waves, _ = read_waves(paths, None if rate is None else int(rate))
    targets = None
    if labels:
        names = tuple(sorted(set(labels)))
        codes = np.array([names.index(label) for label in labels], dtype=np.int64)
        targets = to_run_classes(codes, names, run, root.name)
    return Examples(waves, "audio", targets, tuple(str(p.relative_to(root)) for p in paths))


def read_npz(path: Path, run: Run) -> Examples:
    """``X`` shaped as at training, with ``y`` (labels or values) when present."""
    from depthlab.data.arrays import read_arrays

    arrays = read_arrays(path)
    if "X" not in arrays:
        raise DataError(f"{path} lacks the array X; it has {sorted(arrays)}")
    x = arrays["X"]
    if run.record.data.modality == "tabular":
        import pandas as pd

        columns = [str(c) for c in run.preprocessor.stats["columns"]]
        if x.ndim != 2 or x.shape[1] != len(columns):
            raise DataError(
                f"{path}: X has shape {x.shape}; the model expects (N, {len(columns)}) "
                f"with the columns {columns}"
            )
        inputs: Any = pd.DataFrame(x.astype(np.float64), columns=columns)
    else:
        inputs = x.astype(np.float32)
    targets = None
    if "y" in arrays:
        y = arrays["y"]
        if len(y) != len(x):
            raise DataError(f"{path}: X has {len(x)} rows but y has {len(y)}")
        if run.task != "classification":
            targets = y.astype(np.float64)
        else:  # labels by name, as training named them (values, or class_names[y])
            names = arrays.get("class_names")
            labels = [str(names[v]) if names is not None else str(v) for v in y]
            unique = tuple(sorted(set(labels)))
            codes = np.array([unique.index(label) for label in labels], dtype=np.int64)
            targets = to_run_classes(codes, unique, run, path.name)
    return Examples(inputs, str(run.record.data.modality), targets, ())
