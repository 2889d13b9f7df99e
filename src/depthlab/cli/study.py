"""``depthlab study`` and ``depthlab report``: the depth study and its report."""

from __future__ import annotations

import re
import shlex
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from depthlab.cli.data import CACHE_DIR_HELP, DATA_DIR_HELP

if TYPE_CHECKING:
    from depthlab.config import StudyConfig
    from depthlab.studies.run import StudyResult


def _split(value: str | None) -> list[str] | None:
    return [part.strip() for part in value.split(",") if part.strip()] if value else None


DATA_ARGUMENT = typer.Argument(..., help="A built-in dataset (see 'data list') or a path.")

CONFIG_OPTION = typer.Option(
    None, "--config", "-c", help="study.yaml: models, fractions, seeds, measurements."
)

QUICK_OPTION = typer.Option(
    False, "--quick", help="A small plan: 2 fractions, fewer extras; networks still converge."
)

OUT_OPTION = typer.Option(
    None, "--out", "-o", help="Study folder (default: studies/DATA); resumes if it exists."
)

WORKERS_OPTION = typer.Option(
    None, "--workers", "-w", min=1, help="Parallel worker processes (default: one per core)."
)

MODELS_OPTION = typer.Option(
    None, help="Comma-separated ladder, e.g. logistic,mlp:shallow,mlp:deep,cnn:deep."
)

FRACTIONS_OPTION = typer.Option(None, help="Training-set fractions, e.g. 0.1,0.5,1.")

SEEDS_OPTION = typer.Option(None, help="Seeds per model and fraction (>= 2).")

FIRST_SEED_OPTION = typer.Option(
    None,
    "--first-seed",
    help="First seed (default 0): --first-seed 100 runs seeds 100, 101, ..., another draw of "
    "splits and initial weights, to check that the verdict holds.",
)

EPOCHS_OPTION = typer.Option(None, help="Epochs of every network (default: presets).")

RECOMMEND_BY_OPTION = typer.Option(
    None, help="What 'cheapest' means: train_time (default) or latency."
)

TARGET_OPTION = typer.Option(None, "--target", "-t", help="Label column of a table.")

DRY_RUN_OPTION = typer.Option(
    False, "--dry-run", help="Print the plan and its estimated duration; run nothing."
)

TUNED_OPTION = typer.Option(
    None,
    "--tuned",
    help="Train the networks with tuned settings: a 'depthlab tune' folder, or a folder of "
    "them (one per network; models without a search keep their presets).",
)

TUNE_OPTION = typer.Option(
    None,
    "--tune",
    min=0,
    metavar="N",
    help="Tune every model first, classical ones included: N trials of a seeded search each "
    "(the preset first), scored on the validation part; the study then trains the best "
    "settings. Default 0 (every model at its preset); 4 is a good start (about 2 minutes "
    "more on MNIST-1D on 2 cores); honoured with --quick.",
)

TUNE_BUDGET_OPTION = typer.Option(
    None,
    "--tune-budget",
    metavar="SHARE",
    help="Share of a full-data run's epochs each tuning trial trains for (default 0.25).",
)

MARGIN_OPTION = typer.Option(
    None,
    "--margin",
    help="Practical margin of every decision, in the metric's units (default: 1 point of "
    "accuracy, 0.01 of R^2, 1% of the best error).",
)

MAX_SEEDS_OPTION = typer.Option(
    None,
    "--max-seeds",
    help="Most seeds racing adds up to (default 10; --max-seeds 3 never races). With --quick, "
    "turns racing on: 3 seeds, then this many where a decision is undecided.",
)

BUDGET_OPTION = typer.Option(
    None,
    "--budget",
    metavar="MINUTES",
    help="Racing takes no look that would take the study's training past this many minutes "
    "(estimated from the measured train times).",
)

RACE_OPTION = typer.Option(
    True,
    "--race/--no-race",
    help="Race seeds: 3 first, then 5, 7, 10 only for the models whose decision is undecided "
    "(the full study's default; --seeds N runs a fixed N).",
)

