"""``depthlab evaluate RUN RUN ...``: an ensemble's test metrics, its members', its errors."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

Run = Callable[..., Any]


@pytest.fixture
def members(cli: Run, tmp_path: Path) -> list[Path]:
    """Two iris runs of different seeds on one split, and one on another split."""
    folders = []
    for name, seed, split_seed in (("a", 0, "5"), ("b", 1, "5"), ("other", 2, "6")):
        folder = tmp_path / name
        args = ("--seed", str(seed), "--split-seed", split_seed, "--epochs", "3")
        done = cli("train", "--data", "iris", *args, "--out", str(folder), "-q")
        assert done.code == 0, done.err
        folders.append(folder)
    return folders


def test_evaluate_several_runs_scores_their_ensemble(cli: Run, members: list[Path]) -> None:
    a, b, _ = members
    scored = cli("evaluate", str(a), str(b), "--json")
    assert scored.code == 0, scored.err
    result = json.loads(scored.out)
    stored = [json.loads((f / "metrics.json").read_text())["test"] for f in (a, b)]
    assert [m["accuracy"] for m in result["members"]] == [s["accuracy"] for s in stored]
    assert [m["run"] for m in result["members"]] == [str(a), str(b)]
    assert result["test_examples"] == sum(sum(row) for row in stored[0]["confusion_matrix"])
    assert result["test"]["log_loss"] <= max(s["log_loss"] for s in stored)

    table = cli("evaluate", str(a), str(b))
    assert table.code == 0, table.err
    assert "ensemble of 2 runs on iris" in table.out
    assert "confusion matrix" in table.out
    assert f"{stored[1]['accuracy']:.4f}  {b}" in table.out


def test_evaluate_refuses_members_on_other_splits(cli: Run, members: list[Path]) -> None:
    a, _, other = members
    result = cli("evaluate", str(a), str(other))
    assert result.code == 2
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert str(other) in lines[0] and "--split-seed" in lines[0]
    plot = cli("evaluate", str(a), str(members[1]), "--plot", "f.png")
    assert plot.code == 2 and "one RUN" in plot.err
