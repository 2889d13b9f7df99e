"""MLflow: a run's parameters, per-epoch and final metrics and files reach the store, read back
with MlflowClient; a resumed run goes on in the same MLflow run."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import depthlab as dl

pytest.importorskip("mlflow")

EPOCHS = 4


class _Stop(Exception):
    pass


@dataclass
class Logged:
    uri: str
    out: Path
    run: dl.Run
    run_id: str


@pytest.fixture(scope="module")
def logged(tmp_path_factory: pytest.TempPathFactory, mirror: Path) -> Logged:
    """One run, interrupted after epoch 2 and resumed, logged to a fresh SQLite store.

    Module-scoped: importing MLflow and creating its tables takes seconds.
    """
    folder = tmp_path_factory.mktemp("mlflow")
    uri, out = f"sqlite:///{folder / 'mlflow.db'}", folder / "runs" / "iris-mlp"
    options = {"epochs": EPOCHS}

    def stop_at_two(record: dict[str, Any]) -> None:
        if record["epoch"] == 2:
            raise _Stop

    tracker = dl.MlflowTracker(uri)
    with pytest.MonkeyPatch.context() as patch:  # the module fixture has no environment fixture
        patch.setenv("DEPTHLAB_DATA_DIR", str(mirror))
        patch.setenv("DEPTHLAB_OFFLINE", "1")
        patch.setenv("DEPTHLAB_CACHE_DIR", str(folder / "cache"))
        # The tracker's hook comes after the user's: stop_at_two raises first at epoch 2.
        with pytest.raises(_Stop):
            dl.train(
                "iris",
                dl.TrainSpec(model="mlp", train=options),
                out=out,
                hooks=[stop_at_two],
                track=[tracker],
            )
        run = dl.train(
            "iris",
            dl.TrainSpec(model="mlp", train=options),
            out=out,
            resume=True,
            track=[dl.MlflowTracker(uri)],
        )
    run_id = json.loads((out / "mlflow.json").read_text())["run_id"]
    return Logged(uri, out, run, run_id)


def client(uri: str) -> Any:
    from mlflow.tracking import MlflowClient

    return MlflowClient(tracking_uri=uri)


def test_parameters_and_final_metrics_are_in_the_store(logged: Logged) -> None:
    record = client(logged.uri).get_run(logged.run_id)
    assert record.info.status == "FINISHED"
    assert record.info.run_name == "iris-mlp"
    params = record.data.params
    assert params["data.name"] == "iris"
    assert params["model.family"] == "mlp"
    assert params["preset"] == "shallow"
    assert params["train.epochs"] == str(EPOCHS)
    metrics = record.data.metrics
    assert metrics["test_accuracy"] == pytest.approx(logged.run.metrics["test"]["accuracy"])
    assert metrics["cost_parameters"] == logged.run.metrics["cost"]["parameters"]
    experiment = client(logged.uri).get_experiment(record.info.experiment_id)
    assert experiment.name == "iris"  # the dataset's name by default


def test_every_epoch_is_logged_once_across_the_resume(logged: Logged) -> None:
    # Epoch 2 was checkpointed but not logged before the stop: the resumed run fills it in.
    history = client(logged.uri).get_metric_history(logged.run_id, "train_loss")
    got = {m.step: m.value for m in history}
    assert len(history) == len(got), "a step was logged twice"
    expected = {r["epoch"]: r["train_loss"] for r in logged.run.history}
    assert got == pytest.approx(expected)
    assert sorted(got) == list(range(1, EPOCHS + 1))


def test_run_files_are_artifacts(logged: Logged) -> None:
    mlflow_client = client(logged.uri)
    names = {a.path for a in mlflow_client.list_artifacts(logged.run_id)}
    assert {"run.json", "metrics.json", "history.jsonl", "model.safetensors"} <= names
    local = Path(
        mlflow_client.download_artifacts(logged.run_id, "metrics.json", str(logged.out.parent))
    )
    assert (
        json.loads(local.read_text())["test"]
        == json.loads((logged.out / "metrics.json").read_text())["test"]
    )


def test_cli_logs_to_a_named_experiment(logged: Logged, tmp_path: Path, cli: Any) -> None:
    out = tmp_path / "cli-run"
    result = cli(
        "train",
        "--data",
        "iris",
        "--epochs",
        "2",
        "--out",
        str(out),
        "-q",
        "--no-tensorboard",
        "--mlflow",
        logged.uri,
        "--experiment",
        "flowers",
    )
    assert result.code == 0, result.err
    mlflow_client = client(logged.uri)
    experiment = mlflow_client.get_experiment_by_name("flowers")
    (record,) = mlflow_client.search_runs([experiment.experiment_id])
    assert record.data.params["train.epochs"] == "2"
    assert [m.step for m in mlflow_client.get_metric_history(record.info.run_id, "val_loss")] == [
        1,
        2,
    ]


def test_experiment_without_mlflow_is_a_one_line_error(tmp_path: Path, cli: Any) -> None:
    result = cli("train", "--data", "iris", "--out", str(tmp_path / "x"), "--experiment", "a")
    assert result.code == 2
    assert result.err.strip() == (
        "error: --experiment names an MLflow experiment; add --mlflow URI (or local)"
    )


def test_an_unreachable_store_is_a_one_line_error(tmp_path: Path, cli: Any) -> None:
    not_a_database = tmp_path / "mlflow.db"
    not_a_database.write_text("these are notes, not an SQLite database\n" * 100)
    bad = f"sqlite:///{not_a_database}"
    result = cli("train", "--data", "iris", "--out", str(tmp_path / "y"), "--mlflow", bad)
    assert result.code == 2
    assert result.err.startswith("error: cannot log to the MLflow store")
    assert len(result.err.strip().splitlines()) == 1


def test_a_study_is_one_run_with_its_summary_and_report(logged: Logged, tmp_path: Path) -> None:
    from depthlab.studies.mlflow_log import log_study
    from depthlab.studies.run import StudyResult

    folder = tmp_path / "studies" / "iris"
    folder.mkdir(parents=True)
    summary = {"data": {"name": "iris"}, "recommendation": {"model": "mlp:shallow"}}
    (folder / "summary.json").write_text(json.dumps(summary))
    (folder / "report.html").write_text("<html><body>report</body></html>")
    run_id = log_study(StudyResult(summary, folder), {"data": "iris", "seeds": 3}, logged.uri)
    mlflow_client = client(logged.uri)
    record = mlflow_client.get_run(run_id)
    assert record.info.status == "FINISHED" and record.info.run_name == "iris"
    assert record.data.params["study.seeds"] == "3"
    assert record.data.tags["recommendation.model"] == "mlp:shallow"
    names = {a.path for a in mlflow_client.list_artifacts(run_id)}
    assert names == {"summary.json", "report.html"}


def test_every_study_job_is_a_child_run(logged: Logged, tmp_path: Path) -> None:
    from depthlab.studies.mlflow_log import log_study
    from depthlab.studies.plan.job import Job
    from depthlab.studies.run import StudyResult
    from depthlab.studies.store import open_store

    folder = tmp_path / "study"
    folder.mkdir()
    store = open_store(folder)
    done = {"status": "done", "seconds": 1.5, "n_train": 90, "depth": 2}
    store.record(
        Job("fit", "mlp:deep", fraction=0.5, seed=0),
        {**done, "test": {"accuracy": 0.9, "confusion_matrix": [[1]]}, "cost": {"parameters": 7}},
    )
    store.record(Job("fit", "cnn:deep", seed=1), {"status": "failed", "error": "DataError: no"})
    summary = {"data": {"name": "iris"}}
    run_id = log_study(StudyResult(summary, folder), {"data": "iris"}, logged.uri)
    mlflow_client = client(logged.uri)
    experiment = mlflow_client.get_run(run_id).info.experiment_id
    children = mlflow_client.search_runs(
        [experiment], filter_string=f"tags.mlflow.parentRunId = '{run_id}'"
    )
    by_name = {c.info.run_name: c for c in children}
    assert set(by_name) == {"mlp:deep/f0.5/s0", "cnn:deep/f1/s1"}
    mlp = by_name["mlp:deep/f0.5/s0"]
    assert mlp.info.status == "FINISHED"
    assert mlp.data.params == {"kind": "fit", "model": "mlp:deep", "fraction": "0.5", "seed": "0"}
    assert mlp.data.metrics["test.accuracy"] == 0.9 and mlp.data.metrics["cost.parameters"] == 7
    assert mlp.data.metrics["n_train"] == 90
    failed = by_name["cnn:deep/f1/s1"]
    assert failed.info.status == "FAILED" and failed.data.tags["depthlab.error"] == "DataError: no"
