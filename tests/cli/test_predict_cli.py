"""``depthlab predict``: tables with and without their target, image folders, built-ins."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from depthlab.config import TrainSpec

Run = Callable[..., Any]


def assert_one_line_error(result: Any, *fragments: str) -> None:
    assert result.code == 2, (result.code, result.out, result.err)
    assert "Traceback" not in result.err + result.out
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.err
    assert all(fragment in lines[0] for fragment in fragments), lines[0]


def write_table(path: Path, rows: int = 90) -> Path:
    """Three classes a/b/c separable on x1, with a numeric and a categorical distractor."""
    rng = np.random.default_rng(0)
    kinds = np.array(list("abc"))[np.arange(rows) % 3]
    frame = pd.DataFrame(
        {
            "x1": np.searchsorted(list("abc"), kinds) * 3 + rng.normal(size=rows),
            "x2": rng.normal(size=rows),
            "color": np.array(["red", "blue"])[np.arange(rows) % 2],
            "kind": kinds,
        }
    )
    frame.to_csv(path, index=False, float_format="%.3f")
    return path


@pytest.fixture(scope="module")
def table_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A run trained on a generated CSV (target 'kind': a, b, c), and that CSV."""
    from depthlab.training.run import train

    root = tmp_path_factory.mktemp("table")
    csv = write_table(root / "shapes.csv")
    options = {"target": "kind", "categorical": ["color"]}
    settings = {"epochs": 3, "lr": 0.05}
    train(csv, TrainSpec(model="mlp", data=options, train=settings), out=root / "run")
    return root / "run", csv


@pytest.fixture(scope="module")
def digits_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from depthlab.training.run import train

    folder = tmp_path_factory.mktemp("digits") / "run"
    train("digits", TrainSpec(model="mlp", train={"epochs": 2}), out=folder)
    return folder


def check_predictions(path: Path, rows: int, classes: list[str]) -> pd.DataFrame:
    """One row per example; id, prediction (a class name), p_CLASS columns summing to 1."""
    table = pd.read_csv(path, dtype={"prediction": str})
    assert list(table.columns) == ["id", "prediction", *(f"p_{c}" for c in classes)]
    assert len(table) == rows
    assert set(table["prediction"]) <= set(classes)
    proba = table[[f"p_{c}" for c in classes]].to_numpy()
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-5)
    best = np.asarray(classes)[proba.argmax(axis=1)]
    assert (best == table["prediction"].to_numpy()).all()
    return table


def test_predict_a_table_with_its_target(
    cli: Run, tmp_path: Path, table_run: tuple[Path, Path]
) -> None:
    run, csv = table_run
    out = tmp_path / "preds.csv"
    result = cli("predict", str(run), str(csv), "--output", str(out), "--json")
    assert result.code == 0, result.err
    metrics = json.loads(result.out)
    table = check_predictions(out, 90, ["a", "b", "c"])
    truth = pd.read_csv(csv)["kind"]
    assert metrics["accuracy"] == pytest.approx((table["prediction"] == truth).mean())
    assert table["id"].tolist() == list(range(90))

    shown = cli("predict", str(run), str(csv), "--output", str(out))
    assert "accuracy" in shown.out and "wrote 90 predictions" in shown.out


def test_predict_a_table_without_target(
    cli: Run, tmp_path: Path, table_run: tuple[Path, Path]
) -> None:
    run, csv = table_run
    frame = pd.read_csv(csv).drop(columns=["kind"]).iloc[:7]
    frame.insert(0, "note", "extra columns are ignored")
    new = tmp_path / "new.parquet"
    frame.to_parquet(new)
    out = tmp_path / "sub" / "preds.csv"
    result = cli("predict", str(run), str(new), "-o", str(out), "--json")
    assert result.code == 0, result.err
    assert json.loads(result.out) == {}  # nothing to score against
    check_predictions(out, 7, ["a", "b", "c"])


