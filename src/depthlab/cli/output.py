"""How the commands print what they did: a run's summary, a metrics table, the end of a
distributed run. Plain lines; paths are never cut, whatever the terminal's width."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from depthlab.evaluate.tasks import primary_metric

if TYPE_CHECKING:
    from depthlab.training.run import Run


def print_train_summary(run: Run, folder: Path) -> None:
    """A few plain lines (paths are never cut, whatever the terminal's width)."""
    metrics, cost = run.metrics, run.metrics.get("cost", {})
    name = primary_metric(run.task)
    rows: list[tuple[str, str]] = []
    parts = [f"{part} {metrics[part][name]:.4f}" for part in ("val", "train") if part in metrics]
    if "test" in metrics:
        others = f"  ({', '.join(parts)})" if parts else ""
        rows.append((f"test {name}", f"{metrics['test'][name]:.4f}{others}"))
    rows.append(("parameters", f"{cost.get('parameters', 0):,}"))
    stopped = ", stopped early" if metrics.get("stopped_early") else ""
    done = int(metrics.get("epochs_run", 0))
    epochs = f"{done} epoch{'s' * (done != 1)}, best {metrics.get('best_epoch')}{stopped}"
    seconds = cost.get("train_seconds", 0.0)
    rows.append(("training time", f"{seconds:.1f} s ({epochs}, {metrics.get('device')})"))
    rows.append(("run folder", str(folder)))
    for label, value in rows:
        typer.echo(f"{label:<15}{value}")
    flag = metrics.get("underfitting")
    if flag:
        typer.secho(f"under-fitting: {flag['text']}", fg=typer.colors.YELLOW)


def print_metrics(metrics: dict[str, Any], class_names: tuple[str, ...], title: str) -> None:
    """Scalar metrics as a table, then the confusion matrix (rows true, columns predicted)."""
    from rich.console import Console
    from rich.table import Table

    console = Console()
    console.print(f"[bold]{title}[/bold]")
    scores = Table(box=None)
    scores.add_column("metric", style="cyan")
    scores.add_column("value", justify="right")
    for key, value in metrics.items():
        if isinstance(value, int | float):
            scores.add_row(key.replace("_", " "), f"{value:.4f}")
    console.print(scores)
    matrix = metrics.get("confusion_matrix")
    if not matrix:
        return
    names = list(class_names) or [str(k) for k in range(len(matrix))]
    console.print("[bold]confusion matrix[/bold] (rows: true class, columns: predicted)")
    confusion = Table(box=None)
    confusion.add_column("", style="cyan")
    for name in names:
        confusion.add_column(name, justify="right")
    for i, (name, row) in enumerate(zip(names, matrix, strict=True)):
        cells = (f"[bold]{n}[/bold]" if i == j else str(n) for j, n in enumerate(row))
        confusion.add_row(name, *cells)
    console.print(confusion)


def finish_distributed() -> bool:
    """Leave the process group; True on rank 0 (the one that reports)."""
    from depthlab.training import distributed

    group = distributed.current()
    main = group is None or group.main
    if group is not None:
        group.barrier()  # rank 0 has written the run folder
    distributed.stop()
    return main
