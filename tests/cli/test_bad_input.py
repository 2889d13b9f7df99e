"""Bad input gets a clear error and exit status 2, never a traceback."""

from __future__ import annotations

import shutil
import wave
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

Run = Callable[..., Any]


@pytest.fixture
def show(cli: Run, tmp_path: Path) -> Callable[..., Any]:
    """``depthlab data show ARGS`` with the picture written into tmp_path."""

    def run(*args: str) -> Any:
        return cli("data", "show", *args, "--out", str(tmp_path / "preview.png"))

    return run


def assert_one_line_error(result: Any, *fragments: str) -> str:
    """Exit status 2 and exactly one stderr line, ``error: ...``, holding every fragment."""
    assert result.code == 2, (result.code, result.out, result.err)
    assert "Traceback" not in result.err + result.out
    lines = result.err.strip().splitlines()
    assert len(lines) == 1, result.err
    assert lines[0].startswith("error: ")
    for fragment in fragments:
        assert fragment in lines[0]
    return lines[0]


def write_csv(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def write_wav(path: Path, frames: int = 800, rate: int = 8000) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(bytes(range(256)) * (frames * 2 // 256) + b"\0" * (frames * 2 % 256))
    return path


def write_png(path: Path, size: tuple[int, int], shade: int = 128) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("L", size, shade).save(path)
    return path


def numbers_table(rows: int = 10) -> str:
    return "a,b,label\n" + "".join(f"{i},{i * 0.5},{i % 2}\n" for i in range(rows))


def test_unknown_dataset_suggests_the_closest(show: Run) -> None:
    line = assert_one_line_error(show("mnist1"), "unknown dataset 'mnist1'")
    assert "Did you mean 'mnist1d'?" in line


def test_missing_target_column_lists_the_columns(show: Run, tmp_path: Path) -> None:
    table = write_csv(tmp_path / "t.csv", numbers_table())
    assert_one_line_error(
        show(str(table), "--target", "price"), "no target column 'price'", "['a', 'b', 'label']"
    )


def test_non_numeric_value_names_line_and_column(show: Run, tmp_path: Path) -> None:
    text = numbers_table().splitlines()
    text[4] = "3,oops,1"  # data row 4 is line 5 of the file
    table = write_csv(tmp_path / "t.csv", "\n".join(text) + "\n")
    assert_one_line_error(show(str(table)), "line 5", "column 'b'", "'oops'")


def test_empty_file(show: Run, tmp_path: Path) -> None:
    table = write_csv(tmp_path / "empty.csv", "")
    assert_one_line_error(show(str(table), "--target", "label"), "empty.csv", "empty")


def test_header_without_rows(show: Run, tmp_path: Path) -> None:
    table = write_csv(tmp_path / "header.csv", "a,b,label\n")
    assert_one_line_error(show(str(table)), "header.csv", "no data rows")


def test_single_class(show: Run, tmp_path: Path) -> None:
    rows = "".join(f"{i},{i},yes\n" for i in range(8))
    table = write_csv(tmp_path / "one.csv", "a,b,label\n" + rows)
    assert_one_line_error(show(str(table)), "single class", "yes")


def test_nan_in_the_target_names_the_line(show: Run, tmp_path: Path) -> None:
    text = numbers_table().splitlines()
    text[6] = "5,2.5,NaN"  # line 7 of the file
    table = write_csv(tmp_path / "t.csv", "\n".join(text) + "\n")
    assert_one_line_error(show(str(table)), "line 7", "target 'label' is missing")


def test_corrupt_image_names_the_file(show: Run, tmp_path: Path) -> None:
    root = tmp_path / "photos"
    for label in ("cat", "dog"):
        for i in range(3):
            write_png(root / label / f"{i}.png", (6, 6))
    (root / "dog" / "1.png").write_bytes(b"\x89PNG\r\n\x1a\nnot really a png")
    assert_one_line_error(show(str(root)), "cannot read image", str(root / "dog" / "1.png"))


def test_corrupt_wav_names_the_file(show: Run, tmp_path: Path) -> None:
    root = tmp_path / "speech"
    for label in ("yes", "no"):
        for i in range(3):
            write_wav(root / label / f"{i}.wav")
    (root / "no" / "2.wav").write_bytes(b"RIFF\x10\x00\x00\x00WAVEjunk")
    assert_one_line_error(show(str(root)), "cannot read WAV file", str(root / "no" / "2.wav"))


def test_mixed_image_sizes_suggest_resize(show: Run, tmp_path: Path) -> None:
    root = tmp_path / "photos"
    for label in ("cat", "dog"):
        for i in range(2):
            write_png(root / label / f"{i}.png", (6, 6))
    write_png(root / "dog" / "big.png", (9, 7))
    assert_one_line_error(show(str(root)), "differ in size", "9x7", "--resize")


def test_checksum_mismatch_in_the_mirror(show: Run, tmp_path: Path, mirror: Path) -> None:
    copy = tmp_path / "mirror"
    shutil.copytree(mirror / "sentiment-sentences", copy / "sentiment-sentences")
    path = copy / "sentiment-sentences" / "amazon_cells_labelled.txt"
    data = bytearray(path.read_bytes())
    data[0] ^= 0x20
    path.write_bytes(bytes(data))
    assert_one_line_error(
        show("sentiment", "--data-dir", str(copy)), "checksum mismatch", "amazon_cells_labelled.txt"
    )


def test_nonexistent_path(show: Run, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "data.csv"
    assert_one_line_error(show(str(missing)), "no such file or folder", str(missing))


def test_unsupported_file_type(show: Run, tmp_path: Path) -> None:
    sheet = tmp_path / "book.xlsx"
    sheet.write_bytes(b"PK\x03\x04")
    assert_one_line_error(show(str(sheet)), "unsupported file type '.xlsx'")


def test_option_that_does_not_apply_to_a_builtin(show: Run) -> None:
    assert_one_line_error(show("iris", "--target", "species"), "built-in dataset 'iris'")


def test_label_pattern_without_label_group(show: Run, tmp_path: Path) -> None:
    write_wav(tmp_path / "speech" / "1_ann_0.wav")
    write_wav(tmp_path / "speech" / "2_ann_0.wav")
    line = assert_one_line_error(
        show(str(tmp_path / "speech"), "--label-pattern", r"(\d)_.*"), "--label-pattern"
    )
    assert "(?P<label>" in line


def test_picture_path_that_cannot_be_written(cli: Run, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = cli("data", "show", "iris", "--out", str(blocker / "iris.png"))
    assert_one_line_error(result, "cannot write the picture", "--out")


def test_typer_usage_error_is_status_2_without_traceback(cli: Run) -> None:
    result = cli("data", "show", "iris", "--seed", "abc")
    assert result.code == 2
    assert "Traceback" not in result.err + result.out
    assert "--seed" in result.err


def test_unknown_command_is_status_2(cli: Run) -> None:
    result = cli("dta", "list")
    assert result.code == 2
    assert "Traceback" not in result.err + result.out