def test_predict_a_table_with_missing_columns(
    cli: Run, tmp_path: Path, table_run: tuple[Path, Path]
) -> None:
    run, csv = table_run
    bad = tmp_path / "bad.csv"
    pd.read_csv(csv).drop(columns=["x2"]).rename(columns={"x1": "X1"}).to_csv(bad, index=False)
    result = cli("predict", str(run), str(bad), "-o", str(tmp_path / "p.csv"))
    assert_one_line_error(result, "lacks column(s) ['x1', 'x2']", "['x1', 'x2', 'color']")
    assert not (tmp_path / "p.csv").exists()


def test_predict_wrong_kind_of_input(
    cli: Run, tmp_path: Path, table_run: tuple[Path, Path], digits_run: Path
) -> None:
    assert_one_line_error(cli("predict", str(table_run[0]), "digits"), "image data", "tabular")
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("x1,x2\n1,2\n")
    assert_one_line_error(cli("predict", str(digits_run), str(wrong)), "tabular data", "image")
    assert_one_line_error(cli("predict", str(digits_run), str(tmp_path / "nope")), "no such")


def test_predict_a_builtin(cli: Run, tmp_path: Path, digits_run: Path) -> None:
    out = tmp_path / "digits.csv"
    result = cli("predict", str(digits_run), "digits", "-o", str(out), "--json")
    assert result.code == 0, result.err
    assert json.loads(result.out)["accuracy"] > 0.1
    check_predictions(out, 1797, [str(d) for d in range(10)])


def write_digit_pngs(folder: Path, digit: int, count: int, size: int = 8) -> None:
    """*count* of digits' own images of *digit* as PNG files (scaled to *size*) in *folder*."""
    from sklearn.datasets import load_digits

    bunch = load_digits()
    folder.mkdir(parents=True, exist_ok=True)
    for i in np.flatnonzero(bunch.target == digit)[:count]:
        pixels = (bunch.images[i] * 255 / 16).astype(np.uint8)
        Image.fromarray(pixels).resize((size, size)).save(folder / f"img{i}.png")


def test_predict_an_image_folder_by_class(cli: Run, tmp_path: Path, digits_run: Path) -> None:
    write_digit_pngs(tmp_path / "photos" / "3", 3, 4, size=16)  # resized to 8 x 8 to predict
    write_digit_pngs(tmp_path / "photos" / "7", 7, 5, size=16)
    out = tmp_path / "preds.csv"
    result = cli("predict", str(digits_run), str(tmp_path / "photos"), "-o", str(out), "--json")
    assert result.code == 0, result.err
    metrics = json.loads(result.out)
    table = check_predictions(out, 9, [str(d) for d in range(10)])
    assert sorted(Path(name).parent.name for name in table["id"]) == ["3"] * 4 + ["7"] * 5
    # Labels are the run's classes by name: two folders, yet a 10 x 10 confusion matrix.
    matrix = np.array(metrics["confusion_matrix"])
    assert matrix.shape == (10, 10) and matrix[3].sum() == 4 and matrix[7].sum() == 5


def test_predict_a_flat_image_folder(cli: Run, tmp_path: Path, digits_run: Path) -> None:
    write_digit_pngs(tmp_path / "flat", 5, 6)
    out = tmp_path / "preds.csv"
    result = cli("predict", str(digits_run), str(tmp_path / "flat"), "-o", str(out))
    assert result.code == 0, result.err
    assert "wrote 6 predictions" in result.out and "accuracy" not in result.out
    table = check_predictions(out, 6, [str(d) for d in range(10)])
    assert table["id"].str.endswith(".png").all()


def test_unknown_labels_skip_metrics(cli: Run, tmp_path: Path, digits_run: Path) -> None:
    write_digit_pngs(tmp_path / "pets" / "cat", 3, 2)
    result = cli("predict", str(digits_run), str(tmp_path / "pets"), "-o", str(tmp_path / "p.csv"))
    assert result.code == 0, result.err
    assert "not classes of this run" in result.err and "accuracy" not in result.out
