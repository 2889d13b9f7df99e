"""``depthlab tune``: search a family's hyperparameters with Optuna, resumably."""

from __future__ import annotations

import json
import re
from pathlib import Path

import typer

from depthlab.cli.data import CACHE_DIR_HELP, DATA_DIR_HELP
from depthlab.cli.options import data_environment, data_options, given, source_of
from depthlab.config import TrainSpec


def tune_command(
    data: str = typer.Argument(..., help="A built-in dataset (see 'data list') or a path."),
    model: str = typer.Option(
        "mlp", "--model", "-m", help="The network family to tune: linear, mlp, cnn, rnn..."
    ),
    preset: str = typer.Option(
        "shallow",
        "--preset",
        "-p",
        help="shallow or deep: the starting point; a shallow preset keeps its depth.",
    ),
    trials: int = typer.Option(20, "--trials", "-n", min=1, help="Finished trials in total."),
    timeout: float | None = typer.Option(
        None, "--timeout", help="Stop starting trials after this many seconds (this call)."
    ),
    space: Path | None = typer.Option(
        None,
        "--space",
        help="space.yaml: {lr: {low: 1e-4, high: 1e-1, log: true}, width: {choices: [64, "
        "128]}, epochs: 20, ...} (default: the family's space).",
    ),
    out: Path | None = typer.Option(
        None, "--out", "-o", help="Search folder (default: tune/DATA-MODEL-PRESET); resumes."
    ),
    seed: int = typer.Option(0, help="Seed of the sampler, the split and the weights."),
    epochs: int | None = typer.Option(None, help="Epochs of every trial (default: preset's)."),
    target: str | None = typer.Option(None, "--target", "-t", help="Label column of a table."),
    data_dir: Path | None = typer.Option(None, help=DATA_DIR_HELP),
    cache_dir: Path | None = typer.Option(None, help=CACHE_DIR_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print best.json's content."),
    executor: str = typer.Option(
        "local",
        "--executor",
        help="local: trials one after another here; ray: Ray tasks, one per CPU of the "
        "cluster, without pruning (extra 'distributed').",
    ),
    ray_address: str | None = typer.Option(
        None, "--ray-address", help="Ray cluster to join (HOST:PORT); default: a local one."
    ),
) -> None:
    """Search a network's hyperparameters (Optuna: seeded TPE, pruning of trials that fall
    behind on the validation metric) and export the best as a ready train config.

    The folder holds tune.db (every trial, in SQLite), best.yaml, best.json, history.png and
    importance.png. Running the same command again continues the search up to --trials
    finished trials in total; trials cut short by an interruption run again.

    Examples:

      depthlab tune iris --model mlp --trials 30 --out tune/iris

      depthlab tune mnist1d --model mlp --preset deep --timeout 600 --out tune/mlp

      depthlab tune mnist1d --model cnn --space space.yaml --trials 50

      depthlab train --data mnist1d --model mlp --preset deep --config tune/mlp/best.yaml

      depthlab tune mnist1d --model mlp --trials 40 --executor ray --ray-address 10.0.0.5:6379
    """
    from depthlab.tuning.runner import tune

    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", Path(data).stem).strip("-") or "data"
    folder = out or Path("tune") / f"{stem}-{model}-{preset}"
    spec = TrainSpec(
        model=model,
        preset=preset,
        train=given(epochs=epochs or None, seed=seed),
        data=data_options(target=target or None),
    )
    with data_environment(data_dir, cache_dir):
        result = tune(
            source_of(data),
            spec,
            trials=trials,
            timeout=timeout,
            space=space,
            out=folder,
            executor=executor,
            ray_address=ray_address,
        )
    best = result.best
    if as_json:
        typer.echo(json.dumps(best))
        return
    counts = best["trials"]
    rows = [
        ("best", f"{best['metric']} {best['value']:.4f} (trial {best['trial']})"),
        ("trials", ", ".join(f"{n} {state}" for state, n in counts.items())),
        ("parameters", ", ".join(f"{k}={_short(v)}" for k, v in best["params"].items())),
        ("config", str(folder / "best.yaml")),
        ("plots", ", ".join(str(folder / name) for name in best["plots"].values())),
        ("train it", best["command"]),
    ]
    for label, value in rows:
        typer.echo(f"{label:<12}{value}")


def _short(value: object) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)
