"""The one object every data source turns into.

Inputs keep the shape their modality needs, so that models can pick what they understand:

==============  ==================================================================
modality        ``inputs``
==============  ==================================================================
``tabular``     a pandas DataFrame, one row per example (numeric and ``category`` columns)
``image``       float32 array ``(N, C, H, W)`` with values in [0, 1]
``sequence``    float32 array ``(N, C, L)`` (MNIST-1D: ``(N, 1, 40)``)
``audio``       a list of N mono float32 waveforms in [-1, 1], lengths may differ
``text``        a list of N strings
``timeseries``  float32 array ``(T, F)``; ``targets`` is the series to forecast, ``(T,)``
``interactions`` a pandas DataFrame with ``user`` and ``item`` id columns (ints or strings), one
                row per rating, optionally a ``title`` column naming the item; ``targets`` are
                the ratings (regression)
==============  ==================================================================

Classification targets are int64 class indices into ``class_names``; regression and forecasting
targets are float64.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal, get_args

import numpy as np

from depthlab.errors import DataError

if TYPE_CHECKING:
    import pandas as pd

Modality = Literal["tabular", "image", "sequence", "audio", "text", "timeseries", "interactions"]
Task = Literal["classification", "regression", "forecasting"]
MODALITIES: tuple[str, ...] = get_args(Modality)
TASKS: tuple[str, ...] = get_args(Task)


@dataclass(frozen=True)
class DatasetInfo:
    """Where a dataset comes from and how to credit it."""

    description: str = ""
    source: str = ""
    license: str = ""
    citation: str = ""


@dataclass(frozen=True, eq=False)
class Dataset:
    """Inputs, targets and everything needed to use them correctly.

    Example:
        >>> import depthlab as dl
        >>> ds = dl.load_dataset("iris")
        >>> len(ds), ds.task, ds.class_names
        (150, 'classification', ('setosa', 'versicolor', 'virginica'))
    """

    name: str
    modality: Modality
    task: Task
    inputs: Any
    targets: np.ndarray
    class_names: tuple[str, ...] = ()
    feature_names: tuple[str, ...] = ()
    groups: np.ndarray | None = None
    sample_ids: tuple[str, ...] = ()
    sample_rate: int | None = None
    time_index: np.ndarray | None = None
    test_indices: np.ndarray | None = None
    info: DatasetInfo = field(default_factory=DatasetInfo)

    def __post_init__(self) -> None:
        if self.modality not in MODALITIES:
            raise DataError(f"unknown modality '{self.modality}'; choose from {MODALITIES}")
        if self.task not in TASKS:
            raise DataError(f"unknown task '{self.task}'; choose from {TASKS}")
        n = len(self)
        for label, values in (
            ("targets", self.targets),
            ("groups", self.groups),
            ("sample_ids", self.sample_ids or None),
            ("time_index", self.time_index),
        ):
            if values is not None and len(values) != n:
                raise DataError(f"{self.name}: {label} has {len(values)} entries for {n} examples")

    def __len__(self) -> int:
        return len(self.inputs)

    @property
    def n_classes(self) -> int:
        """Number of classes (0 for regression and forecasting)."""
        return len(self.class_names)

    @property
    def example_shape(self) -> tuple[int, ...] | None:
        """Shape of one example's input; ``None`` when examples differ (audio, text)."""
        if self.modality == "tabular":
            return (len(self.feature_names),)
        if isinstance(self.inputs, np.ndarray):
            return tuple(int(s) for s in self.inputs.shape[1:])
        return None

    def class_counts(self) -> dict[str, int]:
        """Examples per class, in class order (empty for regression)."""
        if self.task != "classification":
            return {}
        counts = np.bincount(self.targets, minlength=self.n_classes)
        return {name: int(c) for name, c in zip(self.class_names, counts, strict=True)}

    def subset(self, indices: Sequence[int] | np.ndarray) -> Dataset:
        """The examples at *indices*, in that order (the official test set is dropped)."""
        idx = np.asarray(indices, dtype=np.int64)
        return replace(
            self,
            inputs=take(self.inputs, idx),
            targets=self.targets[idx],
            groups=None if self.groups is None else self.groups[idx],
            sample_ids=tuple(self.sample_ids[i] for i in idx) if self.sample_ids else (),
            time_index=None if self.time_index is None else self.time_index[idx],
            test_indices=None,
        )


