"""``depthlab tune`` on the command line, and its best.yaml through ``depthlab train --config``."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("optuna")

Cli = Callable[..., Any]


def one_line_error(result: Any, *fragments: str) -> None:
    assert result.code == 2, (result.code, result.out, result.err)
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.err
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def write_space(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "space.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_tune_then_train_with_best_yaml(cli: Cli, tmp_path: Path) -> None:
    space = write_space(
        tmp_path,
        "lr: {low: 0.003, high: 0.1, log: true}\nwidth: {choices: [8, 16]}\nbatch_size: 16\n",
    )
    out = tmp_path / "search"
    args = ["tune", "iris", "--model", "mlp", "--trials", "2", "--epochs", "4"]
    result = cli(*args, "--space", str(space), "--out", str(out))
    assert result.code == 0, result.err
    assert "val_accuracy" in result.out and "best.yaml" in result.out
    best = json.loads((out / "best.json").read_text())
    assert best["trials"]["complete"] + best["trials"]["pruned"] == 2

    again = cli(*args, "--space", str(space), "--out", str(out), "--json")  # already done
    assert again.code == 0 and json.loads(again.out)["trial"] == best["trial"]

    run = tmp_path / "run"
    trained = cli(
        "train",
        "--data",
        "iris",
        "--model",
        "mlp",
        "--config",
        str(out / "best.yaml"),
        "--out",
        str(run),
        "--quiet",
    )
    assert trained.code == 0, trained.err
    config = json.loads((run / "run.json").read_text())
    assert config["model"]["options"]["width"] == best["model"]["width"]
    assert config["train"]["lr"] == pytest.approx(best["train"]["lr"])
    assert config["train"]["epochs"] == 4 and config["train"]["batch_size"] == 16


def test_options_on_the_command_line_win_over_the_config_model_section(
    cli: Cli, tmp_path: Path
) -> None:
    config = tmp_path / "train.yaml"
    config.write_text("epochs: 2\nmodel:\n  width: 8\n  dropout: 0.1\n", encoding="utf-8")
    run = tmp_path / "run"
    result = cli(
        "train",
        "--data",
        "iris",
        "--config",
        str(config),
        "--option",
        "width=12",
        "--out",
        str(run),
        "--quiet",
    )
    assert result.code == 0, result.err
    options = json.loads((run / "run.json").read_text())["model"]["options"]
    assert (options["width"], options["dropout"]) == (12, 0.1)


def test_a_config_model_section_must_be_a_mapping(cli: Cli, tmp_path: Path) -> None:
    config = tmp_path / "train.yaml"
    config.write_text("epochs: 2\nmodel: mlp\n", encoding="utf-8")
    one_line_error(cli("train", "--data", "iris", "--config", str(config)), "'model' must be")


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        ("lr: {low: 0.1, high: 0.001}\n", ["'lr'", "above high"]),
        ("{}\n", ["is empty"]),
        ("hidden: {choices: [64]}\n", ["unknown parameter 'hidden'"]),
        ("width: {choices: []}\n", ["'width'", "choices is empty"]),
    ],
)
def test_bad_space_files_are_one_line_errors(
    cli: Cli, tmp_path: Path, text: str, fragments: list[str]
) -> None:
    space = write_space(tmp_path, text)
    result = cli("tune", "iris", "--space", str(space), "--out", str(tmp_path / "s"))
    one_line_error(result, *fragments)
    assert not (tmp_path / "s").exists()  # refused before anything is written


def test_study_tuned_needs_tune_results(cli: Cli, tmp_path: Path) -> None:
    one_line_error(cli("study", "iris", "--tuned", str(tmp_path), "--dry-run"), "no best.json")


def test_help_has_an_example(cli: Cli) -> None:
    result = cli("tune", "--help")
    assert result.code == 0 and "depthlab tune mnist1d" in result.out
