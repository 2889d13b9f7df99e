"""Search spaces: which hyperparameters a tuning run varies, and over what range.

A space maps a parameter name to a range (``{low, high, log, step}``), a list of ``choices``, or
a fixed value. Names are the family's hyperparameters (``width``, ``dropout``...), the training
settings (``lr``, ``weight_decay``, ``batch_size``...) or, for families whose depth is a tuple of
channels, ``width`` and ``num_layers``. Each family has a default space; a YAML file overrides it.
Classical baselines have spaces of their options only (``C`` of logistic regression, boosting's
``learning_rate``...; ARIMA's order as ``p``, ``d`` and ``q``): they train no epochs.

Example:
    >>> space = parse_space({"lr": {"low": 1e-4, "high": 1e-1, "log": True}}, "mlp")
    >>> space.params["lr"].log
    True
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from depthlab.config import TrainConfig, TrainSpec
from depthlab.config_io import describe_error
from depthlab.errors import ConfigError, closest
from depthlab.models.base import get_family
from depthlab.models.baselines import OPTIONS, is_baseline
from depthlab.training.spec import resolve

# Families whose layers are a tuple of sizes: tuned as a width and a count of layers.
TUPLE_DEPTH = {"cnn": "channels", "ncf": "hidden_sizes"}
# ARIMA's order, tuned as its three whole numbers.
ORDER = ("p", "d", "q")
# The parameter that sets each family's depth: a shallow preset keeps its depth (tuning must not
# turn the study's shallow network into a deep one).
DEPTH_PARAM = {"mlp": "depth", "encoder": "depth", "cnn": "num_layers", "rnn": "num_layers"}
SPEC_KEYS = {"low", "high", "log", "step", "choices"}

_TRAIN_SPACE: dict[str, Any] = {
    "lr": {"low": 1e-4, "high": 3e-2, "log": True},
    "weight_decay": {"low": 1e-5, "high": 0.3, "log": True},
    "batch_size": {"choices": [32, 64, 128, 256]},
}
# Default spaces (model part); the training part above is added to every family's.
_MODEL_SPACES: dict[str, dict[str, Any]] = {
    "linear": {},
    "mlp": {
        "width": {"choices": [64, 128, 256, 512, 1024]},
        "depth": {"low": 2, "high": 6},
        "dropout": {"low": 0.0, "high": 0.5},
    },
    "encoder": {
        "width": {"choices": [64, 128, 256, 512]},
        "depth": {"low": 1, "high": 3},
        "dropout": {"low": 0.0, "high": 0.5},
    },
    "cnn": {
        "width": {"choices": [16, 32, 64, 128]},
        "num_layers": {"low": 2, "high": 5},
        "kernel_size": {"choices": [3, 5, 7]},
        "dropout": {"low": 0.0, "high": 0.3},
    },
    "rnn": {
        "hidden_size": {"choices": [32, 64, 128]},
        "num_layers": {"low": 2, "high": 3},
        "cell": {"choices": ["gru", "lstm"]},
        "dropout": {"low": 0.0, "high": 0.3},
    },
    "mf": {
        "dim": {"choices": [16, 32, 64, 128]},
        "reg": {"low": 1e-3, "high": 1.0, "log": True},
    },
    "ncf": {
        "dim": {"choices": [16, 32, 64]},
        "width": {"choices": [32, 64, 128]},
        "num_layers": {"low": 1, "high": 3},
        "dropout": {"low": 0.0, "high": 0.5},
        "reg": {"low": 1e-3, "high": 1.0, "log": True},
    },
}
# Classical baselines: their options only (no training settings). Ranges centred on
# scikit-learn's and statsmodels' defaults; persistence has nothing to tune.
_BASELINE_SPACES: dict[str, dict[str, Any]] = {
    "logistic": {"C": {"low": 1e-3, "high": 1e3, "log": True}},
    "ridge": {"alpha": {"low": 1e-3, "high": 1e3, "log": True}},
    "boosting": {
        "learning_rate": {"low": 0.01, "high": 0.3, "log": True},
        "max_leaf_nodes": {"low": 8, "high": 64, "log": True},
        "l2_regularization": {"low": 1e-3, "high": 10.0, "log": True},
    },
    "biases": {
        "reg_user": {"low": 1.0, "high": 100.0, "log": True},
        "reg_item": {"low": 1.0, "high": 100.0, "log": True},
    },
    "arima": {"p": {"low": 0, "high": 5}, "d": {"choices": [0, 1]}, "q": {"low": 0, "high": 2}},
    "persistence": {},
}


@dataclass(frozen=True)
class Param:
    """One searched hyperparameter: a numeric range, a list of choices, or a fixed value."""

    name: str
    target: str  # "model" or "train": where the value goes
    kind: str  # "int", "float", "choice" or "fixed"
    low: float = 0.0
    high: float = 0.0
    log: bool = False
    step: float | None = None
    choices: tuple[Any, ...] = ()
    value: Any = None

    @property
    def searched(self) -> bool:
        return self.kind != "fixed" and not (self.kind == "choice" and len(self.choices) == 1)


@dataclass(frozen=True)
class Space:
    """The parameters of one family's search, by name."""

    family: str
    params: dict[str, Param] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The space as YAML would write it (recorded with the search, compared on resume)."""
        out: dict[str, Any] = {}
        for p in self.params.values():
            if p.kind == "fixed":
                out[p.name] = p.value
            elif p.kind == "choice":
                out[p.name] = {"choices": list(p.choices)}
            else:
                spec: dict[str, Any] = {"low": p.low, "high": p.high}
                spec.update({"log": True} if p.log else {})
                spec.update({"step": p.step} if p.step is not None else {})
                out[p.name] = spec
        return out


def default_space(family: str, preset: str = "deep") -> dict[str, Any]:
    """The default search space of *family* as a plain mapping (what a YAML file would hold).

    A ``shallow`` preset keeps its depth: the depth parameter is left out of its space.

    Example:
        >>> sorted(default_space("rnn", "deep"))[:3]
        ['batch_size', 'cell', 'dropout']
    """
    if is_baseline(family):
        return dict(_BASELINE_SPACES.get(family, {}))
    get_family(family)  # an unknown family is an error naming the valid ones
    model = dict(_MODEL_SPACES.get(family, {}))
    if preset == "shallow":
        model.pop(DEPTH_PARAM.get(family, ""), None)
    return {**model, **_TRAIN_SPACE}


def load_space(path: str | Path, family: str) -> Space:
    """Read a search space from YAML (``name: {low, high, log} | {choices: [...]} | value``)."""
    import yaml

    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read search space {path}: {exc}") from None
    except yaml.YAMLError as exc:
        first = str(exc).splitlines()[0]
        raise ConfigError(f"cannot read search space {path}: invalid YAML, {first}") from None
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError(f"search space {path} must be a mapping of parameter: range")
    return parse_space(raw, family, source=str(path))


def options_schema(family: str) -> type[BaseModel]:
    """The pydantic model of *family*'s options: a network's ``Config``, a baseline's options
    (an empty one for a baseline that takes none)."""
    if is_baseline(family):
        return OPTIONS.get(family, _NoOptions)
    return get_family(family).Config


class _NoOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")


def valid_names(family: str) -> dict[str, str]:
    """Every parameter name a space of *family* may use, with its target (model or train)."""
    if is_baseline(family):  # a baseline trains no epochs: its options only
        names = {name: "model" for name in options_schema(family).model_fields}
        if family == "arima":
            names.pop("order")
            names.update(dict.fromkeys(ORDER, "model"))
        return names
    names = {name: "train" for name in TrainConfig.model_fields if name != "seed"}
    fields = get_family(family).Config.model_fields
    names.update({name: "model" for name in fields if name not in TUPLE_DEPTH.values()})
    if family in TUPLE_DEPTH:
        names.update(width="model", num_layers="model")
    return names


def parse_space(raw: dict[str, Any], family: str, source: str = "the search space") -> Space:
    """Check *raw* (a mapping as read from YAML) and build the :class:`Space` of *family*.

    Errors (an empty space, an unknown parameter, low above high, empty choices, a value the
    model or training settings refuse) are :class:`~depthlab.errors.ConfigError` naming the
    parameter.
    """
    names = valid_names(family)
    params: dict[str, Param] = {}
    for name, spec in raw.items():
        name = str(name)
        if name not in names:
            raise ConfigError(
                f"unknown parameter '{name}' in {source} for '{family}'."
                f"{closest(name, names)} Valid parameters: {', '.join(sorted(names))}"
            )
        params[name] = _param(name, names[name], spec, family)
    space = Space(family, params)
    if not any(p.searched for p in params.values()):
        raise ConfigError(
            f"{source} is empty: it searches no parameter; give at least one range or list of "
            "choices, e.g. lr: {low: 0.0001, high: 0.1, log: true}"
        )
    return space


def _param(name: str, target: str, spec: Any, family: str) -> Param:
    def fail(problem: str) -> ConfigError:
        return ConfigError(f"search space parameter '{name}': {problem}")

    if not isinstance(spec, dict):  # a fixed value
        _check_value(name, target, spec, family)
        return Param(name, target, "fixed", value=spec)
    unknown = set(spec) - SPEC_KEYS
    if unknown:
        key = sorted(unknown)[0]
        raise fail(
            f"unknown key '{key}'.{closest(key, SPEC_KEYS)} Write {{low, high}} with optional "
            "log and step, or {choices: [...]}"
        )
    if "choices" in spec:
        if set(spec) != {"choices"}:
            raise fail("give either choices or a low/high range, not both")
        choices = spec["choices"]
        if not isinstance(choices, list) or not choices:
            raise fail("choices is empty; list at least one value, e.g. choices: [64, 128]")
        for choice in choices:
            if choice is not None and not isinstance(choice, bool | int | float | str):
                raise fail(f"choice {choice!r} is not a number, string or boolean")
            _check_value(name, target, choice, family)
        return Param(name, target, "choice", choices=tuple(choices))
    if "low" not in spec or "high" not in spec:
        raise fail("a range needs both low and high, e.g. {low: 0.0001, high: 0.1}")
    low, high = spec["low"], spec["high"]
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (low, high)):
        raise fail(f"low and high must be numbers, got {low!r} and {high!r}")
    if low > high:
        raise fail(f"low {low} is above high {high}")
    log = bool(spec.get("log", False))
    if log and low <= 0:
        raise fail(f"a log range needs low > 0, got {low}")
    step = spec.get("step")
    if step is not None and (not isinstance(step, int | float) or step <= 0):
        raise fail(f"step must be a positive number, got {step!r}")
    if log and step is not None:
        raise fail("a range is either log or stepped, not both")
    kind = "int" if _is_int(name, target, family) else "float"
    if kind == "int" and (low != int(low) or high != int(high)):
        raise fail(f"takes whole numbers; got low {low} and high {high}")
    for value in (low, high):
        _check_value(name, target, int(value) if kind == "int" else float(value), family)
    return Param(name, target, kind, float(low), float(high), log, step)


def _is_int(name: str, target: str, family: str) -> bool:
    if _whole(name, family):
        return True
    fields = TrainConfig.model_fields if target == "train" else options_schema(family).model_fields
    return fields[name].annotation is int


def _whole(name: str, family: str) -> bool:
    """Parameters that stand for part of a tuple: a CNN's width and number of layers, ARIMA's
    p, d and q."""
    return (family in TUPLE_DEPTH and name in ("width", "num_layers")) or (
        family == "arima" and name in ORDER
    )


def _check_value(name: str, target: str, value: Any, family: str) -> None:
    """Refuse a value the training settings or the family's config would refuse."""

    if _whole(name, family):
        least = 0 if family == "arima" else 1
        if not isinstance(value, int) or isinstance(value, bool) or value < least:
            raise ConfigError(f"search space parameter '{name}': needs whole numbers >= {least}")
        return
    cls = TrainConfig if target == "train" else options_schema(family)
    try:
        cls.model_validate({name: value})
    except ValidationError as exc:
        problem = describe_error(cls, exc)
        raise ConfigError(f"search space parameter '{name}': {problem}") from None


