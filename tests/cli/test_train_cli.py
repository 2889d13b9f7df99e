"""``depthlab train`` and ``depthlab evaluate``: run folders, summaries, resume, errors."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from depthlab.cli.options import parse_options
from depthlab.errors import ConfigError

Run = Callable[..., Any]
RUN_FILES = ("run.json", "model.safetensors", "metrics.json", "history.jsonl")


def assert_one_line_error(result: Any, *fragments: str) -> None:
    """Exit status 2 and exactly one stderr line, ``error: ...``, holding every fragment."""
    assert result.code == 2, (result.code, result.out, result.err)
    assert "Traceback" not in result.err + result.out
    lines = result.err.strip().splitlines()
    assert len(lines) == 1, result.err
    assert lines[0].startswith("error: ")
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def write_table(path: Path, rows: int = 90, seed: int = 0) -> Path:
    """Three classes a/b/c separable on x1, with a numeric and a categorical distractor."""
    rng = np.random.default_rng(seed)
    lines = ["x1,x2,color,kind"]
    for i in range(rows):
        kind = "abc"[i % 3]
        x1 = "abc".index(kind) * 3 + rng.normal()
        lines.append(f"{x1:.3f},{rng.normal():.3f},{('red', 'blue')[i % 2]},{kind}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_train_writes_the_run_folder_and_evaluate_agrees(cli: Run, tmp_path: Path) -> None:
    folder = tmp_path / "runs" / "iris"
    result = cli("train", "--data", "iris", "--epochs", "2", "--out", str(folder))
    assert result.code == 0, result.err
    for name in RUN_FILES:
        assert (folder / name).is_file(), name
    assert "test accuracy" in result.out and "parameters" in result.out
    assert str(folder) in result.out.replace("\n", "")
    assert len((folder / "history.jsonl").read_text().splitlines()) == 2
    stored = json.loads((folder / "metrics.json").read_text())

    scored = cli("evaluate", str(folder), "--json")
    assert scored.code == 0, scored.err
    lines = scored.out.strip().splitlines()
    assert len(lines) == 1
    metrics = json.loads(lines[0])
    assert metrics["accuracy"] == stored["test"]["accuracy"]
    assert (
        np.array(metrics["confusion_matrix"]).sum()
        == json.loads((folder / "run.json").read_text())["split"]["test"]
    )

    table = cli("evaluate", str(folder))
    assert table.code == 0, table.err
    assert "confusion matrix" in table.out and "versicolor" in table.out


def test_train_json_on_a_table_and_evaluate_sees_changed_data(cli: Run, tmp_path: Path) -> None:
    csv = write_table(tmp_path / "shapes.csv")
    folder = tmp_path / "table-run"
    args = ("--data", str(csv), "--target", "kind", "--categorical", "color")
    result = cli("train", *args, "--epochs", "2", "--lr", "0.01", "--out", str(folder), "--json")
    assert result.code == 0, result.err
    printed = json.loads(result.out)
    assert printed == json.loads((folder / "metrics.json").read_text())
    config = json.loads((folder / "run.json").read_text())
    assert config["data"]["options"] == {"target": "kind", "categorical": ["color"]}
    assert config["train"]["lr"] == 0.01
    assert cli("evaluate", str(folder), "--json").code == 0

    write_table(csv, rows=60)  # fewer rows: another split
    assert_one_line_error(cli("evaluate", str(folder)), "changed since training", "fingerprint")


def test_regression_summary_reports_rmse(cli: Run, tmp_path: Path) -> None:
    folder = tmp_path / "diabetes"
    result = cli("train", "--data", "diabetes", "--epochs", "2", "-o", str(folder))
    assert result.code == 0, result.err
    assert "test rmse" in result.out
    scored = json.loads(cli("evaluate", str(folder), "--json").out)
    assert set(scored) == {"rmse", "mae", "r2"}


def test_resume_of_a_finished_run_changes_nothing(cli: Run, tmp_path: Path) -> None:
    folder = tmp_path / "run"
    args = ("train", "--data", "iris", "--epochs", "2", "--out", str(folder))
    assert cli(*args).code == 0
    before = {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}  # tb/ too
    resumed = cli(*args, "--resume")
    assert resumed.code == 0, resumed.err
    assert {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()} == before
    assert_one_line_error(cli(*args), "already holds a run", "--resume")
    assert_one_line_error(cli(*args, "--lr", "0.5", "--resume"), "other data, model or training")
    (folder / "model.safetensors").unlink()  # as if training had been interrupted
    assert_one_line_error(cli("evaluate", str(folder)), "no trained model")


def test_option_values_are_json(cli: Run, tmp_path: Path) -> None:
    folder = tmp_path / "cnn"
    args = ("--data", "digits", "--model", "cnn", "--option", "channels=[4,8]")
    result = cli("train", *args, "--option", "activation=gelu", "--epochs", "1", "-o", str(folder))
    assert result.code == 0, result.err
    options = json.loads((folder / "run.json").read_text())["model"]["options"]
    assert options["channels"] == [4, 8] and options["activation"] == "gelu"


def test_parse_options() -> None:
    assert parse_options(["depth=3", "dropout=0.5", "cell=lstm", "residual=true"]) == {
        "depth": 3,
        "dropout": 0.5,
        "cell": "lstm",
        "residual": True,
    }
    with pytest.raises(ConfigError, match="KEY=VALUE"):
        parse_options(["depth"])


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (("--data", "digits", "--model", "rnn"), ("does not fit", "cnn")),
        (("--data", "iris", "--model", "transformer"), ("unknown model", "mlp")),
        (("--data", "iris", "--preset", "deeep"), ("unknown preset", "deep")),
        (("--data", "iris", "--option", "wdth=3"), ("unknown option", "width")),
        (("--data", "iris", "--option", "width"), ("KEY=VALUE",)),
        (("--data", "iris", "--lr", "-1"), ("lr",)),
        (("--data", "iris", "--epochs", "0"), ("epochs",)),
        (("--data", "iris", "--device", "tpu"), ("device",)),
        (("--data", "irris"), ("unknown dataset", "iris")),
        (("--data", "iris", "--split", "diagonal"), ("strategy", "stratified")),
        (("--data", "iris", "--augment", "shift"), ("tables take augment 'none'",)),
        (("--data", "iris", "--mixup", "-1"), ("mixup",)),
        (("--data", "diabetes", "--mixup", "0.2"), ("mixup blends class labels",)),
    ],
)
def test_train_errors_are_one_line(
    cli: Run, tmp_path: Path, args: tuple[str, ...], fragments: tuple[str, ...]
) -> None:
    folder = tmp_path / "never"
    assert_one_line_error(cli("train", "--epochs", "1", "--out", str(folder), *args), *fragments)
    assert not folder.exists()


def test_a_folder_that_is_not_a_run(cli: Run, tmp_path: Path) -> None:
    assert_one_line_error(cli("evaluate", str(tmp_path)), "not a depthlab run folder")
    assert_one_line_error(cli("evaluate", str(tmp_path / "nope")), "not a depthlab run folder")
    assert_one_line_error(cli("predict", str(tmp_path), "iris"), "not a depthlab run folder")
    (tmp_path / "run.json").write_text('{"name": "something else"}')
    assert_one_line_error(cli("evaluate", str(tmp_path)), "not a depthlab run")


@pytest.mark.parametrize("command", ["train", "evaluate", "predict"])
def test_help_has_examples(cli: Run, command: str) -> None:
    result = cli(command, "--help")
    assert result.code == 0
    assert "Example" in result.out


def test_config_file_and_split_strategy(cli: Run, tmp_path: Path) -> None:
    settings = tmp_path / "train.yaml"
    settings.write_text("epochs: 3\nlr: 0.05\nbatch_size: 16\n")
    folder = tmp_path / "run"
    args = ("--data", "iris", "--config", str(settings), "--epochs", "2", "--split", "random")
    result = cli("train", *args, "--out", str(folder))
    assert result.code == 0, result.err
    recorded = json.loads((folder / "run.json").read_text())
    assert recorded["train"]["epochs"] == 2  # a flag wins over the file
    assert recorded["train"]["lr"] == 0.05 and recorded["train"]["batch_size"] == 16
    assert recorded["split"]["strategy"] == "random" and recorded["split"]["requested"] == "random"
    scored = cli("evaluate", str(folder), "--json")  # splits again the same way
    assert scored.code == 0, scored.err
    stored = json.loads((folder / "metrics.json").read_text())
    assert json.loads(scored.out)["accuracy"] == stored["test"]["accuracy"]
    settings.write_text("epoch: 3\n")
    bad = cli("train", "--data", "iris", "--config", str(settings), "--out", str(tmp_path / "x"))
    assert_one_line_error(bad, "unknown option 'epoch'", "epochs")
