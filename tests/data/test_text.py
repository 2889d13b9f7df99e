"""Text files (``text<TAB>label`` lines) through ``load_dataset``."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

import depthlab as dl
from depthlab.errors import ConfigError, DataError


def write(path: Path, text: str) -> Path:
    path.write_bytes(text.encode("utf-8"))
    return path


def test_labelled_lines(tmp_path: Path) -> None:
    path = write(
        tmp_path / "reviews.txt",
        "Great phone, works well\tpos\nBattery died\tneg\nNot bad at all\tpos\n",
    )
    ds = dl.load_dataset(path)
    assert ds.modality == "text" and ds.task == "classification"
    assert ds.inputs == ["Great phone, works well", "Battery died", "Not bad at all"]
    assert ds.class_names == ("neg", "pos") and ds.targets.tolist() == [1, 0, 1]
    assert ds.name == "reviews.txt" and len(ds) == 3


def test_numeric_labels_and_tabs_inside_the_text(tmp_path: Path) -> None:
    lines = "a\tb\t10\n  c d  \t2\ne\t2\nf\t10\n"  # the label is after the last tab
    ds = dl.load_dataset(write(tmp_path / "n.txt", lines))
    assert ds.inputs == ["a\tb", "c d", "e", "f"]
    assert ds.class_names == ("2", "10")  # sorted as numbers
    assert ds.targets.tolist() == [1, 0, 0, 1]


def test_blank_lines_are_skipped_with_a_notice(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = write(tmp_path / "gaps.txt", "one\t0\n\n   \ntwo\t1\r\n\nthree\t0\n")
    with caplog.at_level(logging.WARNING):
        ds = dl.load_dataset(path)
    assert ds.inputs == ["one", "two", "three"] and ds.targets.tolist() == [0, 1, 0]
    assert "skipped 3 blank lines" in caplog.text


def test_invalid_utf8_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "latin.txt"
    path.write_bytes(b"fine\t0\nalso fine\t1\ncaf\xe9 au lait\t1\n")
    with pytest.raises(DataError, match=r"latin\.txt: line 3 is not valid UTF-8"):
        dl.load_dataset(path)


@pytest.mark.parametrize(
    ("body", "line"),
    [
        ("ok\t1\nno label here\nok\t0\n", 2),
        ("ok\t1\nok\t0\nempty label\t \n", 3),
        ("\t1\nok\t0\n", 1),
    ],
)
def test_line_without_a_label_names_the_line(tmp_path: Path, body: str, line: int) -> None:
    with pytest.raises(DataError, match=rf"line {line} has no 'text<TAB>label' pair"):
        dl.load_dataset(write(tmp_path / "bad.txt", body))


def test_empty_and_single_class_files(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="no labelled lines"):
        dl.load_dataset(write(tmp_path / "empty.txt", "\n\n"))
    with pytest.raises(DataError, match="single class \\('spam'\\)"):
        dl.load_dataset(write(tmp_path / "one.txt", "buy now\tspam\nfree money\tspam\n"))


@pytest.mark.parametrize(
    "option", [{"target": "label"}, {"text_column": "text"}, {"resize": (2, 2)}]
)
def test_text_files_take_no_options(tmp_path: Path, option: dict[str, object]) -> None:
    path = write(tmp_path / "r.txt", "a\t0\nb\t1\n")
    with pytest.raises(ConfigError, match=r"do not apply to a text file \(valid: none\)"):
        dl.load_dataset(path, **option)


def test_sentiment_lines_parse_like_user_files(mirror: Path) -> None:
    """The built-in sentiment files use the same format: every line is a labelled pair."""
    path = mirror / "sentiment-sentences" / "imdb_labelled.txt"
    ds = dl.load_dataset(path)
    assert len(ds) == 1000 and ds.class_names == ("0", "1")
    assert ds.class_counts() == {"0": 500, "1": 500}
