"""What ``depthlab predict`` writes: the predictions CSV, the line saying so and, with
``--json``, the metrics of labelled inputs as one JSON line on standard output."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from depthlab.errors import ConfigError


def write_csv(table: Any, output: Path) -> None:
    """*table* (a DataFrame) to *output*, its folder made; a one-line error when it cannot be."""
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        table.to_csv(output, index=False)
    except OSError as exc:
        raise ConfigError(f"cannot write {output}: {exc}; choose another --output") from None


def say_written(count: int, what: str, output: Path, metrics: Any, as_json: bool) -> bool:
    """Say that *count* *what* went to *output*; with *as_json* that line goes to standard error
    and *metrics* to standard output as JSON, and the answer is True: nothing more to print."""
    done = f"wrote {count:,} {what} to {output}"
    if as_json:
        typer.echo(done, err=True)
        typer.echo(json.dumps(metrics))
        return True
    typer.echo(done)
    return False
