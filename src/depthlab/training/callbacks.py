"""What happens around the loop each epoch: the progress bar and the metrics log."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from depthlab.progress import enabled


class EpochBar:
    """A progress bar over epochs with loss, validation metric and ETA (silent when quiet)."""

    def __init__(self, total: int, done: int, quiet: bool) -> None:
        self.progress: Any = None
        if quiet or not enabled():
            return
        from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

        self.progress = Progress(
            TextColumn("training"),
            BarColumn(),
            TextColumn("epoch {task.completed}/{task.total}"),
            TextColumn("{task.fields[status]}"),
            TimeRemainingColumn(),
            transient=True,
        )
        self.task = self.progress.add_task("train", total=total, completed=done, status="")
        self.progress.start()

    def update(self, record: dict[str, Any]) -> None:
        if self.progress is None:
            return
        shown = {k: v for k, v in record.items() if k not in ("epoch", "lr", "seconds")}
        status = "  ".join(f"{k} {v:.4g}" for k, v in shown.items() if isinstance(v, float))
        self.progress.update(self.task, advance=1, status=status)

    def close(self) -> None:
        if self.progress is not None:
            self.progress.stop()


def write_history(path: Path | None, history: list[dict[str, Any]]) -> None:
    """The per-epoch metrics as JSON lines, rewritten whole (and atomically) each epoch."""
    if path is None:
        return
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text("".join(json.dumps(row) + "\n" for row in history), encoding="utf-8")
    os.replace(partial, path)
