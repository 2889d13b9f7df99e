"""The study's transfer row: recipes, the plan, the k-shot draw, the claim, and a tiny study whose
summary and report show fine-tuned against scratch accuracy."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from depthlab.config import StudyConfig
from depthlab.data.load import load_dataset
from depthlab.errors import ConfigError
from depthlab.studies.claims.judge import Judge
from depthlab.studies.claims.transfer import transfer
from depthlab.studies.fitting.few_shot import draw_shots
from depthlab.studies.plan.ladder import make_plan
from depthlab.studies.plan.recipes import RECIPES, recipe_for


def test_recipes_make_source_and_target() -> None:
    digits = load_dataset("digits")
    source, target = RECIPES["digits"].make(digits, StudyConfig())
    assert source.class_names == ("0", "1", "2", "3", "4")
    assert target.class_names == ("5", "6", "7", "8", "9")
    assert set(target.targets.tolist()) == {0, 1, 2, 3, 4} and len(source) + len(target) == 1797
    mnist = load_dataset("mnist1d")
    canonical, variant = RECIPES["mnist1d"].make(mnist, StudyConfig())
    assert variant.inputs.shape[1:] == canonical.inputs.shape[1:] == (1, 40)
    assert len(variant) == 2000 and variant.class_names == canonical.class_names
    assert recipe_for("iris", StudyConfig()) is None
    assert recipe_for("digits", StudyConfig(transfer=False)) is None
    assert recipe_for("iris", StudyConfig(transfer_source="wine")) is not None


def test_the_plan_adds_one_transfer_job_per_network_and_seed() -> None:
    digits = load_dataset("digits")
    plan = make_plan(StudyConfig(quick=True), digits, cores=2)
    transfer = sorted(job.key for job in plan.jobs if job.kind == "transfer")
    assert transfer == [f"transfer/{m}/s{s}" for m in ("cnn:deep", "mlp:shallow") for s in range(3)]
    assert "transfer  6 runs" in plan.describe()
    off = make_plan(StudyConfig(quick=True, transfer=False), digits, cores=2)
    assert not any(job.kind == "transfer" for job in off.jobs)
    assert not any(
        job.kind == "transfer" for job in make_plan(StudyConfig(), load_dataset("iris"), 2).jobs
    )


def test_shots_are_nested_and_never_tested_on() -> None:
    targets = np.repeat(np.arange(3), 10)
    shots, test = draw_shots(targets, (1, 3, 5), seed=0)
    assert [len(shots[k]) for k in (1, 3, 5)] == [3, 9, 15]
    assert set(shots[1]) <= set(shots[3]) <= set(shots[5])
    assert not set(shots[5]) & set(test) and len(test) == 15
    assert all(np.bincount(targets[shots[3]]).tolist() == [3, 3, 3] for _ in range(1))
    with pytest.raises(ConfigError, match="k = 10 per class leaves none to test on"):
        draw_shots(targets, (10,), seed=0)


def _row(tuned: list[float], scratch: list[float]) -> dict[str, Any]:
    point = {"k": 1, "mean": float(np.mean(tuned))}
    return {
        "finetuned": [{**point, "values": tuned}],
        "scratch": [{"k": 1, "mean": float(np.mean(scratch)), "values": scratch}],
        "depth": 1,
    }


def test_the_claim_pairs_fine_tuned_and_scratch_over_seeds() -> None:
    summary = {
        "metric": "accuracy",
        "plan": {"alpha": 0.05},  # the margin's decider reads the study's level
        "scores": {},
        "transfer": {
            "description": "A -> B",
            "shots": [1, 5],
            "models": {
                "mlp:shallow": _row([0.50, 0.52, 0.51], [0.49, 0.50, 0.50]),
                "cnn:deep": _row([0.90, 0.92, 0.91], [0.60, 0.61, 0.63]),
            },
        },
        "robustness": {},
        "probes": {},
        "threads": {},
        "overfitting": {"gaps": {}},
        "models": {},
        "engineered": None,
    }
    claim = next(c for c in _claims(summary) if c["claim"] == "Deep models suit transfer learning")
    assert claim["verdict"] == "supported", claim
    assert "fine-tuned 91.0% against 61.3% from scratch" in claim["evidence"]
    assert "gains 28.3 points more from pretraining than shallow MLP" in claim["evidence"]
    summary["transfer"]["models"]["cnn:deep"] = _row([0.5, 0.52, 0.5], [0.7, 0.71, 0.73])
    claim = next(c for c in _claims(summary) if c["claim"] == "Deep models suit transfer learning")
    assert claim["verdict"] == "contradicted"


def _claims(summary: dict[str, Any]) -> list[dict[str, Any]]:
    return [transfer(Judge(summary, 0.05))]  # the other claims need a whole study's summary


def test_a_tiny_study_shows_its_transfer_row(tmp_path: Path) -> None:
    from depthlab.depth_study import study

    config = {
        "quick": True,
        "models": ["mlp:shallow", "mlp:deep"],
        "fractions": [1.0],
        "seeds": 2,
        "epochs": 2,
        "probes": False,
        "robustness": False,
        "regularisation": False,
        "threads": False,
        "transfer_shots": [2],
    }
    summary = study("digits", config, out=tmp_path, workers=2).summary
    assert not summary["failures"]
    row = summary["transfer"]
    assert row["recipe"] == "digits" and row["shots"] == [2] and row["seeds"] == [0, 1]
    assert set(row["models"]) == {"mlp:shallow", "mlp:deep"}
    for curves in row["models"].values():
        for start in ("finetuned", "scratch"):
            assert [p["k"] for p in curves[start]] == [2]
            assert all(0.2 < v <= 1.0 for p in curves[start] for v in p["values"])
    claim = next(c for c in summary["claims"] if c["claim"] == "Deep models suit transfer learning")
    assert "digits 0-4 -> digits 5-9" in claim["evidence"]
    page = (tmp_path / "report.html").read_text()
    section = page[page.index('<section id="transfer">') : page.index('<section id="failures">')]
    assert "data:image/png;base64," in section and "k per class" in section
    assert "fine-tuned" in section and "not measured" not in section
