"""A search on iris: it beats a bad default, resumes after an interruption, writes its files,
and its best configuration trains and drives a depth study."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest

from depthlab.config import TrainSpec
from depthlab.errors import ConfigError

optuna = pytest.importorskip("optuna")

FIXED = {"epochs": 10, "batch_size": 16}
# Sensible learning rates; the "bad default" below (1e-5) lies far under them.
SPACE: dict[str, Any] = {"lr": {"low": 1e-3, "high": 0.3, "log": True}, "width": 16}


def search(out: Path, trials: int, **kwargs: Any) -> Any:
    from depthlab.tuning.runner import tune

    spec = TrainSpec(model="mlp", preset="shallow", train=FIXED)
    return tune("iris", spec, trials=trials, out=out, space=SPACE, **kwargs)


@pytest.fixture(scope="module")
def searched(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return search(tmp_path_factory.mktemp("tune") / "iris", trials=6)


def test_search_matches_or_beats_a_deliberately_bad_default(searched: Any) -> None:
    import depthlab as dl

    bad = dl.train(
        "iris",
        dl.TrainSpec(
            model="mlp", preset="shallow", options={"width": 16}, train={**FIXED, "lr": 1e-5}
        ),
    )
    bad_accuracy = bad.metrics["val"]["accuracy"]
    assert searched.best["metric"] == "val_accuracy"
    assert searched.value >= bad_accuracy
    assert searched.value >= 0.8 > bad_accuracy  # iris: 3 classes, chance is a third


def test_files_and_best_settings(searched: Any) -> None:
    folder = searched.folder
    best = json.loads((folder / "best.json").read_text())
    assert {"tune.db", "best.yaml", "best.json", "history.png", "importance.png"} <= {
        p.name for p in folder.iterdir()
    }
    assert best["trials"]["complete"] + best["trials"]["pruned"] == 6
    assert best["model"]["width"] == 16 and best["train"]["epochs"] == 10
    assert best["train"]["lr"] == pytest.approx(best["params"]["lr"])
    assert (folder / "history.png").stat().st_size > 1000
    assert best["plots"] == {"history": "history.png", "importance": "importance.png"}


def test_importance_plot_is_skipped_with_a_notice_under_two_trials(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="depthlab"):
        result = search(tmp_path / "one", trials=1)
    assert (tmp_path / "one" / "history.png").is_file()
    assert not (tmp_path / "one" / "importance.png").exists()
    assert "importance" not in result.best["plots"]
    assert "needs at least 2 completed trials" in caplog.text


def test_an_interrupted_search_resumes_keeping_finished_trials(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import depthlab.tuning.runner as runner

    real, calls = runner.run_trial, []

    def interrupted(request: Any, on_epoch: Any = ()) -> Any:
        calls.append(1)
        if len(calls) == 3:  # the third trial's first epoch hook stops the process

            def stop(record: dict[str, Any]) -> None:
                raise KeyboardInterrupt

            return real(request, on_epoch=[*on_epoch, stop])
        return real(request, on_epoch=on_epoch)

    monkeypatch.setattr(runner, "run_trial", interrupted)
    with pytest.raises(KeyboardInterrupt):
        search(tmp_path / "s", trials=4)
    storage = f"sqlite:///{tmp_path / 's' / 'tune.db'}"
    before = optuna.load_study(study_name=runner.STUDY_NAME, storage=storage).trials
    states = [t.state.name for t in before]
    assert states[:2] in (["COMPLETE", "COMPLETE"], ["COMPLETE", "PRUNED"]) and states[2] == "FAIL"

    monkeypatch.setattr(runner, "run_trial", real)
    result = search(tmp_path / "s", trials=4)  # the same command again
    after = optuna.load_study(study_name=runner.STUDY_NAME, storage=storage).trials
    finished = [t for t in after if t.state.name in ("COMPLETE", "PRUNED")]
    assert len(finished) == 4  # 4 in total, not 4 more
    for old, new in zip(before[:2], after[:2], strict=True):  # finished trials are kept
        assert (new.state, new.params, new.value) == (old.state, old.params, old.value)
    assert result.best["trials"]["fail"] == 1


def test_a_trial_left_running_by_a_killed_process_runs_again(tmp_path: Path) -> None:
    import depthlab.tuning.runner as runner

    search(tmp_path / "k", trials=1)
    storage = f"sqlite:///{tmp_path / 'k' / 'tune.db'}"
    study = optuna.load_study(study_name=runner.STUDY_NAME, storage=storage)
    orphan = study.ask()  # a trial a killed process left RUNNING
    lr = orphan.suggest_float("lr", 1e-3, 0.3, log=True)
    search(tmp_path / "k", trials=2)
    trials = optuna.load_study(study_name=runner.STUDY_NAME, storage=storage).trials
    assert trials[orphan.number].state.name == "FAIL"
    retried = [t for t in trials[orphan.number + 1 :] if t.params.get("lr") == lr]
    assert retried and retried[0].state.name in ("COMPLETE", "PRUNED")


def test_resuming_with_other_settings_is_refused(searched: Any) -> None:
    from depthlab.tuning.runner import tune

    with pytest.raises(ConfigError, match=r"other settings \(space\)"):
        tune(
            "iris",
            TrainSpec(model="mlp", preset="shallow", train=FIXED),
            trials=7,
            out=searched.folder,
            space={"lr": {"low": 1e-3, "high": 0.1, "log": True}},
        )


def test_a_study_trains_its_networks_with_tuned_settings(searched: Any) -> None:
    from depthlab.config import StudyConfig
    from depthlab.studies.fitting.data import StudyData
    from depthlab.studies.jobs import run_job
    from depthlab.studies.plan.job import Job
    from depthlab.tuning.results import read_tuned

    tuned = read_tuned(searched.folder.parent, "iris")  # a folder of searches
    assert set(tuned) == {"mlp:shallow"}
    config = StudyConfig(models=("logistic", "mlp:shallow"), epochs=2, quick=True, tuned=tuned)
    data = StudyData("iris", config)
    result = run_job(Job("fit", "mlp:shallow", 1.0, 0), data).to_json()
    assert result["status"] == "done" and result["tuned"] is True
    assert result["cost"]["parameters"] == 4 * 16 + 16 + 16 * 3 + 3  # the tuned width, 16
    plain = run_job(
        Job("fit", "mlp:shallow", 1.0, 0),
        StudyData("iris", StudyConfig(models=("logistic", "mlp:shallow"), epochs=2, quick=True)),
    ).to_json()
    assert plain["tuned"] is False and plain["cost"]["parameters"] > 1000  # the preset's 1024


def test_reading_tuned_results_errors(tmp_path: Path, searched: Any) -> None:
    from depthlab.tuning.results import read_tuned

    with pytest.raises(ConfigError, match=r"holds no best\.json"):
        read_tuned(tmp_path)
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "best.json").write_text((searched.folder / "best.json").read_text())
    with pytest.raises(ConfigError, match="two searches tune 'mlp:shallow'"):
        read_tuned(tmp_path)
