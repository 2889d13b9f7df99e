"""The transfer row's analysis: accuracy against k examples per class, fine-tuned and from
scratch, per network (from the jobs of :mod:`depthlab.studies.fitting.few_shot`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from depthlab.errors import DataError
from depthlab.evaluate.stats import mean_ci
from depthlab.studies.analysis.results import Results
from depthlab.studies.record import JobResult, Shot, TransferSource, TransferTarget


def transfer_curves(res: Results, alpha: float) -> dict[str, Any] | None:
    """Accuracy against k per network, fine-tuned and from scratch (mean, CI, per-seed values),
    for summary.json; None when the study has no transfer row."""
    done = [(j, _row(r)) for j, r in res.transfer]
    if not done:
        return None
    seeds = sorted({j.seed for j, _ in done})
    models = list(dict.fromkeys(j.model for j, _ in done))
    shots = sorted({row.k for _, r in done for row in r.shots})
    by = {(j.model, j.seed): r for j, r in done}
    curves: dict[str, Any] = {}
    for model in models:
        curves[model] = {"depth": next(r.depth for j, r in done if j.model == model)}
        for start in ("finetuned", "scratch"):
            points = []
            for k in shots:
                values = [_value(by.get((model, s)), k, start) for s in seeds]
                stats = mean_ci([v for v in values if v is not None], 1 - alpha)
                points.append({"k": k, "values": values, **stats})
            curves[model][start] = points
        sources = [by[(model, s)].source.accuracy for s in seeds if (model, s) in by]
        curves[model]["source_accuracy"] = float(np.mean(sources))
    first = done[0][1]
    return {
        "recipe": first.recipe,
        "description": first.description,
        "source": first.source.name,
        "target": first.target.name,
        "n_test": first.target.n_test,
        "shots": shots,
        "seeds": seeds,
        "models": curves,
    }


@dataclass(frozen=True)
class _Row:
    """A transfer job's record with the fields of a transfer row present."""

    recipe: str | None
    description: str | None
    depth: int | None
    source: TransferSource
    target: TransferTarget
    shots: list[Shot]


def _row(result: JobResult) -> _Row:
    if result.source is None or result.target is None or result.shots is None:
        raise DataError("a finished transfer job without its source, target or shots")
    return _Row(
        result.recipe, result.description, result.depth, result.source, result.target, result.shots
    )


def _value(result: _Row | None, k: int, start: str) -> float | None:
    if result is None:
        return None
    for row in result.shots:
        if row.k == k:
            return float(row.finetuned if start == "finetuned" else row.scratch)
    return None