def suggest(trial: Any, space: Space) -> dict[str, Any]:
    """Draw every parameter of *space* from an Optuna *trial*: ``{name: value}``."""
    values: dict[str, Any] = {}
    for p in space.params.values():
        if p.kind == "fixed":
            values[p.name] = p.value
        elif p.kind == "choice":
            values[p.name] = trial.suggest_categorical(p.name, list(p.choices))
        elif p.kind == "int":
            step = int(p.step) if p.step is not None else 1
            values[p.name] = trial.suggest_int(
                p.name, int(p.low), int(p.high), step=step, log=p.log
            )
        else:
            values[p.name] = trial.suggest_float(p.name, p.low, p.high, step=p.step, log=p.log)
    return values


def split_values(
    values: dict[str, Any], space: Space, preset_options: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(model_options, train_options)`` from drawn *values*; a family's ``width`` and
    ``num_layers`` become its tuple of sizes, ARIMA's ``p``, ``d`` and ``q`` its order (missing
    ones taken from *preset_options*)."""
    model: dict[str, Any] = {}
    train: dict[str, Any] = {}
    for name, value in values.items():
        (train if space.params[name].target == "train" else model)[name] = value
    if space.family == "arima" and set(ORDER) & set(model):
        order = list(preset_options.get("order") or (3, 0, 0))
        model["order"] = [int(model.pop(k, order[i])) for i, k in enumerate(ORDER)]
    sizes = TUPLE_DEPTH.get(space.family)
    if sizes and {"width", "num_layers"} & set(model):
        preset = tuple(preset_options.get(sizes) or (64,))
        width = int(model.pop("width", preset[0]))
        layers = int(model.pop("num_layers", len(preset)))
        # NCF's MLP narrows as it goes (a tower); CNN channels stay the same width.
        model[sizes] = (
            [max(1, width // 2**i) for i in range(layers)]
            if space.family == "ncf"
            else [width] * layers
        )
    return model, train


def starting_point(space: Space, preset: str) -> dict[str, Any]:
    """The *preset*'s own values of the searched parameters that lie inside *space*: queued as
    the first trial, so a search never ends below the default on the validation metric.

    Example:
        >>> starting_point(parse_space({"lr": {"low": 1e-4, "high": 1e-1}}, "mlp"), "deep")
        {'lr': 0.003}
    """
    model = dict(get_family(space.family).presets.get(preset, {}))
    # The preset's training settings over the defaults (no data, so no pipeline's).
    train = resolve(TrainSpec(model=space.family, preset=preset)).train.model_dump()
    return point_of(space, model, train)


def point_of(space: Space, model: dict[str, Any], train: dict[str, Any]) -> dict[str, Any]:
    """The values of *space*'s searched parameters in the settings *model* (options over the
    family's defaults) and *train*, those that lie inside its ranges.

    Example:
        >>> point_of(parse_space(default_space("logistic"), "logistic"), {}, {})
        {'C': 1.0}
    """
    fields = options_schema(space.family).model_fields
    values = {k: v.default for k, v in fields.items() if not v.is_required()}
    values.update(model)
    sizes = TUPLE_DEPTH.get(space.family)
    if sizes and values.get(sizes):
        values.update(width=values[sizes][0], num_layers=len(values[sizes]))
    if space.family == "arima":
        values.update(zip(ORDER, values["order"], strict=True))
    point: dict[str, Any] = {}
    for p in space.params.values():
        value = (values if p.target == "model" else train).get(p.name)
        if not p.searched or value is None:
            continue
        inside = value in p.choices if p.kind == "choice" else p.low <= value <= p.high
        if inside and (p.kind != "int" or float(value).is_integer()):
            point[p.name] = value
    return point
