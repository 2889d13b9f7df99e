"""Cross-validation: one training run per fold, and the folds' test metrics summarised.

Folds are ``"logo"`` (leave one group out: each group, e.g. a speaker, is the test set once and
the model trains on the others) or a number ``k`` of folds (grouped, stratified or plain k-fold as
the split strategy says, see :func:`~depthlab.data.splits.kfold`). Every fold is an ordinary run
(:func:`~depthlab.training.run.train`), its validation part carved out of its training part, so
``depthlab evaluate`` re-scores any fold's folder. The summary holds each fold's test metrics and,
per metric, the mean with a two-sided 95% Student-t confidence interval over the folds.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from depthlab.config import TrainSpec
from depthlab.data.dataset import Dataset
from depthlab.data.load import load_dataset
from depthlab.errors import ConfigError, DataError
from depthlab.evaluate.stats import mean_ci
from depthlab.models.base import get_family
from depthlab.models.baselines import is_baseline
from depthlab.training.preprocess import examples_for
from depthlab.training.record import write_json
from depthlab.training.run import train

log = logging.getLogger(__name__)

SUMMARY_FILE = "crossval.json"
Folds = str | int


def parse_folds(value: Folds) -> Folds:
    """``"logo"`` or a whole number of folds >= 2 (also given as text, from the CLI)."""
    if isinstance(value, str) and value.strip().lower() == "logo":
        return "logo"
    try:
        k = int(value)
    except (TypeError, ValueError):
        k = 0
    if k < 2:
        raise ConfigError(
            f"folds must be 'logo' (leave one group out) or a number of folds >= 2, got '{value}'"
        )
    return k


@dataclass
class CrossValidation:
    """The folds of a cross-validation and their summary.

    ``folds``: one dict per fold, its ``name`` (the group held out, or ``1/5``...), ``sizes``,
    ``test`` metrics, ``train_seconds`` and ``run`` folder (None when nothing was written);
    ``summary``: metric -> ``mean``, ``std``, ``lo``, ``hi`` (95% CI) and ``n`` folds.

    Example:
        >>> import depthlab as dl
        >>> spec = dl.TrainSpec(model="logistic")
        >>> cv = dl.cross_validate("iris", spec, folds=5)  # doctest: +SKIP
        >>> round(cv.summary["accuracy"]["mean"], 2)  # doctest: +SKIP
        0.96
    """

    config: dict[str, Any]
    folds: list[dict[str, Any]] = field(default_factory=list)
    summary: dict[str, dict[str, Any]] = field(default_factory=dict)
    path: Path | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"config": self.config, "folds": self.folds, "summary": self.summary}

    @classmethod
    def load(cls, path: str | Path) -> CrossValidation:
        """Read a folder written by :func:`cross_validate`."""
        folder = Path(path)
        try:
            raw = json.loads((folder / SUMMARY_FILE).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            raise DataError(
                f"{folder} holds no cross-validation summary ({SUMMARY_FILE})"
            ) from None
        return cls(raw["config"], raw["folds"], raw["summary"], folder)


def summarise(folds: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Mean, standard deviation and 95% confidence interval of every scalar test metric, and
    of the training time, over the folds."""
    values: dict[str, list[float]] = {}
    for fold in folds:
        scalars = {k: v for k, v in fold["test"].items() if isinstance(v, int | float)}
        for key, value in {**scalars, "train_seconds": fold["train_seconds"]}.items():
            values.setdefault(key, []).append(float(value))
    summary = {}
    for key, column in values.items():
        ci = mean_ci(column)
        std = float(np.std(column, ddof=1)) if len(column) > 1 else None
        summary[key] = {**ci, "std": std}
    return summary


