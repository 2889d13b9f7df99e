"""What `depthlab data show` reports about a dataset, as plain JSON-able values."""

from __future__ import annotations

from typing import Any

import numpy as np

from depthlab.data.dataset import Dataset
from depthlab.data.interactions import interaction_facts
from depthlab.data.splits import Split
from depthlab.data.timeseries import time_label

SHOWN = 10  # names listed before "..."


def describe(ds: Dataset, split: Split | None = None) -> dict[str, Any]:
    """A summary of *ds*: size, shapes, class balance, groups, missing values, split, credits."""
    out: dict[str, Any] = {
        "name": ds.name,
        "modality": ds.modality,
        "task": ds.task,
        "examples": len(ds),
        "example_shape": list(ds.example_shape) if ds.example_shape else None,
    }
    if ds.task == "classification":
        out["classes"] = ds.class_counts()
    else:
        targets = ds.targets
        out["target"] = {
            "min": float(targets.min()),
            "mean": float(targets.mean()),
            "max": float(targets.max()),
        }
    if ds.feature_names:
        out["features"] = {"count": len(ds.feature_names), "names": _head(ds.feature_names)}
    if ds.groups is not None:
        names, counts = np.unique(ds.groups, return_counts=True)
        out["groups"] = {str(n): int(c) for n, c in zip(names, counts, strict=True)}
    out.update(_modality_facts(ds))
    if split is not None:
        out["split"] = {
            "strategy": split.strategy,
            "seed": split.seed,
            **split.sizes(),
            "fingerprint": split.fingerprint(),
        }
    out["info"] = {
        "description": ds.info.description,
        "source": ds.info.source,
        "license": ds.info.license,
        "citation": ds.info.citation,
    }
    return out


def _head(names: tuple[str, ...]) -> list[str]:
    return [*names[:SHOWN], "..."] if len(names) > SHOWN else list(names)


def _modality_facts(ds: Dataset) -> dict[str, Any]:
    if ds.modality == "tabular":
        frame = ds.inputs
        categorical = [str(c) for c in frame.columns if str(frame[c].dtype) == "category"]
        return {
            "missing_values": int(frame.isna().to_numpy().sum()),
            "categorical_columns": categorical,
        }
    if ds.modality == "audio":
        seconds = np.array([len(w) for w in ds.inputs]) / float(ds.sample_rate or 1)
        return {"sample_rate": ds.sample_rate, "seconds": _spread(seconds)}
    if ds.modality == "text":
        words = np.array([len(t.split()) for t in ds.inputs])
        return {"words": _spread(words)}
    if ds.modality == "timeseries" and ds.time_index is not None:
        ends = ds.time_index[[0, -1]]
        if np.issubdtype(ends.dtype, np.integer):  # years, steps
            return {"time": [int(t) for t in ends]}
        return {"time": [time_label(t) for t in ends]}
    if ds.modality == "interactions":
        return interaction_facts(ds)
    values = np.asarray(ds.inputs)
    return {"value_range": [round(float(values.min()), 4), round(float(values.max()), 4)]}


def _spread(values: np.ndarray) -> dict[str, float]:
    return {
        "min": round(float(values.min()), 3),
        "median": round(float(np.median(values)), 3),
        "max": round(float(values.max()), 3),
    }
