"""``depthlab crossval``: a run per fold, a summary table with a confidence interval, errors."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile

Run = Callable[..., Any]
RATE = 8000
PATTERN = r"(?P<label>[a-z]+)_(?P<group>[a-z]+)_\d+\.wav"


@pytest.fixture(scope="module")
def speakers(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Low and high 'words' by three speakers, four takes each."""
    root = tmp_path_factory.mktemp("cv") / "speech"
    root.mkdir()
    rng = np.random.default_rng(0)
    for speaker in ("ann", "bob", "cy"):
        for kind, low, high in (("low", 300, 450), ("high", 1600, 2400)):
            for take in range(4):
                t = np.arange(int(rng.uniform(0.2, 0.3) * RATE)) / RATE
                tone = 0.4 * np.sin(2 * np.pi * rng.uniform(low, high) * t)
                wave = (tone + rng.normal(scale=0.03, size=t.size)).astype(np.float32)
                soundfile.write(root / f"{kind}_{speaker}_{take}.wav", wave, RATE)
    return root


def assert_one_line_error(result: Any, *fragments: str) -> None:
    assert result.code == 2, (result.code, result.out, result.err)
    assert "Traceback" not in result.err + result.out
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.err
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def test_leave_one_speaker_out(cli: Run, tmp_path: Path, speakers: Path) -> None:
    out = tmp_path / "cv"
    result = cli(
        "crossval", str(speakers), "--label-pattern", PATTERN, "--model", "logistic",
        "--folds", "logo", "--out", str(out),
    )  # fmt: skip
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0].split()[:3] == ["fold", "test", "accuracy"]
    assert [line.split()[0] for line in lines[1:4]] == ["ann", "bob", "cy"]
    assert all(line.split()[1] == "8" for line in lines[1:4])  # each fold: one speaker's 8 clips
    assert lines[4].startswith("mean over 3 folds: accuracy ") and "95% CI" in lines[4]
    summary = json.loads((out / "crossval.json").read_text())
    assert [f["test_group"] for f in summary["folds"]] == ["ann", "bob", "cy"]
    accuracies = [f["test"]["accuracy"] for f in summary["folds"]]
    assert summary["summary"]["accuracy"]["mean"] == pytest.approx(np.mean(accuracies))
    assert np.mean(accuracies) >= 0.8  # low and high tones, whoever speaks
    for name in ("ann", "bob", "cy"):
        assert (out / f"fold-{name}" / "run.json").is_file()
    again = cli("crossval", str(speakers), "--label-pattern", PATTERN, "--model", "logistic",
                "--out", str(out))  # fmt: skip
    assert_one_line_error(again, "already holds a cross-validation", "--resume")
    resumed = cli("crossval", str(speakers), "--label-pattern", PATTERN, "--model", "logistic",
                  "--out", str(out), "--resume", "--json")  # fmt: skip
    assert resumed.code == 0, resumed.err
    assert json.loads(resumed.out)["summary"] == summary["summary"]


def test_k_folds_of_a_table(cli: Run, tmp_path: Path) -> None:
    result = cli("crossval", "iris", "--model", "logistic", "--folds", "4", "--out",
                 str(tmp_path / "cv"), "--json")  # fmt: skip
    assert result.code == 0, result.err
    folds = json.loads(result.out)["folds"]
    assert [f["name"] for f in folds] == ["1/4", "2/4", "3/4", "4/4"]
    assert sum(f["sizes"]["test"] for f in folds) == 150


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (("iris", "--folds", "1"), ("folds must be 'logo'", "got '1'")),
        (("iris", "--folds", "some"), ("folds must be 'logo'",)),
        (("iris", "--folds", "logo"), ("iris has no groups to leave out",)),
        (("iris", "--folds", "3", "--split", "diagonal"), ("invalid value for 'strategy'",)),
        (("iris", "--model", "cnnn"), ("unknown model 'cnnn'", "Did you mean 'cnn'")),
    ],
)
def test_errors_are_one_line(
    cli: Run, tmp_path: Path, args: tuple[str, ...], fragments: tuple[str, ...]
) -> None:
    result = cli("crossval", *args, "--out", str(tmp_path / "cv"))
    assert_one_line_error(result, *fragments)


def test_help_has_examples(cli: Run) -> None:
    result = cli("crossval", "--help")
    assert result.code == 0
    assert "depthlab crossval fsdd --model cnn --preset deep --folds logo" in result.out
