"""``depthlab study`` and ``depthlab report``: the depth study and its report."""

from __future__ import annotations

import re
import shlex
import sys
from pathlib import Path

import typer

from depthlab.cli.data import CACHE_DIR_HELP, DATA_DIR_HELP


def _split(value: str | None) -> list[str] | None:
    return [part.strip() for part in value.split(",") if part.strip()] if value else None


def study_command(
    data: str = typer.Argument(..., help="A built-in dataset (see 'data list') or a path."),
    config: Path | None = typer.Option(
        None, "--config", "-c", help="study.yaml: models, fractions, seeds, measurements."
    ),
    quick: bool = typer.Option(False, "--quick", help="A small budget: 2 fractions, few epochs."),
    out: Path | None = typer.Option(
        None, "--out", "-o", help="Study folder (default: studies/DATA); resumes if it exists."
    ),
    workers: int | None = typer.Option(
        None, "--workers", "-w", min=1, help="Parallel worker processes (default: one per core)."
    ),
    models: str | None = typer.Option(
        None, help="Comma-separated ladder, e.g. logistic,mlp:shallow,mlp:deep,cnn:deep."
    ),
    fractions: str | None = typer.Option(None, help="Training-set fractions, e.g. 0.1,0.5,1."),
    seeds: int | None = typer.Option(None, help="Seeds per model and fraction (>= 2)."),
    epochs: int | None = typer.Option(None, help="Epochs of every network (default: presets)."),
    recommend_by: str | None = typer.Option(
        None, help="What 'cheapest' means: train_time (default) or latency."
    ),
    target: str | None = typer.Option(None, "--target", "-t", help="Label column of a table."),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Print the plan and its estimated duration; run nothing."
    ),
    tuned: Path | None = typer.Option(
        None,
        "--tuned",
        help="Train the networks with tuned settings: a 'depthlab tune' folder, or a folder of "
        "them (one per network; models without a search keep their presets).",
    ),
    executor: str = typer.Option(
        "local",
        "--executor",
        help="local: worker processes here; ray: Ray tasks on a cluster (extra 'distributed').",
    ),
    ray_address: str | None = typer.Option(
        None,
        "--ray-address",
        help="Ray cluster to join (HOST:PORT or auto); default: start a local one.",
    ),
    data_dir: Path | None = typer.Option(None, help=DATA_DIR_HELP),
    cache_dir: Path | None = typer.Option(None, help=CACHE_DIR_HELP),
    mlflow: str | None = typer.Option(
        None,
        "--mlflow",
        metavar="URI",
        help="Log the finished study (settings, summary.json, report.html) as an MLflow run: "
        "a tracking URI, a .db file, or 'local' (sqlite:///mlflow.db here).",
    ),
    experiment: str | None = typer.Option(
        None, "--experiment", help="MLflow experiment (default: the dataset's name)."
    ),
) -> None:
    """Train baseline, shallow and deep models side by side over seeds and training-set sizes,
    check the textbook claims on this data, and recommend a model.

    Writes study.sqlite (every result, written as each job ends), summary.json and a
    self-contained report.html to the study folder. Running the same command again resumes:
    finished jobs are skipped.

    Examples:

      depthlab study mnist1d --quick

      depthlab study mnist1d --dry-run

      depthlab study mnist1d --out studies/mnist1d --workers 2

      depthlab study iris --models logistic,linear,mlp:shallow,mlp:deep --seeds 5

      depthlab study houses.csv --target price --config study.yaml

      depthlab study mnist1d --quick --tuned tune/

      depthlab study mnist1d --quick --executor ray --ray-address 10.0.0.5:6379

      depthlab study iris --quick --mlflow local
    """
    from depthlab.cli.train import data_environment, data_path
    from depthlab.data.datasets import is_builtin
    from depthlab.errors import ConfigError
    from depthlab.studies.run import preview, study, study_config
    from depthlab.tuning.results import read_tuned

    data_options = {"target": target} if target else {}
    overrides = {
        "models": _split(models),
        "fractions": [_number(f) for f in _split(fractions) or []] or None,
        "seeds": seeds,
        "epochs": epochs,
        "recommend_by": recommend_by,
        "quick": quick or None,
        "tuned": None if tuned is None else read_tuned(tuned, data),
    }
    cfg = study_config(config, **overrides)
    if data_options:
        cfg = study_config(cfg, data={**cfg.data.model_dump(exclude_unset=True), **data_options})
    source = data if is_builtin(data) and not Path(data).exists() else data_path(data)
    folder = out or Path("studies") / (re.sub(r"[^A-Za-z0-9_-]+", "-", Path(data).stem) or "data")
    if folder.exists() and not folder.is_dir():
        raise ConfigError(f"--out {folder} is a file; give a folder for the study")
    command = shlex.join(["depthlab", *sys.argv[1:]]) if sys.argv else None
    if experiment is not None and mlflow is None:
        raise ConfigError("--experiment names an MLflow experiment; add --mlflow URI (or local)")
    with data_environment(data_dir, cache_dir):
        if dry_run:
            preview(source, cfg, workers=workers)
            return
        if executor not in ("local", "ray"):
            raise ConfigError(f"--executor takes local or ray, not '{executor}'")
        result = study(
            source,
            cfg,
            out=folder,
            workers=workers,
            command=command,
            executor=executor,
            ray_address=ray_address,
        )
    if mlflow is not None:
        from depthlab.track.mlflow_tracker import log_study

        settings = {"data": data, "command": command, **cfg.model_dump(mode="json")}
        run_id = log_study(result, settings, mlflow, experiment)
        typer.echo(f"MLflow run {run_id} in {mlflow}", err=True)


def _number(text: str) -> float:
    from depthlab.errors import ConfigError

    try:
        return float(text)
    except ValueError:
        raise ConfigError(f"--fractions takes numbers like 0.1,0.5,1, not '{text}'") from None


def report_command(
    folder: Path = typer.Argument(..., help="A study folder written by 'depthlab study'."),
) -> None:
    """Re-render summary.json and report.html from a study folder's store.

    Example:

      depthlab report studies/mnist1d
    """
    from depthlab.studies.run import report

    report(folder)
