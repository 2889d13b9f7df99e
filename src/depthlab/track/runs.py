"""Find the run folders under some folders and summarise each: what, how well, how long, when.

A folder is a run when it holds ``run.json``. A run without ``metrics.json`` is ``unfinished``
(still training, or interrupted: ``--resume`` it); one whose run.json cannot be read is
``corrupt``. Neither stops the listing.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from depthlab.errors import ConfigError
from depthlab.evaluate.tasks import LOWER_IS_BETTER

DEFAULT_DIRS = ("out/runs", "runs")
RUN_FILE = "run.json"
FIELDS = ("name", "data", "model", "when", "epochs", "train_seconds")


@dataclass
class RunSummary:
    """One row of ``depthlab runs list``."""

    path: Path
    status: str  # finished | unfinished | corrupt
    data: str = ""
    model: str = ""  # family:preset
    task: str = ""
    test: dict[str, float] = field(default_factory=dict)
    epochs: int | None = None
    train_seconds: float | None = None
    when: float | None = None  # seconds since the epoch: when the run last wrote
    problem: str = ""

    @property
    def name(self) -> str:
        return str(self.path)

    def to_dict(self) -> dict[str, Any]:
        row = asdict(self)
        row["path"] = str(self.path)
        row["when"] = datetime.fromtimestamp(self.when, tz=UTC).isoformat() if self.when else None
        return row


def find_runs(dirs: Iterable[str | Path]) -> list[Path]:
    """Every folder holding a run.json at or under *dirs* (missing folders are skipped)."""
    found: set[Path] = set()
    for top in map(Path, dirs):
        if (top / RUN_FILE).is_file():
            found.add(top)
        elif top.is_dir():
            found.update(p.parent for p in top.rglob(RUN_FILE) if p.is_file())
    return sorted(found)


def summarise(folder: Path) -> RunSummary:
    """What a run folder says about itself, without loading its model."""
    run_file = folder / RUN_FILE
    when = max(
        (p.stat().st_mtime for p in (run_file, folder / "metrics.json") if p.is_file()),
        default=None,
    )
    config = _read_json(run_file)
    if not isinstance(config, dict) or not isinstance(config.get("data"), dict):
        return RunSummary(folder, "corrupt", when=when, problem=f"corrupt {RUN_FILE}")
    model = config["model"] if isinstance(config.get("model"), dict) else {}
    row = RunSummary(
        folder,
        "unfinished",
        data=str(config["data"].get("name", "?")),
        model=f"{model.get('family', '?')}:{config.get('preset', '?')}",
        task=str(config["data"].get("task", "")),
        when=when,
    )
    metrics = _read_json(folder / "metrics.json")
    if isinstance(metrics, dict):
        row.status = "finished"
        row.test = {
            k: float(v)
            for k, v in (metrics.get("test") or {}).items()
            if isinstance(v, int | float) and not isinstance(v, bool)
        }
        epochs = metrics.get("epochs_run")
        row.epochs = int(epochs) if isinstance(epochs, int) else None
        seconds = (metrics.get("cost") or {}).get("train_seconds")
        row.train_seconds = float(seconds) if isinstance(seconds, int | float) else None
    elif metrics is not None:
        row.status, row.problem = "corrupt", "corrupt metrics.json"
    else:
        row.epochs, row.train_seconds = _progress(folder / "history.jsonl")
    return row


def _read_json(path: Path) -> Any:
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return "unreadable"


def _progress(history: Path) -> tuple[int | None, float | None]:
    """Epochs done and training seconds so far of an unfinished run."""
    if not history.is_file():
        return None, None
    try:
        records = [json.loads(line) for line in history.read_text().splitlines() if line]
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None, None
    last = records[-1] if records and isinstance(records[-1], dict) else {}
    seconds = last.get("seconds")
    return len(records), float(seconds) if isinstance(seconds, int | float) else None


def sort_value(row: RunSummary, key: str) -> float | str | None:
    """*row*'s value for *key*: a field (``when``, ``name``...) or a test metric."""
    if key in FIELDS:
        value: Any = getattr(row, key)
        return value if isinstance(value, int | float | str) else None
    value = row.test.get(key.removeprefix("test.").removeprefix("test_"))
    return None if value is None or math.isnan(value) else value


def list_runs(
    dirs: Iterable[str | Path] | None = None, sort: str | None = None
) -> list[RunSummary]:
    """Summarise every run folder under *dirs* (default ``out/runs`` and ``runs``).

    *sort*: a test metric (``accuracy``, ``rmse``...: best first, whatever the direction) or a
    field (``when``: newest first, ``name``, ``data``, ``model``, ``epochs``,
    ``train_seconds``). Runs without the value come last. Default: newest first.

    Example:
        >>> import depthlab as dl
        >>> for row in dl.list_runs(["runs"], sort="accuracy"):  # doctest: +SKIP
        ...     print(row.name, row.test.get("accuracy"))
    """
    rows = [summarise(folder) for folder in find_runs(dirs or DEFAULT_DIRS)]
    key = sort or "when"
    metric = key.removeprefix("test.").removeprefix("test_")
    if key not in FIELDS and not any(metric in row.test for row in rows) and rows:
        known = sorted({m for row in rows for m in row.test} | set(FIELDS))
        raise ConfigError(
            f"no run has a test metric '{metric}' to sort by; use one of {', '.join(known)}"
        )
    ascending = key in ("name", "data", "model") or metric in LOWER_IS_BETTER
    present = [row for row in rows if sort_value(row, key) is not None]
    missing = [row for row in rows if sort_value(row, key) is None]
    present.sort(key=lambda row: _order(sort_value(row, key)), reverse=not ascending)
    return present + missing


def _order(value: float | str | None) -> tuple[float, str]:
    return (value, "") if isinstance(value, int | float) else (0.0, str(value))
