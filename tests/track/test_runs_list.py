"""``depthlab runs list``: every run folder once, sorted by a metric, with unfinished and corrupt
runs marked rather than crashing the listing."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

import depthlab as dl


@pytest.fixture
def runs(tmp_path: Path) -> Path:
    """A real run, two copies with other test scores, an unfinished and a corrupt one."""
    top = tmp_path / "runs"
    real = top / "real"
    dl.train("iris", dl.TrainSpec(model="mlp", train={"epochs": 2}), out=real)
    for name, accuracy, log_loss in (("good", 0.99, 0.1), ("poor", 0.40, 2.0)):
        copy = top / "more" / name  # nested: found at any depth
        shutil.copytree(real, copy)
        metrics = json.loads((copy / "metrics.json").read_text())
        metrics["test"].update(accuracy=accuracy, log_loss=log_loss)
        (copy / "metrics.json").write_text(json.dumps(metrics))
    unfinished = top / "unfinished"
    shutil.copytree(real, unfinished)
    (unfinished / "metrics.json").unlink()
    corrupt = top / "corrupt"
    corrupt.mkdir()
    (corrupt / "run.json").write_text('{"data": {"name": "iris"')  # cut short mid-write
    return top


def names(rows: list[Any]) -> list[str]:
    return [Path(row.name).name for row in rows]


def test_sorted_by_a_metric_best_first_whatever_its_direction(runs: Path) -> None:
    real = json.loads((runs / "real" / "metrics.json").read_text())["test"]
    assert 0.40 < real["accuracy"] < 0.99  # the real run sits between the two copies
    by_accuracy = dl.list_runs([runs], sort="accuracy")
    assert names(by_accuracy)[:3] == ["good", "real", "poor"]
    assert set(names(by_accuracy)[3:]) == {"unfinished", "corrupt"}  # no value: last
    assert names(dl.list_runs([runs], sort="log_loss"))[:3] == ["good", "real", "poor"]
    assert names(dl.list_runs([runs], sort="test.accuracy"))[:3] == ["good", "real", "poor"]


def test_unfinished_and_corrupt_runs_are_marked(runs: Path) -> None:
    rows = {Path(row.name).name: row for row in dl.list_runs([runs])}
    assert len(rows) == 5
    assert rows["unfinished"].status == "unfinished"
    assert rows["unfinished"].epochs == 2  # its progress, from history.jsonl
    assert rows["unfinished"].test == {}
    assert rows["corrupt"].status == "corrupt"
    assert rows["corrupt"].problem == "corrupt run.json"
    real = rows["real"]
    assert (real.status, real.data, real.model, real.epochs) == (
        "finished",
        "iris",
        "mlp:shallow",
        2,
    )
    assert real.train_seconds is not None and real.train_seconds > 0


def test_default_folders_are_runs_and_out_runs(runs: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(runs.parent)
    assert len(dl.list_runs()) == 5
    assert dl.list_runs([runs / "real"])[0].name == str(runs / "real")  # a run folder itself


def test_an_unknown_sort_metric_names_the_known_ones(runs: Path) -> None:
    with pytest.raises(dl.ConfigError, match=r"no run has a test metric 'f1'.*macro_f1"):
        dl.list_runs([runs], sort="f1")


def test_cli_table_and_json(runs: Path, cli: Any) -> None:
    result = cli("runs", "list", str(runs), "--sort", "accuracy")
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    order = [
        next(i for i, line in enumerate(lines) if f"/{name} " in line)
        for name in ("good", "real", "poor")
    ]
    assert order == sorted(order)
    assert "0.9900" in result.out and "unfinished" in result.out
    assert "corrupt run.json" in result.out
    listed = cli("runs", "list", str(runs), "--json")
    rows = [json.loads(line) for line in listed.out.splitlines()]
    assert {row["status"] for row in rows} == {"finished", "unfinished", "corrupt"}
    bad = cli("runs", "list", str(runs), "--sort", "speed")
    assert bad.code == 2 and bad.err.startswith("error: no run has a test metric 'speed'")


def test_cli_show(runs: Path, cli: Any) -> None:
    shown = cli("runs", "show", str(runs / "more" / "good"))
    assert shown.code == 0, shown.err
    assert "mlp:shallow" in shown.out and "0.9900" in shown.out
    missing = cli("runs", "show", str(runs))
    assert missing.code == 2 and "is not a run folder" in missing.err
