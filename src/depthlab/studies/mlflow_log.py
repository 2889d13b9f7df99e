"""A finished study as one MLflow run: its settings as parameters, the recommendation as
tags, its files as artifacts, and every job of its store as a child run. The store, the
experiment and the numbers are read as :mod:`depthlab.track.mlflow_tracker` reads a training
run's (``local``: ``./mlflow.db``)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from depthlab.errors import ConfigError, require
from depthlab.studies.run import StudyResult
from depthlab.studies.store import open_store
from depthlab.track.mlflow_tracker import (
    MAX_PARAMS,
    MAX_VALUE,
    MlflowTracker,
    artifact_root_of,
    numeric_values,
)

if TYPE_CHECKING:
    from mlflow.tracking import MlflowClient


def log_study(
    result: StudyResult, settings: dict[str, Any], uri: str | None, experiment: str | None = None
) -> str:
    """Log a finished study to MLflow as one run: its settings as parameters, the
    recommendation as tags, and summary.json, report.html and study.sqlite as artifacts; and
    every job of its ``study.sqlite`` as a child run (MLflow's nested runs: model, fraction,
    seed and variant as parameters, train and test metrics and costs as metrics). Returns the
    MLflow run id of the study.

    Example:
        >>> result = dl.study("iris", quick=True)  # doctest: +SKIP
        >>> log_study(result, {"data": "iris"}, "local")  # doctest: +SKIP
    """
    require("mlflow", "track")
    from mlflow.entities import Param

    tracker = MlflowTracker(uri, experiment=experiment, run_name=result.folder.name)
    data = result.summary.get("data")
    named = data.get("name") if isinstance(data, dict) else None
    name = experiment or str(named or settings.get("data") or "depthlab")
    try:
        from mlflow.tracking import MlflowClient

        client = MlflowClient(tracking_uri=tracker.uri)
        found = client.get_experiment_by_name(name)
        experiment_id = (
            found.experiment_id
            if found is not None
            else client.create_experiment(
                name, artifact_location=artifact_root_of(tracker.uri, name)
            )
        )
        run = client.create_run(
            experiment_id,
            run_name=result.folder.name,
            tags={"depthlab.study": str(result.folder.resolve())},
        )
    except Exception as exc:  # MLflow raises its own and the drivers' errors
        raise ConfigError(
            f"cannot log to the MLflow store {tracker.uri}: {str(exc).splitlines()[0]}; "
            "check --mlflow (e.g. --mlflow local for ./mlflow.db)"
        ) from None
    run_id = str(run.info.run_id)
    flat: dict[str, Any] = {}
    for key, value in settings.items():
        if value is not None:
            flat[f"study.{key}"] = str(value)[:MAX_VALUE]
    params = [Param(k, v) for k, v in flat.items()]
    for i in range(0, len(params), MAX_PARAMS):
        client.log_batch(run_id, params=params[i : i + MAX_PARAMS])
    recommendation = result.summary.get("recommendation")
    if isinstance(recommendation, dict):
        for key, value in recommendation.items():
            if isinstance(value, str | int | float):
                client.set_tag(run_id, f"recommendation.{key}", str(value)[:MAX_VALUE])
    for file in ("summary.json", "report.html", "study.sqlite"):
        if (result.folder / file).is_file():
            client.log_artifact(run_id, str(result.folder / file))
    if (result.folder / "study.sqlite").is_file():
        _log_jobs(client, experiment_id, run_id, result.folder)
    client.set_terminated(run_id, "FINISHED")
    return run_id


def _log_jobs(client: MlflowClient, experiment_id: str, parent: str, folder: Path) -> None:
    """One child run per job of the study in *folder*, under the study's run *parent*."""
    from mlflow.entities import Metric, Param

    now = int(time.time() * 1000)
    for job, outcome in open_store(folder).results():
        child = client.create_run(
            experiment_id,
            run_name=job.key,
            tags={"mlflow.parentRunId": parent, "depthlab.study.job": job.key},
        )
        named = {"kind": job.kind, "model": job.model, "fraction": job.fraction, "seed": job.seed}
        if job.variant:
            named["variant"] = job.variant
        if job.kind == "threads":
            named.update(threads=job.threads, device=job.device)
        params = [Param(k, str(v)) for k, v in named.items()]
        values: dict[str, float] = {}
        parts = (("train", outcome.train), ("test", outcome.test), ("cost", outcome.cost))
        for part, scores in parts:
            if scores is not None:
                values.update({f"{part}.{k}": v for k, v in numeric_values(scores).items()})
        plain = {"seconds": outcome.seconds, "n_train": outcome.n_train, "depth": outcome.depth}
        values.update(numeric_values(plain))
        metrics = [Metric(k, v, now, 0) for k, v in values.items()]
        client.log_batch(child.info.run_id, metrics=metrics, params=params)
        if outcome.error:
            client.set_tag(child.info.run_id, "depthlab.error", outcome.error[:MAX_VALUE])
        status = "FINISHED" if outcome.done else "FAILED"
        client.set_terminated(child.info.run_id, status)
