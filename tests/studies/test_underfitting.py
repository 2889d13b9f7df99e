"""The under-fitting flag: a network whose training score falls clearly below the simplest
classical model's on the same examples is named, with the numbers, in the study's summary, its
report and the terminal; in a training run's metrics and the train command's output."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from depthlab.cli import app
from depthlab.config import TrainSpec
from depthlab.evaluate.underfit import MARGIN, check
from depthlab.training.run import train

SMALL = {
    "models": ("logistic", "linear", "mlp:shallow"),
    "fractions": (1.0,),
    "seeds": 2,
    "probes": False,
    "robustness": False,
    "explain": False,
    "regularisation": False,
    "threads": False,
    "transfer": False,
}


def test_the_rule_flags_only_a_clear_gap() -> None:
    assert check("linear", 0.90, "logistic", 0.90 + MARGIN / 2, "accuracy") is None
    flag = check("linear", 0.60, "logistic", 0.95, "accuracy", "linear network")
    assert flag is not None and flag["gap"] == pytest.approx(0.35)
    assert "60.0%" in flag["text"] and "95.0%" in flag["text"]
    assert check("mlp:deep", 0.10, "ridge", 0.30, "r2")["text"].count("0.") >= 2  # type: ignore[index]
    assert check("linear", None, "logistic", 0.9, "accuracy") is None


def test_a_starved_network_is_flagged_in_the_study(tmp_path: Path) -> None:
    from depthlab.depth_study import study

    # The linear network at a rate far too small to converge: the flag names it; the shallow
    # MLP at its preset fits the training data as well as logistic regression does.
    config: dict[str, Any] = {**SMALL, "tuned": {"linear": {"train": {"lr": 1e-6}}}}
    result = study("iris", config, out=tmp_path / "study", workers=1)
    flags = {flag["model"]: flag for flag in result.summary["underfitting"]}
    assert set(flags) == {"linear"}
    assert flags["linear"]["reference"] == "logistic"
    assert flags["linear"]["train"] < flags["linear"]["reference_train"] - 0.2
    html = (tmp_path / "study" / "report.html").read_text()
    assert "Under-fitting: linear (no hidden layer): training accuracy" in html


def test_a_starved_run_is_flagged_and_the_command_says_so(tmp_path: Path) -> None:
    spec = TrainSpec(model="linear", train={"lr": 1e-6, "epochs": 2})
    run = train("iris", spec, seed=0)
    flag = run.metrics["underfitting"]
    assert flag["reference"] == "logistic" and flag["train"] < flag["reference_train"] - 0.2
    fine = train("iris", TrainSpec(model="mlp"), seed=0)
    assert fine.metrics["underfitting"] is None
    result = CliRunner().invoke(
        app,
        ["train", "-d", "iris", "--model", "linear", "--lr", "1e-6", "--epochs", "2",
         "--out", str(tmp_path / "run")],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "under-fitting: linear network: training accuracy" in result.output
