"""Search spaces: the default per family, YAML overrides, and bad spaces as one clear error."""

from __future__ import annotations

from pathlib import Path

import pytest

from depthlab.errors import ConfigError
from depthlab.models.base import get_family, list_families
from depthlab.tuning.space import default_space, load_space, parse_space, split_values, suggest

pytest.importorskip("optuna")


@pytest.mark.parametrize("family", list_families())
@pytest.mark.parametrize("preset", ["shallow", "deep"])
def test_every_family_has_a_valid_default_space(family: str, preset: str) -> None:
    space = parse_space(default_space(family, preset), family)
    assert {"lr", "weight_decay", "batch_size"} <= set(space.params)
    # A drawn point builds the family (the preset, then the drawn model options).
    import optuna

    trial = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0)).ask()
    model, train = split_values(suggest(trial, space), space, get_family(family).presets[preset])
    options = {**get_family(family).presets[preset], **model}
    get_family(family).Config.model_validate(options)
    assert 1e-4 <= train["lr"] <= 3e-2


def test_a_shallow_preset_keeps_its_depth() -> None:
    assert "depth" in default_space("mlp", "deep")
    assert "depth" not in default_space("mlp", "shallow")
    assert "num_layers" not in default_space("cnn", "shallow")


def test_cnn_width_and_layers_become_its_channels() -> None:
    space = parse_space({"width": {"choices": [48]}, "num_layers": {"low": 3, "high": 3}}, "cnn")
    drawn = {"width": 48, "num_layers": 3}
    model, train = split_values(drawn, space, get_family("cnn").presets["deep"])
    assert model == {"channels": [48, 48, 48]} and train == {}


def test_yaml_space_with_ranges_choices_and_fixed_values(tmp_path: Path) -> None:
    path = tmp_path / "space.yaml"
    path.write_text(
        "lr: {low: 1.0e-4, high: 1.0e-1, log: true}\n"
        "width: {choices: [64, 128]}\n"
        "depth: {low: 1, high: 3}\n"
        "epochs: 20\n",
        encoding="utf-8",
    )
    space = load_space(path, "mlp")
    assert space.params["lr"].log and space.params["lr"].target == "train"
    assert space.params["width"].choices == (64, 128)
    assert space.params["depth"].kind == "int"
    assert space.params["epochs"].kind == "fixed" and space.params["epochs"].value == 20


@pytest.mark.parametrize(
    ("raw", "fragments"),
    [
        ({}, ["is empty"]),
        ({"epochs": 10}, ["is empty"]),  # fixed values alone search nothing
        ({"lr": {"low": 0.1, "high": 0.001}}, ["'lr'", "low 0.1 is above high 0.001"]),
        ({"widht": {"choices": [64]}}, ["unknown parameter 'widht'", "Did you mean 'width'"]),
        ({"width": {"choices": []}}, ["'width'", "choices is empty"]),
        ({"dropout": {"low": 0.0, "high": 1.5}}, ["'dropout'", "less than 1"]),
        ({"lr": {"low": 0.0, "high": 0.1, "log": True}}, ["'lr'", "log range needs low > 0"]),
        ({"depth": {"low": 1.5, "high": 3}}, ["'depth'", "whole numbers"]),
        ({"lr": {"lo": 0.1, "high": 0.2}}, ["'lr'", "unknown key 'lo'"]),
        ({"activation": {"choices": ["relu", "swish"]}}, ["'activation'"]),
    ],
)
def test_bad_spaces_are_config_errors_naming_the_parameter(
    raw: dict[str, object], fragments: list[str]
) -> None:
    with pytest.raises(ConfigError) as info:
        parse_space(raw, "mlp")
    message = str(info.value)
    assert "\n" not in message
    for fragment in fragments:
        assert fragment in message, message


def test_a_space_file_must_be_a_mapping(tmp_path: Path) -> None:
    path = tmp_path / "space.yaml"
    path.write_text("- lr\n- width\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="must be a mapping"):
        load_space(path, "mlp")
    path.write_text("", encoding="utf-8")
    with pytest.raises(ConfigError, match="is empty"):
        load_space(path, "mlp")
