"""What the commands share between their flags and the library: KEY=VALUE options, train.yaml,
data sources and folders, and the sections of a :class:`~depthlab.config.TrainSpec` built from
flags (a flag left out is not set, so a config file or a preset decides it).

Nothing here imports torch: the CLI starts without it.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from depthlab.config import TrainSpec
from depthlab.config_io import read_yaml
from depthlab.data.datasets import is_builtin
from depthlab.errors import ConfigError


def given(**values: Any) -> dict[str, Any]:
    """The flags that were given (not None): the settings a spec sets."""
    return {key: value for key, value in values.items() if value is not None}


def parse_options(pairs: list[str], flag: str = "--option") -> dict[str, Any]:
    """``["depth=3", "channels=[32,64]", "cell=gru"]`` -> ``{"depth": 3, ...}`` (JSON values)."""
    options: dict[str, Any] = {}
    for pair in pairs:
        key, sep, text = pair.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"{flag} '{pair}': write KEY=VALUE, e.g. {flag} depth=3")
        try:
            options[key.strip()] = json.loads(text)
        except json.JSONDecodeError:
            options[key.strip()] = text  # a bare word: gelu, lstm...
    return options


def feature_options(pairs: list[str] | None, **named: Any) -> dict[str, Any]:
    """``--feature KEY=VALUE`` pairs, then the named feature flags that were given."""
    return {**parse_options(pairs or [], "--feature"), **given(**named)}


def data_options(**values: Any) -> dict[str, Any]:
    """The data flags given, as JSON-native values (lists, not tuples): run.json records them
    and compares them on --resume."""
    return {
        key: list(value) if isinstance(value, list | tuple) else value
        for key, value in given(**values).items()
        if not (isinstance(value, list | tuple) and not value)
    }


def read_train_config(path: Path) -> TrainSpec:
    """A train.yaml as a spec layer: training settings at the top level, the model's
    hyperparameters under an optional ``model:`` mapping (what ``depthlab tune`` writes to
    best.yaml)."""
    raw = read_yaml(path)
    model = raw.pop("model", None) or {}
    if not isinstance(model, dict):
        raise ConfigError(f"config {path}: 'model' must be a mapping of hyperparameter: value")
    return TrainSpec(options=dict(model), train=raw)


def source_of(data: str) -> str:
    """A built-in name as it is; a path made absolute so that evaluate finds the data from any
    folder."""
    return data if is_builtin(data) and not Path(data).exists() else data_path(data)


def data_path(data: str) -> str:
    path = Path(data).expanduser()
    return str(path.resolve()) if path.exists() else data


def default_folder(data: str, model: str, preset: str, resume: bool) -> Path:
    """``runs/DATA-MODEL-PRESET``, or with -2, -3... when taken (unless resuming)."""
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", Path(data).stem).strip("-") or "data"
    base = Path("runs") / f"{stem}-{model}-{preset}"
    if resume:
        return base
    folder, number = base, 1
    while folder.exists():
        number += 1
        folder = base.with_name(f"{base.name}-{number}")
    return folder


def set_quiet(quiet: bool) -> None:
    """No progress bars from here on (--quiet)."""
    if quiet:
        os.environ["DEPTHLAB_QUIET"] = "1"


@contextlib.contextmanager
def data_environment(data_dir: Path | None, cache_dir: Path | None) -> Iterator[None]:
    """--data-dir and --cache-dir for loading, kept out of run.json (paths of this machine)."""
    values = {"DEPTHLAB_DATA_DIR": data_dir, "DEPTHLAB_CACHE_DIR": cache_dir}
    saved = {key: os.environ.get(key) for key in values}
    try:
        for key, value in values.items():
            if value is not None:
                os.environ[key] = str(value)
        yield
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old
