"""A picture of a dataset that suits its modality, saved as PNG by `depthlab data show`."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from depthlab.data.dataset import Dataset
from depthlab.data.interactions import draw_interactions
from depthlab.data.splits import Split

if TYPE_CHECKING:
    from matplotlib.figure import Figure

PER_CLASS = 6
MAX_CLASSES = 10
MAX_FEATURES = 8


def save_preview(ds: Dataset, path: str | Path, split: Split | None = None) -> Path:
    """Draw *ds* (image grid, sequence plot, spectrograms, series or table plots) into *path*."""
    import matplotlib

    matplotlib.use("Agg")
    draw = {
        "image": _images,
        "sequence": _sequences,
        "audio": _spectrograms,
        "timeseries": lambda d: _series(d, split),
        "tabular": _table,
        "text": _texts,
        "interactions": _interactions,
    }[ds.modality]
    figure = draw(ds)
    figure.suptitle(f"{ds.name}: {ds.modality}, {ds.task}, {len(ds):,} examples")
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.name}.partial")
    figure.savefig(partial, dpi=100, format="png")
    os.replace(partial, out)  # an interrupted save never leaves a truncated picture
    import matplotlib.pyplot as plt

    plt.close(figure)
    return out


def _examples_per_class(ds: Dataset) -> list[tuple[str, np.ndarray]]:
    """Up to PER_CLASS example indices for each of the first MAX_CLASSES classes."""
    if ds.task != "classification":
        return [("", np.arange(min(len(ds), PER_CLASS)))]
    return [
        (name, np.flatnonzero(ds.targets == c)[:PER_CLASS])
        for c, name in enumerate(ds.class_names[:MAX_CLASSES])
    ]


def _images(ds: Dataset) -> Figure:
    import matplotlib.pyplot as plt

    rows = _examples_per_class(ds)
    fig, axes = plt.subplots(
        len(rows),
        PER_CLASS,
        figsize=(PER_CLASS * 1.2, len(rows) * 1.2),
        squeeze=False,
        layout="constrained",
    )
    for r, (name, idx) in enumerate(rows):
        for c in range(PER_CLASS):
            ax = axes[r][c]
            ax.set_xticks([])
            ax.set_yticks([])
            if c < len(idx):
                image = ds.inputs[idx[c]]  # (C, H, W)
                shown = image[0] if image.shape[0] == 1 else image.transpose(1, 2, 0)
                ax.imshow(shown, cmap="gray_r" if image.shape[0] == 1 else None, vmin=0, vmax=1)
            if c == 0:
                ax.set_ylabel(name, rotation=0, labelpad=15)
    return fig


def _panels_per_class(ds: Dataset) -> tuple[Figure, list[tuple[Any, str, np.ndarray]]]:
    """A grid of up to five panels a row, one per class: ``(axes, class name, indices)``."""
    import matplotlib.pyplot as plt

    rows = _examples_per_class(ds)
    cols = min(5, len(rows))
    grid_rows = -(-len(rows) // cols)
    fig, axes = plt.subplots(
        grid_rows, cols, figsize=(cols * 2.4, grid_rows * 2), squeeze=False, layout="constrained"
    )
    for ax in axes.flat[len(rows) :]:
        ax.set_visible(False)
    return fig, [(ax, name, idx) for ax, (name, idx) in zip(axes.flat, rows, strict=False)]


def _sequences(ds: Dataset) -> Figure:
    fig, panels = _panels_per_class(ds)
    for ax, name, idx in panels:
        for i in idx[:3]:
            ax.plot(ds.inputs[i][0], linewidth=1)
        ax.set_title(f"class {name}" if name else "examples", fontsize=9)
        ax.tick_params(labelsize=7)
    return fig


def _spectrograms(ds: Dataset) -> Figure:
    fig, panels = _panels_per_class(ds)
    rate = ds.sample_rate or 1
    for ax, name, idx in panels:
        wave = ds.inputs[idx[0]]
        ax.specgram(wave, NFFT=256, Fs=rate, noverlap=192, cmap="magma")
        ax.set_title(f"{name}: {ds.sample_ids[idx[0]]}" if ds.sample_ids else name, fontsize=8)
        ax.tick_params(labelsize=7)
        ax.set_xlabel("s", fontsize=7)
        ax.set_ylabel("Hz", fontsize=7)
    return fig


def _series(ds: Dataset, split: Split | None) -> Figure:
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(10, 3.5), layout="constrained")
    time = ds.time_index if ds.time_index is not None else np.arange(len(ds))
    ax.plot(time, ds.targets, linewidth=1, color="black")
    if split is not None:
        for part, colour in (("val", "tab:orange"), ("test", "tab:red")):
            idx = getattr(split, part)
            if len(idx):
                ax.axvspan(time[idx[0]], time[idx[-1]], alpha=0.15, color=colour, label=part)
        ax.legend(loc="upper left")
    ax.set_xlabel("time")
    ax.set_ylabel(ds.feature_names[0] if ds.feature_names else "value")
    return fig


def _class_balance(ax: object, ds: Dataset) -> None:
    counts = ds.class_counts()
    colours = [f"C{i % 10}" for i in range(len(counts))]  # the same colour per class everywhere
    ax.barh(list(counts), list(counts.values()), color=colours)  # type: ignore[attr-defined]
    ax.set_title("class balance", fontsize=9)  # type: ignore[attr-defined]


def _table(ds: Dataset) -> Figure:
    import matplotlib.pyplot as plt

    frame = ds.inputs
    numeric = [c for c in frame.columns if frame[c].dtype.kind == "f"][:MAX_FEATURES]
    panels = len(numeric) + 1
    cols = min(3, panels)
    rows = -(-panels // cols)
    fig, axes = plt.subplots(
        rows, cols, figsize=(cols * 3.2, rows * 2.4), squeeze=False, layout="constrained"
    )
    for ax in axes.flat[panels:]:
        ax.set_visible(False)
    first = axes.flat[0]
    if ds.task == "classification":
        _class_balance(first, ds)
    else:
        first.hist(ds.targets, bins=30, color="tab:blue")
        first.set_title("target", fontsize=9)
    for ax, column in zip(axes.flat[1:], numeric, strict=False):
        values = frame[column].to_numpy()
        if ds.task == "classification" and ds.n_classes <= MAX_CLASSES:
            for c, name in enumerate(ds.class_names):
                ax.hist(values[ds.targets == c], bins=20, alpha=0.5, label=name, color=f"C{c}")
        else:
            ax.hist(values[~np.isnan(values)], bins=30)
        ax.set_title(str(column), fontsize=9)
        ax.tick_params(labelsize=7)
    return fig


def _interactions(ds: Dataset) -> Figure:

    figure: Figure = draw_interactions(ds)
    return figure


def _texts(ds: Dataset) -> Figure:
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.5), layout="constrained")
    words = np.array([len(t.split()) for t in ds.inputs])
    if ds.task == "classification":
        _class_balance(left, ds)
        for c, name in enumerate(ds.class_names[:MAX_CLASSES]):
            right.hist(words[ds.targets == c], bins=30, alpha=0.5, label=name, color=f"C{c}")
        right.legend()
    else:
        left.hist(ds.targets, bins=30)
        right.hist(words, bins=30)
    right.set_title("words per text", fontsize=9)
    return fig
