"""``depthlab data show`` options that steer loading and splitting: --config, --task, --split."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

Run = Callable[..., Any]

TABLE = "size,grade,label\n" + "".join(f"{i},{'ab'[i % 2]},{i % 3}\n" for i in range(30))


@pytest.fixture
def table(tmp_path: Path) -> Path:
    path = tmp_path / "grades.csv"
    path.write_text(TABLE, encoding="utf-8")
    return path


def show_json(cli: Run, *args: str) -> dict[str, Any]:
    result = cli("data", "show", *args, "--json")
    assert result.code == 0, result.err
    summary: dict[str, Any] = json.loads(result.out)
    return summary


def test_config_file_supplies_the_options(cli: Run, table: Path, tmp_path: Path) -> None:
    config = tmp_path / "data.yaml"
    config.write_text("target: label\ncategorical: [size]\n", encoding="utf-8")
    summary = show_json(cli, str(table), "--config", str(config), "--out", str(tmp_path / "a.png"))
    assert summary["task"] == "classification"
    assert summary["classes"] == {"0": 10, "1": 10, "2": 10}
    assert summary["categorical_columns"] == ["size", "grade"]


def test_flags_override_the_config_file(cli: Run, table: Path, tmp_path: Path) -> None:
    config = tmp_path / "data.yaml"
    config.write_text("target: grade\n", encoding="utf-8")
    summary = show_json(
        cli, str(table), "-c", str(config), "--target", "label", "--out", str(tmp_path / "b.png")
    )
    assert summary["features"]["names"] == ["size", "grade"]


def test_task_overrides_the_inferred_one(cli: Run, table: Path, tmp_path: Path) -> None:
    out = str(tmp_path / "c.png")
    summary = show_json(cli, str(table), "--target", "label", "--task", "regression", "--out", out)
    assert summary["task"] == "regression"
    assert summary["split"]["strategy"] == "random"  # auto: regression is not stratified


def test_split_strategy_is_chosen_and_reported(cli: Run, table: Path, tmp_path: Path) -> None:
    args = [str(table), "--target", "label", "--out", str(tmp_path / "d.png")]
    stratified = show_json(cli, *args)["split"]
    random = show_json(cli, *args, "--split", "random")["split"]
    assert stratified["strategy"] == "stratified" and random["strategy"] == "random"
    assert stratified["fingerprint"] != random["fingerprint"]
    assert show_json(cli, *args, "--seed", "1")["split"]["fingerprint"] != stratified["fingerprint"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--split", "sideways"], "invalid value for 'strategy'"),
        (["--task", "ranking"], "invalid value for 'task'"),
        (["--out", "picture.jpg"], "ending in .png"),
    ],
)
def test_bad_option_values_are_one_line_errors(
    cli: Run, table: Path, args: list[str], message: str
) -> None:
    result = cli("data", "show", str(table), "--target", "label", *args)
    assert result.code == 2
    assert result.err.startswith("error:") and message in result.err
    assert len(result.err.strip().splitlines()) == 1


def test_unknown_key_in_the_config_file_suggests_the_valid_one(
    cli: Run, table: Path, tmp_path: Path
) -> None:
    config = tmp_path / "data.yaml"
    config.write_text("targt: label\n", encoding="utf-8")
    result = cli("data", "show", str(table), "--config", str(config))
    assert result.code == 2
    assert "unknown option 'targt'. Did you mean 'target'?" in result.err
    assert "Valid options:" in result.err
