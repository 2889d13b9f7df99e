"""``depthlab train --init-from RUN --freeze ... --fine-tune-lr ...``: the run records where its
weights came from; misuse is a one-line error."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

Run = Callable[..., Any]
BASE = ("train", "--data", "iris", "--model", "mlp", "--epochs", "2", "--quiet")


@pytest.fixture
def source(cli: Run, tmp_path: Path) -> Path:
    out = tmp_path / "src"
    assert cli(*BASE, "--out", str(out)).code == 0
    return out


def one_line_error(result: Any, fragment: str) -> None:
    assert result.code == 2, (result.out, result.err)
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and fragment in lines[0], lines


def test_init_from_a_run_folder(cli: Run, source: Path, tmp_path: Path) -> None:
    out = tmp_path / "tuned"
    result = cli(
        *BASE,
        "--out",
        str(out),
        "--init-from",
        str(source),
        "--freeze",
        "all-but-head",
        "--fine-tune-lr",
        "0.0005",
    )
    assert result.code == 0, result.err
    run = json.loads((out / "run.json").read_text())
    assert run["init_from"]["path"] == str(source.resolve())
    assert run["init_from"]["head"] == "copied"  # the same iris classes
    assert run["freeze"] == "all-but-head"
    assert run["train"]["fine_tune_lr"] == 0.0005
    assert (
        run["preprocess"]["stats"]
        == json.loads((source / "run.json").read_text())["preprocess"]["stats"]
    )  # the source's feature statistics
    assert cli("evaluate", str(out), "--json").code == 0


def test_init_from_misuse_is_one_line(cli: Run, source: Path, tmp_path: Path) -> None:
    one_line_error(
        cli(*BASE, "--init-from", str(source), "--freeze", "2", "--out", str(tmp_path / "a")),
        "--freeze 2: this mlp has 1 hidden layer;",
    )
    one_line_error(
        cli(*BASE, "--fine-tune-lr", "0.001", "--out", str(tmp_path / "b")),
        "--fine-tune-lr needs --init-from",
    )
    one_line_error(
        cli(*BASE, "--init-from", str(tmp_path / "nothing"), "--out", str(tmp_path / "c")),
        "no such run folder or .safetensors file",
    )
    one_line_error(
        cli(*BASE, "--init-from", str(source), "--preset", "deep", "--out", str(tmp_path / "d")),
        "another architecture",
    )
