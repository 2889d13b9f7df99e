"""Ensembles of runs: averaged probabilities (or values) on the test part the members share."""

from __future__ import annotations

import numpy as np
import pytest

import depthlab as dl
from depthlab.data.load import load_dataset
from depthlab.errors import ConfigError, DataError
from depthlab.evaluate.metrics import compute_metrics
from depthlab.training.ensemble import average, ensemble_metrics
from depthlab.training.reload import run_data

QUICK = {"epochs": 3}


def test_average_is_the_mean_and_refuses_mismatched_members() -> None:
    a, b = np.array([[0.9, 0.1], [0.2, 0.8]]), np.array([[0.5, 0.5], [0.6, 0.4]])
    np.testing.assert_allclose(average([a, b], "classification"), [[0.7, 0.3], [0.4, 0.6]])
    with pytest.raises(DataError, match="differ in shape"):
        average([a, b[:1]], "classification")
    with pytest.raises(ConfigError, match="at least one member"):
        average([], "regression")


def test_split_seed_fixes_the_split_while_seed_changes_the_weights() -> None:
    first = dl.train("iris", dl.TrainSpec(train=QUICK, split={"seed": 7}), seed=0)
    second = dl.train("iris", dl.TrainSpec(train=QUICK, split={"seed": 7}), seed=1)
    other = dl.train("iris", dl.TrainSpec(train=QUICK), seed=1)
    assert first.config["split"]["fingerprint"] == second.config["split"]["fingerprint"]
    assert first.config["split"]["fingerprint"] != other.config["split"]["fingerprint"]
    assert (first.config["split"]["seed"], second.config["train"]["seed"]) == (7, 1)
    inputs = load_dataset("iris").inputs[:10]
    assert not np.allclose(first.outputs(inputs), second.outputs(inputs))  # other weights


def test_ensemble_averages_the_members_probabilities_on_their_test_part() -> None:
    runs = [
        dl.train("iris", dl.TrainSpec(model="mlp", train=QUICK, split={"seed": 0}), seed=s)
        for s in range(3)
    ]
    result = ensemble_metrics(runs)
    ds, split = run_data(runs[0])
    test = ds.subset(split.test)
    probas = [run.predict_proba(test.inputs) for run in runs]
    mean = np.mean(probas, axis=0)
    expected = compute_metrics("classification", test.targets, mean.argmax(1), mean)
    assert result["test"]["accuracy"] == pytest.approx(expected["accuracy"])
    assert result["test"]["log_loss"] == pytest.approx(expected["log_loss"])
    assert result["test_examples"] == len(split.test)
    for run, member in zip(runs, result["members"], strict=True):
        assert member["accuracy"] == pytest.approx(run.metrics["test"]["accuracy"])
    # -log is convex: the averaged probabilities never lose more than the members on average
    members_loss = np.mean([m["log_loss"] for m in result["members"]])
    assert result["test"]["log_loss"] <= members_loss + 1e-12


def test_regression_members_average_their_values() -> None:
    runs = [
        dl.train("diabetes", dl.TrainSpec(train=QUICK, split={"seed": 3}), seed=s) for s in (0, 1)
    ]
    result = ensemble_metrics(runs)
    ds, split = run_data(runs[0])
    test = ds.subset(split.test)
    mean = np.mean([run.predict(test.inputs) for run in runs], axis=0)
    rmse = float(np.sqrt(np.mean((mean - test.targets) ** 2)))
    assert result["test"]["rmse"] == pytest.approx(rmse)
    assert set(result["members"][0]) == {"run", "rmse", "mae", "r2"}


def test_members_trained_on_a_dataset_object_need_it_again() -> None:
    ds = load_dataset("iris")
    runs = [dl.train(ds, dl.TrainSpec(train=QUICK, split={"seed": 0}), seed=s) for s in (0, 1)]
    assert ensemble_metrics(runs, data=ds)["test_examples"] == runs[0].config["split"]["test"]
    with pytest.raises(ConfigError, match="data="):
        ensemble_metrics(runs)


def test_members_must_share_the_test_part_and_the_task() -> None:
    iris = dl.train("iris", dl.TrainSpec(train=QUICK), seed=0)
    other_split = dl.train("iris", dl.TrainSpec(train=QUICK), seed=1)
    with pytest.raises(ConfigError, match=r"other examples.*--split-seed"):
        ensemble_metrics([iris, other_split])
    diabetes = dl.train("diabetes", dl.TrainSpec(train=QUICK), seed=0)
    with pytest.raises(ConfigError, match="same data"):
        ensemble_metrics([iris, diabetes])
    wine = dl.train("wine", dl.TrainSpec(train=QUICK), seed=0)
    data = iris.record.data.model_copy(update={"name": "wine"})
    iris.record = iris.record.model_copy(update={"data": data})  # the same data, by its name
    with pytest.raises(ConfigError, match="predict the same thing"):
        ensemble_metrics([wine, iris])
    with pytest.raises(ConfigError, match="at least two runs"):
        ensemble_metrics([iris])
