"""Metrics of a trained predictor on each part of a split, and the cost of its network."""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np

from depthlab.data.dataset import Dataset
from depthlab.data.splits import Split
from depthlab.evaluate.metrics import compute_metrics
from depthlab.evaluate.ranking import topk_metrics


class Predictor(Protocol):
    @property
    def task(self) -> str: ...

    @property
    def class_names(self) -> tuple[str, ...]: ...

    def predict(self, inputs: Any) -> np.ndarray: ...

    def predict_proba(self, inputs: Any) -> np.ndarray: ...


def outputs_of(predictor: Predictor, ds: Dataset) -> np.ndarray:
    """What the metrics read: class probabilities ``(N, K)`` for classification, predictions on
    the target's scale otherwise (what an ensemble averages, too)."""
    if predictor.task == "classification":
        return predictor.predict_proba(ds.inputs)
    return predictor.predict(ds.inputs)


def score_outputs(predictor: Predictor, ds: Dataset, outputs: np.ndarray) -> dict[str, Any]:
    """Task-aware metrics of *outputs* (see :func:`outputs_of`) against the targets of *ds*."""
    if predictor.task == "classification":
        return compute_metrics(
            "classification",
            ds.targets,
            outputs.argmax(axis=1),
            outputs,
            class_names=tuple(predictor.class_names),
        )
    # MASE's scale, the training series' one-step naive MAE, is a statistic of the preprocessing.
    stats = getattr(getattr(predictor, "preprocessor", None), "stats", None) or {}
    return compute_metrics(
        str(predictor.task), ds.targets, outputs, mase_scale=stats.get("naive_mae")
    )


def metrics_on(predictor: Predictor, ds: Dataset) -> dict[str, Any]:
    """Task-aware metrics of *predictor* on every example of *ds*."""
    return score_outputs(predictor, ds, outputs_of(predictor, ds))


def split_metrics(predictor: Predictor, ds: Dataset, split: Split) -> dict[str, Any]:
    """``{"train": ..., "val": ..., "test": ...}`` (parts without examples are left out)."""
    parts = {"train": split.train, "val": split.val, "test": split.test}
    out = {name: metrics_on(predictor, ds.subset(idx)) for name, idx in parts.items() if len(idx)}
    if ds.modality == "interactions" and len(split.test):  # top-k quality: HR@10, NDCG@10
        out["test"].update(topk_metrics(predictor.predict, ds, split.train, split.test))
    return out