FINE_TUNE_OPTION = typer.Option(
    None,
    "--fine-tune/--no-fine-tune",
    help="Text studies: also fine-tune the pretrained sentence encoder end to end on the full "
    "training set, every seed (on by default, off with --quick; minutes per run on a CPU).",
)

EXECUTOR_OPTION = typer.Option(
    "local",
    "--executor",
    help="local: worker processes here; ray: Ray tasks on a cluster (extra 'distributed').",
)

RAY_ADDRESS_OPTION = typer.Option(
    None,
    "--ray-address",
    help="Ray cluster to join (HOST:PORT or auto); default: start a local one.",
)

DATA_DIR_OPTION = typer.Option(None, help=DATA_DIR_HELP)

CACHE_DIR_OPTION = typer.Option(None, help=CACHE_DIR_HELP)

MLFLOW_OPTION = typer.Option(
    None,
    "--mlflow",
    metavar="URI",
    help="Log the finished study (settings, summary.json, report.html) as an MLflow run: "
    "a tracking URI, a .db file, or 'local' (sqlite:///mlflow.db here).",
)

EXPERIMENT_OPTION = typer.Option(
    None, "--experiment", help="MLflow experiment (default: the dataset's name)."
)


def study_command(
    data: str = DATA_ARGUMENT,
    config: Path | None = CONFIG_OPTION,
    quick: bool = QUICK_OPTION,
    out: Path | None = OUT_OPTION,
    workers: int | None = WORKERS_OPTION,
    models: str | None = MODELS_OPTION,
    fractions: str | None = FRACTIONS_OPTION,
    seeds: int | None = SEEDS_OPTION,
    first_seed: int | None = FIRST_SEED_OPTION,
    epochs: int | None = EPOCHS_OPTION,
    recommend_by: str | None = RECOMMEND_BY_OPTION,
    target: str | None = TARGET_OPTION,
    dry_run: bool = DRY_RUN_OPTION,
    tuned: Path | None = TUNED_OPTION,
    tune: int | None = TUNE_OPTION,
    tune_budget: float | None = TUNE_BUDGET_OPTION,
    margin: float | None = MARGIN_OPTION,
    max_seeds: int | None = MAX_SEEDS_OPTION,
    budget: float | None = BUDGET_OPTION,
    race: bool = RACE_OPTION,
    fine_tune: bool | None = FINE_TUNE_OPTION,
    executor: str = EXECUTOR_OPTION,
    ray_address: str | None = RAY_ADDRESS_OPTION,
    data_dir: Path | None = DATA_DIR_OPTION,
    cache_dir: Path | None = CACHE_DIR_OPTION,
    mlflow: str | None = MLFLOW_OPTION,
    experiment: str | None = EXPERIMENT_OPTION,
) -> None:
    """Train baseline, shallow and deep models side by side over seeds and training-set sizes,
    check the textbook claims on this data, and recommend a model.

    Writes study.sqlite (every result, written as each job ends), summary.json and a
    self-contained report.html to the study folder (and tuning/, the trials of --tune). Running
    the same command again resumes: finished jobs and tuning trials are skipped.

    Examples:

      depthlab study mnist1d --quick

      depthlab study mnist1d --dry-run

      depthlab study mnist1d --out studies/mnist1d --workers 2

      depthlab study iris --models logistic,linear,mlp:shallow,mlp:deep --seeds 5

      depthlab study mnist1d --max-seeds 7 --budget 20 --margin 0.02

      depthlab study iris --first-seed 100     # other seeds: does the verdict hold?

      depthlab study houses.csv --target price --config study.yaml

      depthlab study mnist1d --quick --tuned tune/

      depthlab study iris --tune 8 --tune-budget 0.5

      depthlab study sentiment --no-fine-tune

      depthlab study mnist1d --quick --executor ray --ray-address 10.0.0.5:6379

      depthlab study iris --quick --mlflow local
    """
    from depthlab.cli.options import data_environment, data_path
    from depthlab.data.datasets import is_builtin
    from depthlab.depth_study import study
    from depthlab.errors import ConfigError
    from depthlab.studies.run import preview

    if _is_plant(data):  # the control study: its own small set of options
        _control_study(dict(locals()))
        return
    overrides = _overrides(models, fractions, seeds, epochs, recommend_by, quick)
    overrides.update(tune=tune, tune_budget=tune_budget, margin=margin, max_seeds=max_seeds)
    overrides.update(budget=budget, race=None if race else False, fine_tune=fine_tune)
    overrides.update(first_seed=first_seed)
    cfg = _study_config(data, config, tuned, target, overrides)
    source = data if is_builtin(data) and not Path(data).exists() else data_path(data)
    folder = _folder(data, out)
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
        _log_to_mlflow(result, {"data": data, "command": command}, cfg, mlflow, experiment)


