"""Validated configuration: unknown keys are errors with the valid choices; YAML in and out."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import BaseModel, ValidationError

from depthlab.config import DataConfig, SplitConfig
from depthlab.config_io import dump_yaml, load_yaml, parse_config
from depthlab.errors import ConfigError, DepthlabError


@pytest.mark.parametrize(
    ("cls", "key", "suggestion", "valid"),
    [
        (DataConfig, "targt", "target", "target, text_column, task, categorical, resize"),
        (DataConfig, "grayscal", "grayscale", "label_pattern, sample_rate"),
        (SplitConfig, "strategie", "strategy", "strategy, val_fraction, test_fraction, seed"),
        (SplitConfig, "test_frac", "test_fraction", "strategy, val_fraction"),
    ],
)
def test_unknown_key_lists_valid_options_and_suggests(
    cls: type[BaseModel], key: str, suggestion: str, valid: str
) -> None:
    with pytest.raises(ConfigError) as err:
        parse_config(cls, {key: 1})
    message = str(err.value)
    assert f"unknown option '{key}'" in message
    assert f"Did you mean '{suggestion}'?" in message
    assert "Valid options: " in message and valid in message.split("Valid options: ")[1]
    assert isinstance(err.value, DepthlabError) and "\n" not in message


def test_unknown_key_without_a_close_match() -> None:
    with pytest.raises(ConfigError) as err:
        parse_config(SplitConfig, {"zzzz": 1})
    assert "Did you mean" not in str(err.value)
    assert "Valid options: strategy" in str(err.value)


def test_models_are_strict_and_frozen() -> None:
    with pytest.raises(ValidationError):
        DataConfig(colour="red")  # type: ignore[call-arg]
    config = DataConfig(target="price")
    with pytest.raises(ValidationError):
        config.target = "other"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("cls", "values", "key"),
    [
        (DataConfig, {"resize": [0, 32]}, "resize"),
        (DataConfig, {"resize": [32]}, "resize"),
        (DataConfig, {"sample_rate": -8000}, "sample_rate"),
        (DataConfig, {"task": "clustering"}, "task"),
        (SplitConfig, {"val_fraction": 1.0}, "val_fraction"),
        (SplitConfig, {"test_fraction": 0.0}, "test_fraction"),
        (SplitConfig, {"strategy": "shuffled"}, "strategy"),
        (SplitConfig, {"seed": "abc"}, "seed"),
    ],
)
def test_invalid_values_name_the_key(
    cls: type[BaseModel], values: dict[str, object], key: str
) -> None:
    with pytest.raises(ConfigError, match=f"invalid value for '{key}"):
        parse_config(cls, values)


def test_defaults() -> None:
    split = SplitConfig()
    assert (split.strategy, split.val_fraction, split.test_fraction, split.seed) == (
        "auto",
        0.15,
        0.15,
        0,
    )
    assert DataConfig().model_fields_set == set()


@pytest.mark.parametrize(
    "config",
    [
        DataConfig(
            target="price",
            task="regression",
            categorical=("city", "zip"),
            resize=(32, 48),
            grayscale=False,
            label_pattern=r"(?P<label>\d)_(?P<group>[a-z]+)_\d+\.wav",
            sample_rate=16000,
        ),
        DataConfig(text_column="body"),
        SplitConfig(strategy="grouped", val_fraction=0.0, test_fraction=0.2, seed=7),
        SplitConfig(),
    ],
)
def test_yaml_round_trip(tmp_path: Path, config: BaseModel) -> None:
    path = tmp_path / "config.yaml"
    dump_yaml(config, path)
    assert load_yaml(type(config), path) == config


def test_dump_writes_only_what_differs_from_the_defaults(tmp_path: Path) -> None:
    path = tmp_path / "split.yaml"
    dump_yaml(SplitConfig(seed=3), path)
    assert path.read_text(encoding="utf-8").strip() == "seed: 3"


def test_load_yaml_written_by_hand(tmp_path: Path) -> None:
    path = tmp_path / "data.yaml"
    path.write_text("target: label\ncategorical: [a, b]\nresize: [28, 28]\n", encoding="utf-8")
    config = load_yaml(DataConfig, path)
    assert config == DataConfig(target="label", categorical=("a", "b"), resize=(28, 28))
    (tmp_path / "empty.yaml").write_text("", encoding="utf-8")
    assert load_yaml(SplitConfig, tmp_path / "empty.yaml") == SplitConfig()


def test_unknown_key_in_yaml(tmp_path: Path) -> None:
    path = tmp_path / "split.yaml"
    path.write_text("seed: 1\nstratgy: grouped\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"unknown option 'stratgy'.*Did you mean 'strategy'"):
        load_yaml(SplitConfig, path)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("target: [unclosed\n", r"invalid YAML, .* \(line 2, column 1\)"),
        ("target: a: b\n", r"invalid YAML, .* \(line 1, column 10\)"),
        ("\ttarget: label\n", r"invalid YAML, .*\(line 1, column 1\)"),
        ("- target\n- label\n", "must be a mapping"),
        ("just a string\n", "must be a mapping"),
    ],
)
def test_invalid_yaml_is_a_config_error(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=message) as err:
        load_yaml(DataConfig, path)
    assert "\n" not in str(err.value)  # the CLI prints errors on one line


def test_missing_yaml_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read config"):
        load_yaml(DataConfig, tmp_path / "absent.yaml")
