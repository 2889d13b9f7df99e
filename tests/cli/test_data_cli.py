"""``depthlab data list`` and ``depthlab data show`` on every built-in and on the user's files."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import wave
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

Run = Callable[..., Any]

BUILTINS = [
    "mnist1d",
    "mnist1d-shuffled",
    "digits",
    "iris",
    "wine",
    "breast-cancer",
    "diabetes",
    "fsdd",
    "sentiment",
    "sunspots",
    "movielens-100k",
]
DIGITS = {"0": 178, "1": 182, "2": 177, "3": 183, "4": 181}
DIGITS |= {"5": 182, "6": 181, "7": 179, "8": 174, "9": 180}
SPEAKERS = {s: 500 for s in ("george", "jackson", "nicolas", "theo", "yweweler")}
# name: examples, class counts (None: not classification), groups, split strategy
EXPECTED: dict[str, tuple[int, dict[str, int] | None, dict[str, int] | None, str]] = {
    "mnist1d": (5000, {str(d): 500 for d in range(10)}, None, "official test + stratified"),
    "mnist1d-shuffled": (
        5000,
        {str(d): 500 for d in range(10)},
        None,
        "official test + stratified",
    ),
    "digits": (1797, DIGITS, None, "stratified"),
    "iris": (150, {"setosa": 50, "versicolor": 50, "virginica": 50}, None, "stratified"),
    "wine": (178, {"class_0": 59, "class_1": 71, "class_2": 48}, None, "stratified"),
    "breast-cancer": (569, {"malignant": 212, "benign": 357}, None, "stratified"),
    "diabetes": (442, None, None, "random"),
    "fsdd": (2500, {str(d): 250 for d in range(10)}, SPEAKERS, "grouped"),
    "sentiment": (
        2000,
        {"negative": 1000, "positive": 1000},
        {"amazon": 1000, "imdb": 1000},
        "stratified",
    ),
    "sunspots": (309, None, None, "temporal"),
    "movielens-100k": (100_000, None, None, "random"),
}
DEPTHLAB = Path(sys.executable).parent / "depthlab"


def check_png(path: Path) -> tuple[int, int]:
    assert path.is_file(), path
    with Image.open(path) as image:
        assert image.format == "PNG"
        image.verify()
    with Image.open(path) as image:
        image.load()
        width, height = image.size
    assert 200 <= width <= 5000 and 150 <= height <= 5000, (width, height)
    return width, height


def show_json(cli: Run, *args: str) -> dict[str, Any]:
    result = cli("data", "show", *args, "--json")
    assert result.code == 0, result.err
    assert "Traceback" not in result.err
    summary: dict[str, Any] = json.loads(result.out)
    split = summary["split"]
    assert split["train"] + split["val"] + split["test"] == summary["examples"]
    assert min(split["train"], split["test"]) > 0
    return summary


def test_list_shows_every_builtin_in_full(cli: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")  # a narrow terminal must not cut names short
    result = cli("data", "list")
    assert result.code == 0, result.err
    for name in BUILTINS:
        assert name in result.out


def test_list_json_is_one_object_per_line(cli: Run) -> None:
    result = cli("data", "list", "--json")
    assert result.code == 0, result.err
    rows = [json.loads(line) for line in result.out.splitlines()]
    rows = [row for row in rows if row["modality"] != "control"]  # plants: test_data_plants_cli
    assert [row["name"] for row in rows] == BUILTINS
    for row in rows:
        assert {"name", "modality", "task", "size", "classes", "license"} <= set(row)
        assert row["license"]
        expected_classes = EXPECTED[row["name"]][1]
        assert row["classes"] == (None if expected_classes is None else len(expected_classes))
    by_name = {row["name"]: row for row in rows}
    assert by_name["fsdd"]["modality"] == "audio"
    assert by_name["sunspots"]["task"] == "forecasting"
    assert by_name["diabetes"]["task"] == "regression"


@pytest.mark.parametrize("name", BUILTINS)
def test_show_builtin(name: str, cli: Run, tmp_path: Path) -> None:
    out = tmp_path / "sub" / "x.png"
    summary = show_json(cli, name, "--out", str(out))
    examples, classes, groups, strategy = EXPECTED[name]
    assert summary["name"] == name
    assert summary["examples"] == examples
    assert summary.get("classes") == classes
    assert summary.get("groups") == groups
    assert summary["split"]["strategy"] == strategy
    assert summary["split"]["seed"] == 0
    assert summary["info"]["license"] and summary["info"]["source"]
    assert summary["picture"] == str(out)
    check_png(out)
    if name.startswith("mnist1d"):
        assert summary["split"]["test"] == 1000  # the official test set is kept
    if name == "sunspots":
        assert summary["time"] == [1700, 2008]
    if name == "fsdd":
        assert summary["sample_rate"] == 8000


def test_show_prints_a_summary_and_saves_name_png(
    cli: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = cli("data", "show", "iris", "--seed", "3")
    assert result.code == 0, result.err
    for fragment in ("iris", "setosa", "class balance", "seed 3", "iris.png"):
        assert fragment in result.out
    check_png(tmp_path / "iris.png")


def test_show_user_csv_with_target(cli: Run, tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    lines = ["city,rooms,area,kind"]
    for i in range(30):
        area = "?" if i == 7 else f"{rng.uniform(30, 200):.1f}"
        lines.append(f"{'abc'[i % 3]},{1 + i % 4},{area},{'house' if i % 2 else 'flat'}")
    table = tmp_path / "homes.csv"
    table.write_text("\n".join(lines) + "\n")
    out = tmp_path / "homes.png"
    summary = show_json(
        cli, str(table), "--target", "kind", "--categorical", "rooms", "--out", str(out)
    )
    assert summary["examples"] == 30
    assert summary["classes"] == {"flat": 15, "house": 15}
    assert summary["features"] == {"count": 3, "names": ["city", "rooms", "area"]}
    assert sorted(summary["categorical_columns"]) == ["city", "rooms"]
    assert summary["missing_values"] == 1
    check_png(out)


def test_show_image_folder_resized(cli: Run, tmp_path: Path) -> None:
    root = tmp_path / "pets"
    sizes = {"cat": (12, 10), "dog": (5, 7)}  # mixed sizes are fine with --resize
    for label, size in sizes.items():
        (root / label).mkdir(parents=True)
        for i in range(5):
            Image.new("RGB", size, (40 * i, 200 if label == "cat" else 0, 90)).save(
                root / label / f"{i}.png"
            )
    out = tmp_path / "pets.png"
    summary = show_json(cli, str(root), "--resize", "8", "8", "--out", str(out))
    assert summary["modality"] == "image"
    assert summary["example_shape"] == [3, 8, 8]
    assert summary["classes"] == {"cat": 5, "dog": 5}
    lo, hi = summary["value_range"]
    assert 0.0 <= lo < hi <= 1.0
    check_png(out)


def write_wav(path: Path, seconds: float, rate: int = 8000) -> None:
    t = np.arange(int(seconds * rate)) / rate
    samples = (0.3 * np.sin(2 * np.pi * 440 * t) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(samples.tobytes())


def test_show_audio_folder_with_label_pattern(cli: Run, tmp_path: Path) -> None:
    root = tmp_path / "spoken"
    root.mkdir()
    for digit in (0, 1):
        for speaker in ("ann", "bob", "cem"):
            for take in (0, 1):
                write_wav(root / f"{digit}_{speaker}_{take}.wav", 0.25 + 0.05 * take)
    out = tmp_path / "spoken.png"
    pattern = r"(?P<label>\d)_(?P<group>[a-z]+)_\d+\.wav"
    summary = show_json(cli, str(root), "--label-pattern", pattern, "--out", str(out))
    assert summary["modality"] == "audio"
    assert summary["classes"] == {"0": 6, "1": 6}
    assert summary["groups"] == {"ann": 4, "bob": 4, "cem": 4}
    assert summary["split"]["strategy"] == "grouped"
    assert summary["sample_rate"] == 8000
    assert summary["seconds"] == {"min": 0.25, "median": 0.275, "max": 0.3}
    check_png(out)


@pytest.mark.parametrize(
    "command", [[], ["data"], ["data", "list"], ["data", "show"]], ids=" ".join
)
def test_every_command_has_help_with_an_example(cli: Run, command: list[str]) -> None:
    result = cli(*command, "--help")
    assert result.code == 0, result.err
    assert "Example" in result.out
    assert "Usage" in result.out


def test_in_process_run_leaves_logging_as_it_was(cli: Run, tmp_path: Path) -> None:
    logger = logging.getLogger("depthlab")
    before = (list(logger.handlers), logger.level, logger.propagate)
    texts = tmp_path / "reviews.txt"
    texts.write_text("good film\t1\n\nbad film\t0\nfine\t1\nawful\t0\n", encoding="utf-8")
    result = cli("data", "show", str(texts), "--out", str(tmp_path / "s.png"))
    assert result.code == 0, result.err
    assert "skipped 1 blank lines" in result.err  # log records reach stderr during the run
    assert (list(logger.handlers), logger.level, logger.propagate) == before


def run_process(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)


def test_python_dash_m_runs_the_cli() -> None:
    done = run_process(sys.executable, "-m", "depthlab", "data", "list", "--json")
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert [row["name"] for row in rows if row["modality"] != "control"] == BUILTINS


def test_console_script_runs_and_reports_errors() -> None:
    assert DEPTHLAB.is_file(), f"console script missing: {DEPTHLAB}"
    done = run_process(str(DEPTHLAB), "data", "list")
    assert done.returncode == 0, done.stderr
    assert "sunspots" in done.stdout
    failed = run_process(str(DEPTHLAB), "data", "show", "irs")
    assert failed.returncode == 2
    assert failed.stderr.strip().splitlines() == [failed.stderr.strip()]
    assert failed.stderr.startswith("error: unknown dataset 'irs'. Did you mean 'iris'?")
