"""One precedence for every setting: family preset < pipeline defaults < tuned file < config file
< explicit flags or arguments; the seed a run records is the one that won, and the split follows."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import depthlab as dl
from depthlab.config import TrainSpec
from depthlab.features.registry import get_features
from depthlab.training.spec import resolve

QUICK = {"epochs": 1, "device": "cpu"}


def recorded(folder: Path) -> dict[str, Any]:
    return dict(json.loads((folder / "run.json").read_text()))


def test_the_cli_seed_wins_over_the_config_file(cli: Any, tmp_path: Path) -> None:
    config = tmp_path / "train.yaml"
    config.write_text("seed: 1\nepochs: 1\n", encoding="utf-8")
    flagged, filed, plain = tmp_path / "flag", tmp_path / "file", tmp_path / "plain"
    for folder, extra in ((flagged, ("--seed", "3")), (filed, ()), (plain, ("--seed", "3"))):
        given = ("--config", str(config)) if folder != plain else ("--epochs", "1")
        result = cli("train", "--data", "iris", "--out", str(folder), "--quiet", *given, *extra)
        assert result.code == 0, result.err
    assert recorded(flagged)["train"]["seed"] == 3 and recorded(flagged)["split"]["seed"] == 3
    assert recorded(filed)["train"]["seed"] == 1 and recorded(filed)["split"]["seed"] == 1
    # The split follows the winning seed: the same examples as a run seeded 3 without a file.
    fingerprint = recorded(flagged)["split"]["fingerprint"]
    assert fingerprint == recorded(plain)["split"]["fingerprint"]
    assert fingerprint != recorded(filed)["split"]["fingerprint"]
    assert recorded(flagged)["train"]["epochs"] == 1  # the file still sets what no flag gives


def test_the_seed_argument_wins_over_the_specs_seed(tmp_path: Path) -> None:
    spec = dl.TrainSpec(model="mlp", train={**QUICK, "seed": 2})
    run = dl.train("iris", spec, seed=1, out=tmp_path / "run")
    assert run.config["train"]["seed"] == 1 and run.config["split"]["seed"] == 1
    assert recorded(tmp_path / "run")["train"]["seed"] == 1
    one = dl.train("iris", dl.TrainSpec(model="mlp", train=QUICK), seed=1)
    two = dl.train("iris", spec)
    assert run.config["split"]["fingerprint"] == one.config["split"]["fingerprint"]
    assert run.config["split"]["fingerprint"] != two.config["split"]["fingerprint"]
    assert two.config["train"]["seed"] == 2  # without the argument, the spec's seed
    assert run.metrics["test"] == one.metrics["test"]  # seed 1 both: the same run


def test_the_layers_apply_in_order() -> None:
    pipeline = get_features("tokens")  # text: lr 0.01
    preset = resolve(TrainSpec(model="mlp", preset="deep"))
    assert (preset.train.epochs, preset.train.weight_decay, preset.train.lr) == (50, 0.1, 3e-3)
    piped = resolve(TrainSpec(model="mlp", preset="deep"), pipeline=pipeline)
    assert (piped.train.epochs, piped.train.lr) == (50, 0.01)
    tuned = TrainSpec(train={"lr": 0.02, "epochs": 7}, options={"width": 64, "depth": 2})
    file = TrainSpec(train={"epochs": 9}, options={"width": 32})
    explicit = TrainSpec(model="mlp", preset="deep", train={"seed": 4})
    spec = resolve(explicit, file=file, tuned=tuned, pipeline=pipeline)
    assert spec.train.model_dump(include={"lr", "epochs", "seed", "weight_decay"}) == {
        "lr": 0.02,
        "epochs": 9,
        "weight_decay": 0.1,
        "seed": 4,
    }
    assert spec.options == {"width": 32, "depth": 2}
    # The CLI lays its flags over the file first; resolving that comes to the same.
    assert resolve(explicit.over(file), tuned=tuned, pipeline=pipeline) == spec


def test_a_baseline_takes_no_preset_or_pipeline_settings() -> None:
    spec = resolve(TrainSpec(model="logistic", options={"C": 2.0}), pipeline=get_features("table"))
    assert spec.train == TrainSpec().train and spec.options == {"C": 2.0}
