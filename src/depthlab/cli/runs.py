"""``depthlab runs list`` and ``depthlab runs show``: the run folders on disk, at a glance."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from depthlab.track.runs import RunSummary

runs_app = typer.Typer(
    help="List the training runs under some folders with their test metrics, or show one.\n\n"
    "Example: depthlab runs list --sort accuracy",
    no_args_is_help=True,
)


@runs_app.command("list")
def list_command(
    dirs: list[Path] | None = typer.Argument(
        None,
        metavar="[DIR]...",
        help="Folders to search for run folders (default: out/runs, runs).",
    ),
    sort: str | None = typer.Option(
        None,
        "--sort",
        "-s",
        help="A test metric (accuracy, rmse, macro_f1...: best first) or when (newest first, "
        "the default), name, data, model, epochs, train_seconds.",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object per run."),
) -> None:
    """List the run folders (those holding run.json) under DIR, one row per run.

    A run without metrics.json is marked unfinished (resume it with 'depthlab train ... --resume'),
    one whose run.json or metrics.json cannot be read is marked corrupt.

    Examples:

      depthlab runs list

      depthlab runs list runs/ studies/ --sort accuracy

      depthlab runs list --sort rmse --json
    """
    from depthlab.track.runs import list_runs

    rows = list_runs(dirs or None, sort=sort)
    if as_json:
        for row in rows:
            typer.echo(json.dumps(row.to_dict()))
        return
    if not rows:
        where = ", ".join(map(str, dirs)) if dirs else "out/runs or runs"
        typer.echo(f"no run folders under {where}")
        return
    print_runs(rows, sort)


def print_runs(rows: list[RunSummary], sort: str | None) -> None:
    """A rich table; paths and names are never cut, whatever the terminal's width."""
    from rich import box
    from rich.console import Console
    from rich.table import Table

    from depthlab.evaluate.tasks import TASKS
    from depthlab.track.runs import FIELDS

    # Each task's primary metric; --sort adds its own column.
    shown = [TASKS[row.task].metric for row in rows if row.task in TASKS]
    metrics = list(dict.fromkeys(shown))
    chosen = (sort or "").removeprefix("test.").removeprefix("test_")
    if sort and sort not in FIELDS and chosen not in metrics:
        metrics.append(chosen)
    table = Table(title=f"{len(rows)} run{'s' * (len(rows) != 1)}", box=box.SIMPLE_HEAD)
    for column in ("run", "data", "model"):
        table.add_column(column, no_wrap=True)
    for metric in metrics:
        table.add_column(f"test {metric}", justify="right", no_wrap=True)
    table.add_column("epochs", justify="right", no_wrap=True)
    table.add_column("train time", justify="right", no_wrap=True)
    table.add_column("when", no_wrap=True)
    table.add_column("status", no_wrap=True)
    for row in rows:
        values = [f"{row.test[m]:.4f}" if m in row.test else "-" for m in metrics]
        seconds = f"{row.train_seconds:.1f} s" if row.train_seconds is not None else "-"
        when = datetime.fromtimestamp(row.when).strftime("%Y-%m-%d %H:%M") if row.when else "-"
        status = row.problem or {"finished": ""}.get(row.status, row.status)
        style = "red" if row.status == "corrupt" else "yellow" if status else None
        table.add_row(
            row.name,
            row.data or "-",
            row.model or "-",
            *values,
            "-" if row.epochs is None else str(row.epochs),
            seconds,
            when,
            status,
            style=style,
        )
    # Piped output is not cut to 80 columns: a row per line, whole, for grep and friends.
    Console(width=None if sys.stdout.isatty() else 200).print(table)


@runs_app.command("show")
def show_command(
    run_folder: Path = typer.Argument(..., metavar="RUN", help="A run folder from 'train'."),
    as_json: bool = typer.Option(False, "--json", help="Print the run's summary as JSON."),
) -> None:
    """Show one run: data, model, settings, test metrics (and confusion matrix), cost.

    Example:

      depthlab runs show runs/iris-mlp-shallow
    """
    from depthlab.cli.output import print_metrics
    from depthlab.errors import DataError
    from depthlab.track.runs import RUN_FILE, summarise

    if not (run_folder / RUN_FILE).is_file():
        raise DataError(
            f"{run_folder} is not a run folder (no {RUN_FILE}); see 'depthlab runs list'"
        )
    row = summarise(run_folder)
    if as_json:
        typer.echo(json.dumps(row.to_dict()))
        return
    if row.status == "corrupt":
        raise DataError(f"{run_folder}: {row.problem}; train it again into a new --out")
    config = json.loads((run_folder / RUN_FILE).read_text(encoding="utf-8"))
    train = config.get("train", {})
    settings = ", ".join(
        f"{k} {train[k]}" for k in ("epochs", "lr", "batch_size", "optimizer", "seed") if k in train
    )
    lines = [
        ("data", f"{row.data} ({row.task})"),
        ("model", row.model),
        ("settings", settings or "-"),
        ("epochs run", "-" if row.epochs is None else str(row.epochs)),
        ("train time", "-" if row.train_seconds is None else f"{row.train_seconds:.1f} s"),
        ("status", row.status),
    ]
    for label, value in lines:
        typer.echo(f"{label:<12}{value}")
    metrics_path = run_folder / "metrics.json"
    if row.status == "finished" and metrics_path.is_file():
        test = json.loads(metrics_path.read_text(encoding="utf-8")).get("test", {})
        names = tuple(config.get("data", {}).get("class_names") or ())
        print_metrics(test, names, f"{run_folder}: test metrics")
