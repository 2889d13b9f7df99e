"""A new search starts from the preset, so it never ends below the default on validation."""

from __future__ import annotations

from pathlib import Path

import pytest

from depthlab.tuning.space import default_space, parse_space, starting_point

pytest.importorskip("optuna")


def test_the_starting_point_is_the_presets_values_inside_the_space() -> None:
    space = parse_space(default_space("mlp", "deep"), "mlp")
    assert starting_point(space, "deep") == {
        "width": 512,
        "depth": 4,
        "dropout": 0.1,
        "lr": 0.003,
        "weight_decay": 0.1,
        "batch_size": 128,
    }
    cnn = starting_point(parse_space(default_space("cnn", "deep"), "cnn"), "deep")
    assert cnn["width"] == 64 and cnn["num_layers"] == 4  # channels (64, 64, 64, 64)
    narrow = parse_space({"width": {"choices": [8, 16]}, "lr": {"low": 0.1, "high": 0.5}}, "mlp")
    assert starting_point(narrow, "deep") == {}  # preset values outside the space: left out


def test_the_first_trial_of_a_search_is_the_preset(tmp_path: Path) -> None:
    import depthlab as dl

    result = dl.tune(
        "iris",
        dl.TrainSpec(model="mlp", preset="shallow", train={"epochs": 3}),
        trials=2,
        out=tmp_path,
    )
    import optuna

    study = optuna.load_study(study_name="depthlab-tune", storage=f"sqlite:///{tmp_path}/tune.db")
    first = study.trials[0].params
    assert first == starting_point(parse_space(default_space("mlp", "shallow"), "mlp"), "shallow")
    assert result.value >= study.trials[0].value