def take(inputs: Any, idx: np.ndarray) -> Any:
    """Select rows of any modality's inputs."""
    if isinstance(inputs, np.ndarray):
        return inputs[idx]
    if hasattr(inputs, "iloc"):
        frame: pd.DataFrame = inputs
        return frame.iloc[idx].reset_index(drop=True)
    return [inputs[i] for i in idx]


def check_targets(ds: Dataset) -> Dataset:
    """Validate what every task needs of its targets; return *ds* unchanged when it is sound."""
    if len(ds) == 0:
        raise DataError(f"{ds.name}: the dataset has no examples")
    if ds.task == "classification":
        if ds.targets.dtype.kind not in "iu":
            raise DataError(f"{ds.name}: classification targets must be class indices")
        if ds.targets.min() < 0:
            raise DataError(f"{ds.name}: targets must lie in 0..{ds.n_classes - 1}")
        present = np.flatnonzero(np.bincount(ds.targets))  # O(N), unlike np.unique
        if len(present) < 2:
            only = ds.class_names[int(present[0])] if ds.class_names else str(present[0])
            raise DataError(
                f"{ds.name}: the target has a single class ('{only}'); "
                "classification needs at least two"
            )
        if present[0] < 0 or present[-1] >= ds.n_classes:
            raise DataError(f"{ds.name}: targets must lie in 0..{ds.n_classes - 1}")
    else:
        bad = np.flatnonzero(~np.isfinite(ds.targets))
        if len(bad):
            where = ds.sample_ids[bad[0]] if ds.sample_ids else f"example {bad[0]}"
            raise DataError(f"{ds.name}: the target is missing or not finite at {where}")
    return ds


def encode_labels(values: Sequence[Any] | np.ndarray) -> tuple[np.ndarray, tuple[str, ...]]:
    """Class indices and names for raw labels; numeric labels sort as numbers ("2" before "10")."""
    array = np.asarray(values)
    if (
        array.dtype.kind in "iu"
        and len(array)
        and int(array.max()) - int(array.min()) <= len(array)
    ):
        # Small integer range: count instead of sorting (a million labels in milliseconds).
        low = int(array.min())
        counts = np.bincount(array - low) if low else np.bincount(array)
        present = np.flatnonzero(counts)
        if low == 0 and len(present) == len(counts):  # already 0..K-1: nothing to remap
            return array.astype(np.int64, copy=False), tuple(str(v) for v in present)
        lookup = np.zeros(int(present[-1]) + 1, dtype=np.int64)
        lookup[present] = np.arange(len(present))
        return lookup[array - low], tuple(str(v + low) for v in present)
    if array.dtype.kind in "iuf":
        uniques, codes = np.unique(array, return_inverse=True)
        names = tuple(_number_name(u) for u in uniques)
    else:
        text = array.astype(str)
        uniques, codes = np.unique(text, return_inverse=True)
        if all(_is_int(u) for u in uniques):
            order = np.argsort([int(u) for u in uniques])
            rank = np.empty_like(order)
            rank[order] = np.arange(len(order))
            uniques, codes = uniques[order], rank[codes]
        names = tuple(str(u) for u in uniques)
    return codes.astype(np.int64), names


def _number_name(value: Any) -> str:
    number = float(value)
    return str(int(number)) if number.is_integer() else str(value)


def _is_int(text: str) -> bool:
    try:
        int(text)
    except ValueError:
        return False
    return True
