"""Statistics, the plan and the store of a depth study (fast, no training)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest

from depthlab.config import StudyConfig
from depthlab.config_io import load_yaml
from depthlab.data.load import load_dataset
from depthlab.errors import ConfigError
from depthlab.evaluate.stats import mean_ci, paired
from depthlab.studies.plan.job import Job
from depthlab.studies.plan.ladder import make_plan
from depthlab.studies.store import Store


def test_mean_ci_matches_the_t_interval() -> None:
    from scipy import stats

    values = [0.61, 0.64, 0.70, 0.66]
    ci = mean_ci(values)
    lo, hi = stats.t.interval(0.95, 3, loc=np.mean(values), scale=stats.sem(values))
    assert ci["mean"] == pytest.approx(np.mean(values))
    assert (ci["lo"], ci["hi"]) == (pytest.approx(lo), pytest.approx(hi))
    assert mean_ci([0.5])["lo"] is None and mean_ci([])["mean"] is None


def test_paired_test_needs_a_consistent_difference() -> None:
    better = paired([0.90, 0.92, 0.91], [0.80, 0.83, 0.80])
    assert better["significant"] and better["diff"] > 0 and better["lo"] > 0
    noisy = paired([0.90, 0.80, 0.91], [0.85, 0.86, 0.84])
    assert not noisy["significant"] and noisy["lo"] < 0 < noisy["hi"]
    single = paired([0.9], [0.1])  # one seed never decides
    assert not single["significant"] and single["p"] is None
    constant = paired([0.5, 0.6, 0.7], [0.4, 0.5, 0.6])  # the same gain on every seed
    assert constant["significant"] and constant["p"] == 0.0


def test_default_ladder_follows_the_modality() -> None:
    sequence = make_plan(StudyConfig(), load_dataset("mnist1d"), cores=2)
    assert sequence.models == (
        "logistic",
        "boosting",
        "linear",
        "mlp:shallow",
        "mlp:deep",
        "cnn:deep",
        "rnn:deep",
    )
    table = make_plan(StudyConfig(), load_dataset("diabetes"), cores=2)
    assert table.models == ("ridge", "boosting", "linear", "mlp:shallow", "mlp:deep")
    keys = [job.key for job in sequence.jobs]
    assert len(keys) == len(set(keys))
    fits = [job for job in sequence.jobs if job.kind == "fit" and not job.variant]
    assert len(fits) == 7 * 4 * 3
    assert sum(job.variant == "noreg" for job in sequence.jobs) == 3
    timed = {job.model for job in sequence.jobs if job.kind == "threads"}
    assert timed == {"mlp:shallow", "cnn:deep"}


def test_quick_plan_is_smaller() -> None:
    plan = make_plan(StudyConfig(quick=True), load_dataset("mnist1d"), cores=2)
    assert plan.fractions == (0.25, 1.0) and "rnn:shallow" in plan.models
    assert not any(job.kind == "threads" for job in plan.jobs)
    assert len(plan.seeds) == 3  # two seeds would leave a t-test almost powerless
    assert StudyConfig().epochs is None  # and never shorter training: each network converges


def test_models_are_checked_against_the_data() -> None:
    iris = load_dataset("iris")
    with pytest.raises(
        ConfigError, match="does not fit tabular data; models that fit: linear, mlp"
    ):
        make_plan(StudyConfig(models=("logistic", "cnn:deep")), iris, cores=2)
    with pytest.raises(ConfigError, match=r"unknown model 'mpl'.*Did you mean 'mlp'"):
        make_plan(StudyConfig(models=("logistic", "mpl:deep")), iris, cores=2)
    with pytest.raises(ConfigError, match=r"unknown preset 'medium'.*Presets: shallow, deep"):
        make_plan(StudyConfig(models=("logistic", "mlp:medium")), iris, cores=2)


def test_invalid_study_config_names_the_key_and_the_choices(tmp_path: Path) -> None:
    path = tmp_path / "study.yaml"
    path.write_text("fractionz: [0.5, 1.0]\n")
    with pytest.raises(
        ConfigError, match=r"unknown option 'fractionz'.*'fractions'.*Valid options"
    ):
        load_yaml(StudyConfig, path)
    path.write_text("seeds: 1\n")
    with pytest.raises(ConfigError, match="'seeds'"):
        load_yaml(StudyConfig, path)
    path.write_text("fractions: [0.5, 1.5]\n")
    with pytest.raises(ConfigError, match=r"fractions must lie in \(0, 1\]"):
        load_yaml(StudyConfig, path)
    path.write_text("recommend_by: accuracy\n")
    with pytest.raises(ConfigError, match=r"'recommend_by'.*train_time.*latency"):
        load_yaml(StudyConfig, path)


def test_store_records_once_and_refuses_another_study(tmp_path: Path) -> None:
    store = Store(tmp_path / "study.sqlite")
    store.check_settings({"source": "iris", "config": {"seeds": 3}})
    job = Job("fit", "linear", 0.5, 1)
    store.record(job, {"status": "done", "test": {"accuracy": 0.9}})
    store.record(job, {"status": "done", "test": {"accuracy": 0.9}})  # a rerun replaces
    assert store.done_keys() == {"linear/f0.5/s1"}
    [(again, record)] = store.results()
    result = record.to_json()
    assert again == job and result["test"]["accuracy"] == 0.9
    store.check_settings({"source": "iris", "config": {"seeds": 3}})  # the same study resumes
    with pytest.raises(ConfigError, match="holds a study with other settings"):
        store.check_settings({"source": "iris", "config": {"seeds": 5}})


def test_a_file_that_is_not_a_store_is_refused(tmp_path: Path) -> None:
    from depthlab.errors import DataError

    bad = tmp_path / "study.sqlite"
    bad.write_text("not a database " * 100)
    with pytest.raises(DataError, match="is not a depthlab study store"):
        Store(bad)
    assert sqlite3.sqlite_version  # the store needs nothing beyond the standard library


def test_a_diverged_job_is_a_result_not_a_crash(monkeypatch: pytest.MonkeyPatch) -> None:
    from depthlab.studies import jobs
    from depthlab.training.loop import TrainingError

    def explode(*args: object, **kwargs: object) -> None:
        raise TrainingError("the loss became nan at epoch 2, step 3; lower the learning rate")

    monkeypatch.setattr(jobs, "fit_network", explode)
    data = jobs.StudyData("iris", StudyConfig(epochs=1))
    result = jobs.run_job(Job("fit", "mlp:deep", 1.0, 0), data).to_json()
    assert result["status"] == "diverged" and "loss became nan" in result["error"]
