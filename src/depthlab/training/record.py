"""A run folder's files: their names, run.json read and written as a :class:`RunRecord`, and
the JSON writes every training file shares (atomic: a reader never sees half a file).

Example:
    >>> from depthlab.training.record import RUN_FILE, WEIGHTS
    >>> RUN_FILE, WEIGHTS
    ('run.json', 'model.safetensors')
"""

from __future__ import annotations

import json
import os
import platform
from pathlib import Path
from typing import Any

import numpy as np
import torch
from pydantic import ValidationError

from depthlab._version import __version__
from depthlab.config_io import describe_error
from depthlab.errors import DataError
from depthlab.run_record import RunRecord

RUN_FILE = "run.json"
WEIGHTS = "model.safetensors"
CHECKPOINT = "checkpoint.safetensors"
METRICS_FILE = "metrics.json"
HISTORY_FILE = "history.jsonl"


def versions() -> dict[str, str]:
    """The versions a run was trained with (recorded in run.json)."""
    return {
        "depthlab": __version__,
        "torch": torch.__version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
    }


def write_json(path: Path, value: Any) -> None:
    """*value* as indented JSON, written atomically."""
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(json.dumps(value, indent=2) + "\n", encoding="utf-8")
    os.replace(partial, path)


def read_record(folder: Path) -> RunRecord:
    """The run.json of *folder*, upgraded to this schema; a DataError when it is not one."""
    path = folder / RUN_FILE
    if not path.is_file():
        raise DataError(f"{folder} is not a depthlab run folder (no {RUN_FILE})")
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raw = None
    if not isinstance(raw, dict) or not {"model", "preprocess"} <= set(raw):
        raise DataError(f"{path} is not a depthlab run description")
    return parse_record(raw, path)


def parse_record(raw: dict[str, Any], where: Path | str = RUN_FILE) -> RunRecord:
    """A run description (run.json's mapping) as a record; a DataError names what is wrong."""
    try:
        return RunRecord.model_validate(raw)
    except ValidationError as exc:
        raise DataError(
            f"{where} is not a valid run description: {describe_error(RunRecord, exc)}"
        ) from None


def write_record(folder: Path, record: RunRecord) -> None:
    write_json(folder / RUN_FILE, record.dump())


def read_metrics(folder: Path) -> dict[str, Any]:
    """metrics.json of *folder* (empty while the run is unfinished)."""
    path = folder / METRICS_FILE
    return dict(json.loads(path.read_text())) if path.is_file() else {}


def read_history(folder: Path) -> list[dict[str, Any]]:
    """history.jsonl of *folder*: one record per epoch trained so far."""
    path = folder / HISTORY_FILE
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line]