def _is_plant(data: str) -> bool:
    """Whether *data* names a control plant (and no file); a name that is no dataset or file
    but close to a plant's gets the plant's error."""
    from depthlab.data.control import get_plant, is_plant, list_plants
    from depthlab.data.datasets import is_builtin
    from depthlab.errors import closest

    if Path(data).exists() or is_builtin(data):
        return False
    if not is_plant(data) and closest(data, [p.name for p in list_plants()]):
        get_plant(data)
    return is_plant(data)


def _control_study(flags: dict[str, Any]) -> None:
    """``study PLANT``: the control study, given the command's flags by parameter name."""
    from depthlab.cli.control_study import control_study, unused_flags

    args = (flags["quick"], flags["out"], flags["workers"], flags["seeds"])
    control_study(flags["data"], *args, flags["first_seed"], flags["dry_run"], unused_flags(flags))


def _overrides(
    models: str | None,
    fractions: str | None,
    seeds: int | None,
    epochs: int | None,
    recommend_by: str | None,
    quick: bool,
) -> dict[str, Any]:
    """The flags as StudyConfig values (None: not given, the file's or the default value)."""
    return {
        "models": _split(models),
        "fractions": [_number(f) for f in _split(fractions) or []] or None,
        "seeds": seeds,
        "epochs": epochs,
        "recommend_by": recommend_by,
        "quick": quick or None,
    }


def _study_config(
    data: str,
    config: Path | None,
    tuned: Path | None,
    target: str | None,
    overrides: dict[str, Any],
) -> StudyConfig:
    """study.yaml (if any) with the flags over it; --target joins the file's data options."""
    from depthlab.config import StudyConfig as Config
    from depthlab.config_io import load_yaml
    from depthlab.studies.run import study_config
    from depthlab.tuning.results import read_tuned

    base = load_yaml(Config, config) if config is not None else Config.model_validate({})
    if target:
        overrides["data"] = {**base.data.model_dump(exclude_unset=True), "target": target}
    overrides["tuned"] = None if tuned is None else read_tuned(tuned, data)
    return study_config(base if config is not None else None, **overrides)


def _folder(data: str, out: Path | None) -> Path:
    """--out, or studies/DATA; a file there is refused."""
    from depthlab.errors import ConfigError

    folder = out or Path("studies") / (re.sub(r"[^A-Za-z0-9_-]+", "-", Path(data).stem) or "data")
    if folder.exists() and not folder.is_dir():
        raise ConfigError(f"--out {folder} is a file; give a folder for the study")
    return folder


def _log_to_mlflow(
    result: StudyResult,
    settings: dict[str, Any],
    cfg: StudyConfig,
    mlflow: str,
    experiment: str | None,
) -> None:
    from depthlab.studies.mlflow_log import log_study

    run_id = log_study(result, {**settings, **cfg.model_dump(mode="json")}, mlflow, experiment)
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
    from depthlab.cli.control_study import control_report, is_control_folder
    from depthlab.depth_study import report

    if is_control_folder(folder):
        control_report(folder)
        return
    report(folder)
