"""Text through the CLI: train / evaluate / predict on a user's text file and text table, and
the one-line errors for bad text input (invalid UTF-8, missing labels, a misplaced encoder)."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

Cli = Callable[..., Any]


def assert_one_line_error(result: Any, *fragments: str) -> None:
    assert result.code == 2, (result.code, result.out, result.err)
    assert "Traceback" not in result.err + result.out
    lines = [line for line in result.err.strip().splitlines() if line.startswith("error: ")]
    assert len(lines) == 1, result.err
    assert all(fragment in lines[0] for fragment in fragments), lines[0]


def reviews(mirror: Path) -> list[tuple[str, str]]:
    """The Amazon sentences of the mirror, labelled 'neg' / 'pos'."""
    path = mirror / "sentiment-sentences" / "amazon_cells_labelled.txt"
    rows = [line.rsplit("\t", 1) for line in path.read_text(encoding="utf-8").splitlines()]
    return [(text, "pos" if label == "1" else "neg") for text, label in rows]


@pytest.fixture
def text_file(mirror: Path, tmp_path: Path) -> Path:
    path = tmp_path / "reviews.txt"
    path.write_text("".join(f"{t}\t{label}\n" for t, label in reviews(mirror)), encoding="utf-8")
    return path


def test_train_evaluate_predict_a_text_file(cli: Cli, text_file: Path, tmp_path: Path) -> None:
    run = tmp_path / "run"
    trained = cli("train", "--data", str(text_file), "--model", "cnn", "--epochs", "4",
                  "--out", str(run), "--quiet")  # fmt: skip
    assert trained.code == 0, trained.err
    recorded = json.loads((run / "run.json").read_text())
    assert recorded["data"]["class_names"] == ["neg", "pos"]
    assert recorded["preprocess"]["features"] == "tokens"
    evaluated = cli("evaluate", str(run), "--json")
    assert evaluated.code == 0 and json.loads(evaluated.out)["accuracy"] >= 0.65

    new = tmp_path / "new.txt"
    new.write_text("I love it, works great\n\n   \nBroke after one day, terrible\n")
    predicted = cli("predict", str(run), str(new), "--output", str(tmp_path / "p.csv"))
    assert predicted.code == 0, predicted.err
    assert "skipped 2 blank lines" in predicted.err
    table = pd.read_csv(tmp_path / "p.csv")
    assert table["id"].tolist() == [1, 4]  # line numbers
    assert table["prediction"].tolist() == ["pos", "neg"]
    assert list(table.columns) == ["id", "prediction", "p_neg", "p_pos"]

    labelled = tmp_path / "labelled.txt"
    labelled.write_text("Great value\tpos\nWaste of money\tneg\nExcellent sound\tpos\n")
    scored = cli("predict", str(run), str(labelled), "-o", str(tmp_path / "q.csv"), "--json")
    assert scored.code == 0 and json.loads(scored.out)["accuracy"] == 1.0


def test_predict_reads_class_indices_like_the_built_in_files(
    cli: Cli, tmp_path: Path, mirror: Path
) -> None:
    run = tmp_path / "run"
    assert cli("train", "--data", "sentiment", "--model", "linear", "--epochs", "3",
               "--out", str(run), "--quiet").code == 0  # fmt: skip
    imdb = mirror / "sentiment-sentences" / "imdb_labelled.txt"  # 0/1: negative/positive
    scored = cli("predict", str(run), str(imdb), "-o", str(tmp_path / "p.csv"), "--json")
    assert scored.code == 0, scored.err
    assert json.loads(scored.out)["accuracy"] > 0.7


@pytest.mark.parametrize(
    ("body", "fragments"),
    [
        (b"fine\nalso fine\ncaf\xe9\n", ("bad.txt: line 3 is not valid UTF-8",)),
        (b"good\tpos\nno label here\n", ("line 2 has no 'text<TAB>label' pair but line 1",)),
        (b"\n\n", ("bad.txt has no texts",)),
    ],
)
def test_bad_text_to_predict_is_a_one_line_error(
    cli: Cli, text_file: Path, tmp_path: Path, body: bytes, fragments: tuple[str, ...]
) -> None:
    run = tmp_path / "run"
    assert cli("train", "--data", str(text_file), "--model", "linear", "--epochs", "1",
               "--out", str(run), "--quiet").code == 0  # fmt: skip
    bad = tmp_path / "bad.txt"
    bad.write_bytes(body)
    assert_one_line_error(cli("predict", str(run), str(bad)), *fragments)


@pytest.mark.parametrize(
    ("body", "fragments"),
    [
        (b"good\tpos\nbad\tneg\nno label\n", ("line 3 has no 'text<TAB>label' pair",)),
        (b"good\tpos\n\xff\xfe\tneg\n", ("line 2 is not valid UTF-8",)),
    ],
)
def test_bad_text_to_train_on_is_a_one_line_error(
    cli: Cli, tmp_path: Path, body: bytes, fragments: tuple[str, ...]
) -> None:
    path = tmp_path / "train.txt"
    path.write_bytes(body)
    assert_one_line_error(cli("train", "--data", str(path), "--model", "mlp"), *fragments)


def test_a_text_table_trains_and_predicts_without_its_labels(
    cli: Cli, mirror: Path, tmp_path: Path
) -> None:
    table = tmp_path / "reviews.csv"
    with table.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["review", "stars", "label"])
        writer.writerows((text, len(text) % 5, label) for text, label in reviews(mirror))
    run = tmp_path / "run"
    trained = cli("train", "--data", str(table), "--target", "label", "--text-column", "review",
                  "--model", "mlp", "--epochs", "3", "--out", str(run), "--quiet")  # fmt: skip
    assert trained.code == 0, trained.err
    new = tmp_path / "new.csv"
    pd.DataFrame({"review": ["Excellent, I love it", "Terrible, it broke"]}).to_csv(new)
    predicted = cli("predict", str(run), str(new), "-o", str(tmp_path / "p.csv"))
    assert predicted.code == 0, predicted.err
    assert pd.read_csv(tmp_path / "p.csv")["prediction"].tolist() == ["pos", "neg"]
    scored = cli("predict", str(run), str(table), "-o", str(tmp_path / "q.csv"), "--json")
    assert json.loads(scored.out)["accuracy"] > 0.8  # its own training data, mostly

    holes = tmp_path / "holes.csv"
    holes.write_text("review,label\nGreat,pos\n,neg\n", encoding="utf-8")
    assert_one_line_error(cli("predict", str(run), str(holes)), "line 3: the text is missing")
    other = tmp_path / "other.csv"
    other.write_text("title,body\na,b\n", encoding="utf-8")
    assert_one_line_error(
        cli("predict", str(run), str(other)), "which column holds the texts?", "'review'"
    )


def test_a_text_table_with_a_missing_label_is_a_one_line_error(cli: Cli, tmp_path: Path) -> None:
    table = tmp_path / "t.csv"
    table.write_text(
        "text,label\nreally good stuff here,pos\nreally bad stuff here,neg\n"
        "quite good things indeed,\n",
        encoding="utf-8",
    )
    assert_one_line_error(
        cli("train", "--data", str(table), "--target", "label"), "t.csv", "line 4"
    )


def test_the_encoder_is_for_text_and_needs_a_real_folder(cli: Cli, tmp_path: Path) -> None:
    assert_one_line_error(
        cli("train", "--data", "iris", "--model", "encoder"),
        "model 'encoder' is made for text data, not tabular",
    )
    assert_one_line_error(
        cli("train", "--data", "sentiment", "--model", "encoder", "--encoder", "./no/such"),
        "no such encoder folder: ./no/such",
    )
