"""The study's tuning phase (study --tune N) on small data: every model of the ladder searched,
classical ones included, seeded, its choice trained by every job of that model and recorded,
resumed without training a finished trial again, and shown in the report. The data is diabetes
(regression): its R² on the validation part rarely ties, so searches do change settings."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from depthlab.config import StudyConfig
from depthlab.config_io import parse_config
from depthlab.depth_study import study
from depthlab.errors import ConfigError
from depthlab.studies.fitting.data import StudyData
from depthlab.studies.fitting.tune import search_folder
from depthlab.studies.jobs import run_job
from depthlab.studies.plan.job import Job
from depthlab.studies.plan.ladder import DEFAULT_TUNE, make_plan, tune_trials
from depthlab.studies.store import open_store
from depthlab.studies.tune_phase import fingerprint, with_chosen
from depthlab.tuning.search import JOURNAL

pytest.importorskip("optuna")

DATA = "diabetes"
MODELS = ("ridge", "boosting", "mlp:shallow")
OFF = ("threads", "probes", "robustness", "explain", "regularisation", "transfer")
SMALL: dict[str, Any] = {
    "models": MODELS,
    "fractions": (1.0,),
    "seeds": 2,
    "epochs": 2,
    "tune": 3,
    "quick": True,
    **dict.fromkeys(OFF, False),
}


def same(tuning: Any) -> dict[str, Any]:
    """What a search found, without its CPU time."""
    return dict(tuning.model_dump(exclude={"cpu_seconds"}))


@pytest.fixture(scope="module")
def tuned(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small study with 3 trials per model."""
    folder = tmp_path_factory.mktemp("tuned") / DATA
    study(DATA, SMALL, out=folder, workers=2)
    return folder


@pytest.mark.slow
def test_every_model_is_searched_with_its_trials(tuned: Path) -> None:
    summary = json.loads((tuned / "summary.json").read_text())
    found = summary["tuning"]
    assert found["trials"] == 3 and set(found["models"]) == set(MODELS)
    for model, entry in found["models"].items():
        assert entry["complete"] + entry["failed"] == 3, model
        assert entry["preset"] is not None and entry["tuned"] >= entry["preset"]
        assert (search_folder(tuned, model) / JOURNAL).is_file()
    assert found["models"]["mlp:shallow"]["epochs"] >= 1  # the trial budget
    assert found["models"]["ridge"]["epochs"] is None  # a baseline trains no epochs
    assert summary["progress"]["done"] == summary["progress"]["planned"] == 3 + 3 * 2


@pytest.mark.slow
def test_every_job_of_a_model_trains_its_chosen_settings(tuned: Path) -> None:
    rows = open_store(tuned, must_exist=True).results()
    chosen = {j.model: r.tuning.chosen for j, r in rows if j.kind == "tune" and r.tuning}
    assert any(chosen.values()), "no search changed a setting: this test would check nothing"
    fits = [(j, r) for j, r in rows if j.kind == "fit"]
    assert len(fits) == 3 * 2 and all(r.done for _, r in fits)
    for job, result in fits:
        settings = chosen.get(job.model) or {}
        assert job.tuned == (fingerprint(settings) if settings else "")
        assert result.tuned is bool(settings)
        assert result.settings is not None
        for part, values in settings.items():  # the chosen values, over the preset's
            assert {k: result.settings[part][k] for k in values} == values


@pytest.mark.slow
def test_the_report_shows_preset_against_tuned(tuned: Path) -> None:
    page = (tuned / "report.html").read_text()
    start = page.index('<section id="tuning">')
    part = page[start : page.index("</section>", start)]
    assert "Preset against tuned" in part and "<table" in part
    for name in ("ridge regression", "gradient boosting", "shallow MLP"):
        assert name in part
    assert "preset (validation)" in part and "tuned (validation)" in part
    assert "3 trials of a seeded search" in part


@pytest.mark.slow
def test_resuming_after_the_tuning_phase_trains_no_trial_again(tuned: Path) -> None:
    journals = {m: (search_folder(tuned, m) / JOURNAL).read_bytes() for m in MODELS}
    store = open_store(tuned, must_exist=True)
    before = {j.key: r for j, r in store.results()}
    with store.connect() as db:  # as if killed after its trials, before its result was kept
        db.execute("DELETE FROM results WHERE key = 'tune/mlp:shallow'")
    study(DATA, SMALL, out=tuned, workers=2)
    after = {j.key: r for j, r in open_store(tuned).results()}
    assert {m: (search_folder(tuned, m) / JOURNAL).read_bytes() for m in MODELS} == journals
    assert same(after["tune/mlp:shallow"].tuning) == same(before["tune/mlp:shallow"].tuning)
    assert {k: r.test for k, r in after.items()} == {k: r.test for k, r in before.items()}


def test_the_same_search_chooses_the_same_settings(tmp_path: Path) -> None:
    config = parse_config(StudyConfig, SMALL)
    outcomes = []
    for name in ("a", "b"):
        data = StudyData(DATA, config, str(tmp_path / name))
        result = run_job(Job("tune", "boosting"), data)
        assert result.done, result.error
        outcomes.append(same(result.tuning))
    assert outcomes[0] == outcomes[1]


def test_a_baseline_fit_trains_with_the_options_it_is_given() -> None:
    config = parse_config(
        StudyConfig, {**SMALL, "tune": 0, "tuned": {"logistic": {"model": {"C": 0.01}}}}
    )
    result = run_job(Job("fit", "logistic"), StudyData("iris", config))
    assert result.done and result.tuned is True
    assert result.settings == {"model": {"C": 0.01}}


def test_a_job_trained_with_other_settings_is_not_done(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    jobs, config = with_chosen(
        [Job("fit", "logistic")], StudyConfig(), {"logistic": {"model": {"C": 2.0}}}
    )
    assert config.tuned == {"logistic": {"model": {"C": 2.0}}} and config.tune == 0
    store.record(Job("fit", "logistic"), {"status": "done"})  # trained at the preset
    assert jobs[0].key == "logistic/f1/s0" and jobs[0] not in store.done_jobs()
    store.record(jobs[0], {"status": "done"})
    assert jobs[0] in store.done_jobs() and Job("fit", "logistic") not in store.done_jobs()


def test_quick_tunes_only_when_asked(cli: Any, tmp_path: Path) -> None:
    from depthlab.data.load import load_dataset

    iris = load_dataset("iris")
    assert tune_trials(StudyConfig()) == DEFAULT_TUNE and tune_trials(StudyConfig(tune=4)) == 4
    assert tune_trials(StudyConfig(quick=True)) == 0
    assert not [j for j in make_plan(StudyConfig(quick=True), iris, 2).jobs if j.kind == "tune"]
    asked = make_plan(StudyConfig(quick=True, tune=2), iris, 2)
    assert [j.key for j in asked.jobs if j.kind == "tune"] == [
        "tune/mlp:deep", "tune/mlp:shallow", "tune/linear", "tune/boosting", "tune/logistic",
    ]  # fmt: skip
    result = cli("study", "iris", "--quick", "--tune", "2", "--dry-run", "--out", str(tmp_path))
    assert result.code == 0, result.err
    assert "tuning    2 trials for each of 5 models" in result.err
    with pytest.raises(ConfigError, match="use one"):
        parse_config(StudyConfig, {"tune": 2, "tuned": {"mlp:deep": {"model": {"width": 8}}}})
    assert tune_trials(StudyConfig(tuned={"mlp:deep": {"model": {"width": 8}}})) == 0
