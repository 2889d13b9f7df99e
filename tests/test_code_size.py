"""Size limits of the house style (../shared/DESIGN.md): small functions, short signatures."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import depthlab as dl
from depthlab.training.run import train

SRC = Path(__file__).resolve().parents[1] / "src" / "depthlab"
MAX_LINES = 100


def test_no_function_is_over_100_lines() -> None:
    long = []
    for path in sorted(SRC.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.end_lineno:
                lines = node.end_lineno - node.lineno + 1
                if lines > MAX_LINES:
                    long.append(f"{path.relative_to(SRC)}:{node.name} ({lines} lines)")
    assert not long, "split these functions:\n" + "\n".join(long)


def test_train_takes_the_data_a_spec_and_a_few_keywords() -> None:
    for front in (train, dl.train):
        parameters = inspect.signature(front).parameters
        assert len(parameters) <= 8, f"{front.__module__}.train: {list(parameters)}"
        assert list(parameters)[:2] == ["data", "spec"]
