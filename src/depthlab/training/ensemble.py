"""An ensemble of trained runs: their predictions averaged on the test part they share.

Networks trained from different seeds make partly different mistakes; averaging their class
probabilities (a "deep ensemble", Lakshminarayanan et al., NeurIPS 2017) or their regression
and forecast values removes the part of the error that is chance. The members may differ in
anything (seed, model, features, augmentation) as long as they were trained on the same data
and test on the same examples: ``depthlab train --split-seed S`` keeps the split fixed while
``--seed`` changes the weights, and ``--test-group``, ``--split official`` or a temporal split
fix it anyway.

Example:
    >>> import numpy as np
    >>> from depthlab.training.ensemble import average
    >>> average([np.array([[0.9, 0.1]]), np.array([[0.3, 0.7]])], "classification")
    array([[0.6, 0.4]])
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from depthlab.data.dataset import Dataset
from depthlab.errors import ConfigError, DataError
from depthlab.evaluate.measure import outputs_of, score_outputs
from depthlab.training.reload import load_source, run_data
from depthlab.training.run import Run


def average(outputs: Sequence[np.ndarray], task: str) -> np.ndarray:
    """The members' *outputs* averaged: class probabilities ``(N, K)`` for classification,
    values on the target's scale otherwise. Arrays of different shapes are a DataError."""
    if not outputs:
        raise ConfigError("an ensemble needs at least one member")
    shapes = {np.shape(o) for o in outputs}
    if len(shapes) > 1:
        raise DataError(f"the members' {task} outputs differ in shape: {sorted(shapes)}")
    return np.mean(np.stack([np.asarray(o, dtype=np.float64) for o in outputs]), axis=0)


def ensemble_metrics(
    runs: Sequence[Run],
    data: Dataset | None = None,
    *,
    data_dir: Path | None = None,
    cache_dir: Path | None = None,
) -> dict[str, Any]:
    """Test metrics of *runs* averaged (``"test"``) and of each member alone (``"members"``).

    Each run's data and split are made again as in training (:func:`~depthlab.training.reload.
    run_data`; *data* stands in for runs trained on a Dataset object). The members must share
    the task, the classes and the test examples; otherwise it is a ConfigError naming the run
    that differs and why.

    Example:
        >>> import depthlab as dl
        >>> spec = dl.TrainSpec(split={"seed": 0})  # one split, three seeds of weights
        >>> runs = [dl.train("iris", spec, seed=s) for s in range(3)]  # doctest: +SKIP
        >>> ensemble_metrics(runs)["test"]["accuracy"]  # doctest: +SKIP
    """

    if len(runs) < 2:
        raise ConfigError(f"an ensemble needs at least two runs, got {len(runs)}")
    first = runs[0]
    sources: dict[str, Dataset] = {}  # each source loaded once (decoding audio is not free)
    test_ids: np.ndarray | None = None
    outputs: list[np.ndarray] = []
    members: list[dict[str, Any]] = []
    for run in runs:
        where = run.path or f"run {len(members) + 1}"
        check_member(run, first, where)
        member_data = data
        if member_data is None:
            key = json.dumps([run.record.data.source, run.record.data.options])
            if key not in sources:
                sources[key] = load_source(run, data_dir, cache_dir, "pass the Dataset as data=")
            member_data = sources[key]
        ds, split = run_data(run, member_data)
        if test_ids is None:
            test_ids = split.test
        elif not np.array_equal(split.test, test_ids):
            differ = (
                f"{len(split.test):,} against {len(test_ids):,}"
                if len(split.test) != len(test_ids)
                else "as many, but other ones"
            )
            raise ConfigError(
                f"{where} tests on other examples than the first member ({differ}): train the "
                "members on one split (the same --split-seed, --test-group or --split official)"
            )
        test = ds.subset(split.test)  # the same examples for every member
        out = outputs_of(run, test)
        outputs.append(out)
        members.append({"run": str(where), **score_outputs(run, test, out)})
    return {
        "test": score_outputs(first, test, average(outputs, first.task)),
        "members": members,
        "test_examples": len(test),
    }


def check_member(run: Run, first: Run, where: object) -> None:
    """A ConfigError unless *run* predicts what the *first* member does, on the same data."""
    name, first_name = run.record.data.name, first.record.data.name
    if name != first_name:
        raise ConfigError(
            f"{where} was trained on {name}, the first member on {first_name}: an "
            "ensemble's members test on the same data"
        )
    if run.task != first.task or run.class_names != first.class_names:
        raise ConfigError(
            f"{where} does {run.task} with classes {list(run.class_names)}, the first member "
            f"{first.task} with {list(first.class_names)}: an ensemble's members predict the "
            "same thing"
        )
