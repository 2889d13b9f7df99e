"""Reading and writing settings: a pydantic model from a mapping or a YAML file, with pydantic's
report turned into one :class:`~depthlab.errors.ConfigError` line.

Example:
    >>> from depthlab.config import SplitConfig
    >>> parse_config(SplitConfig, {"seed": 3}).seed
    3
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from depthlab.errors import ConfigError, closest

C = TypeVar("C", bound=BaseModel)


def parse_config(cls: type[C], values: dict[str, Any]) -> C:
    """Build *cls* from *values*, turning pydantic's report into one clear ConfigError."""
    try:
        return cls(**values)
    except ValidationError as exc:
        raise ConfigError(describe_error(cls, exc)) from None


def describe_error(cls: type[BaseModel], exc: ValidationError) -> str:
    err = exc.errors()[0]
    key = ".".join(str(p) for p in err["loc"]) or cls.__name__
    if err["type"] == "extra_forbidden":
        valid = ", ".join(cls.model_fields)
        return f"unknown option '{key}'.{closest(key, cls.model_fields)} Valid options: {valid}"
    return f"invalid value for '{key}': {err['msg']}"


def load_yaml(cls: type[C], path: str | Path) -> C:
    """Read one config model from a YAML mapping."""
    return parse_config(cls, read_yaml(path))


def read_yaml(path: str | Path) -> dict[str, Any]:
    """A YAML file's mapping of option: value (any YAML problem is one ConfigError line)."""
    import yaml

    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except OSError as exc:
        raise ConfigError(f"cannot read config {path}: {exc}") from None
    except yaml.YAMLError as exc:  # PyYAML's message spans lines; errors are one line
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(f"cannot read config {path}: invalid YAML, {problem}{where}") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"config {path} must be a mapping of option: value")
    return raw


def dump_yaml(config: BaseModel, path: str | Path) -> None:
    import yaml

    data = config.model_dump(mode="json", exclude_defaults=True)
    Path(path).write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