def _folder_name(name: str) -> str:
    return "fold-" + (re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-") or "group")


def fold_plan(ds: Dataset, folds: Folds) -> list[tuple[str, dict[str, Any]]]:
    """``(name, train keyword arguments)`` of every fold of *ds*."""
    if folds == "logo":
        if ds.groups is None:
            raise ConfigError(
                f"{ds.name} has no groups to leave out one at a time; give groups (an audio "
                "folder's --label-pattern with (?P<group>...)) or use a number of folds"
            )
        names = sorted({str(g) for g in ds.groups})
        if len(names) < 2:
            raise ConfigError(f"{ds.name} has a single group; leave-one-group-out needs two")
        return [(name, {"test_group": name}) for name in names]
    k = int(folds)
    if k > len(ds):
        raise ConfigError(f"{ds.name} has {len(ds)} examples, too few for {k} folds")
    return [(f"{i + 1}/{k}", {"fold": (i, k)}) for i in range(k)]


def cross_validate(
    data: str | Path | Dataset,
    spec: TrainSpec | None = None,
    *,
    folds: Folds = "logo",
    out: str | Path | None = None,
    seed: int | None = None,
    resume: bool = False,
) -> CrossValidation:
    """Train the model of *spec* once per fold of *data* and summarise the test metrics.

    *folds*: ``"logo"`` (leave one group out) or ``k``; ``spec.split.strategy`` is the k-fold
    strategy (``auto`` groups when the data has groups, else stratifies classes); *seed* wins
    over the spec's. With *out*, fold runs go to ``out/fold-NAME`` and the summary to
    ``out/crossval.json``; ``resume=True`` continues (finished folds are read back, not trained
    again). Every fold is a :func:`~depthlab.training.run.train` run of *spec*.

    Example:
        >>> import depthlab as dl
        >>> cv = dl.cross_validate("fsdd", dl.TrainSpec(model="logistic"))  # doctest: +SKIP
        >>> [f["name"] for f in cv.folds]  # doctest: +SKIP
        ['george', 'jackson', 'nicolas', 'theo', 'yweweler']
    """
    spec = spec or TrainSpec()
    if seed is not None:  # the explicit argument wins over the spec's own seed
        spec = TrainSpec(train={"seed": seed}).over(spec)
    chosen = parse_folds(folds)
    if not is_baseline(spec.model):
        get_family(spec.model)  # an unknown model is an error before any data is read
    options = spec.data.model_dump(exclude_unset=True)
    loaded = data if isinstance(data, Dataset) else load_dataset(data, **options)
    plan = fold_plan(examples_for(loaded, spec.model, spec.features), chosen)
    folder = Path(out) if out is not None else None
    if folder is not None and not resume:
        taken = [folder / _folder_name(n) for n, _ in plan] + [folder / SUMMARY_FILE]
        if any(p.exists() for p in taken):
            raise ConfigError(
                f"{folder} already holds a cross-validation; pass --resume to continue it, "
                "or choose another --out"
            )
    result = CrossValidation(_described(data, loaded.name, spec, chosen), path=folder)
    for number, (name, where) in enumerate(plan, start=1):
        log.info("fold %s (%d of %d)", name, number, len(plan))
        run_folder = folder / _folder_name(name) if folder is not None else None
        # A name or path is passed on, not the loaded data, so that each fold's run.json
        # records where its data comes from and `depthlab evaluate` can score it again.
        run = train(data, TrainSpec(**where).over(spec), out=run_folder, resume=resume)
        result.folds.append(
            {
                "name": name,
                **{k: list(v) if isinstance(v, tuple) else v for k, v in where.items()},
                "sizes": {k: getattr(run.record.split, k) for k in ("train", "val", "test")},
                "test": run.metrics["test"],
                "train_seconds": run.metrics["cost"]["train_seconds"],
                "run": None if run_folder is None else str(run_folder),
            }
        )
    result.summary = summarise(result.folds)
    if folder is not None:
        folder.mkdir(parents=True, exist_ok=True)
        write_json(folder / SUMMARY_FILE, result.to_dict())
    return result


def _described(
    data: str | Path | Dataset, name: str, spec: TrainSpec, folds: Folds
) -> dict[str, Any]:
    """crossval.json's ``config``: the data, model, folds, seed, split and the options set."""
    given = {
        "model_options": spec.options,
        "train_options": {k: v for k, v in spec.given().get("train", {}).items() if k != "seed"},
        "data_options": spec.data.model_dump(mode="json", exclude_unset=True),
        "feature_options": spec.features.model_dump(mode="json", exclude_unset=True),
    }
    return {
        "data": name,
        "source": None if isinstance(data, Dataset) else str(data),
        "model": spec.model,
        "preset": spec.preset,
        "folds": folds,
        "seed": spec.train.seed,
        "split": spec.split.strategy,
        **{k: v for k, v in given.items() if v},
    }
