"""The study's interpretability row and claim: measured on a tiny study, and judged from the
numbers (shallow against deep, faithfulness and stability)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import depthlab as dl
from depthlab.studies.claims.interpretability import CLAIM, interpretable
from depthlab.studies.claims.judge import Judge

pytest.importorskip("captum")


def test_a_tiny_study_measures_the_interpretability_claim(tmp_path: Path) -> None:
    config = {
        "models": ["mlp:shallow", "mlp:deep"],
        "fractions": [1.0],
        "seeds": 2,
        "epochs": 1,
        "quick": True,
        "probes": False,
        "robustness": False,
        "regularisation": False,
        "threads": False,
    }
    dl.study("iris", config, out=tmp_path / "study", workers=2)
    summary = json.loads((tmp_path / "study" / "summary.json").read_text())
    rows = summary["interpretability"]
    assert set(rows) == {"mlp:shallow", "mlp:deep"}
    for row in rows.values():
        assert row["method"] == "integrated-gradients"
        assert len(row["faithfulness"]["values"]) == 2 and len(row["stability"]["values"]) == 1
        assert -1 <= row["stability"]["mean"] <= 1
    claim = next(c for c in summary["claims"] if c["claim"] == CLAIM)
    assert not claim["evidence"].startswith("not measured")
    assert "faithfulness" in claim["evidence"] and "stability" in claim["evidence"]
    page = (tmp_path / "study" / "report.html").read_text()
    section = page.split('id="interpretability"')[1].split("</section>")[0]
    assert "shallow MLP" in section and "faithfulness" in section


def test_a_study_without_explanations_says_not_measured(tmp_path: Path) -> None:
    verdict = interpretable(_judge({}))
    assert verdict["verdict"] == "inconclusive" and verdict["evidence"].startswith("not measured")


def _judge(inter: dict[str, Any]) -> Judge:
    scores = {m: [{"mean": 0.9, "values": [0.9, 0.9, 0.9]}] for m in ("mlp:shallow", "mlp:deep")}
    summary = {"metric": "accuracy", "plan": {"alpha": 0.05}, "scores": scores}
    return Judge({**summary, "interpretability": inter}, 0.05)


def _row(faith: list[float], stable: list[float]) -> dict[str, Any]:
    return {
        "method": "integrated-gradients",
        "faithfulness": {"mean": sum(faith) / 3, "values": faith},
        "stability": {"mean": sum(stable) / 3, "values": stable},
    }


def test_the_claim_follows_the_numbers() -> None:
    clear = _row([0.30, 0.31, 0.29], [0.90, 0.92, 0.91])
    murky = _row([0.10, 0.12, 0.11], [0.50, 0.52, 0.49])
    supported = interpretable(_judge({"mlp:shallow": clear, "mlp:deep": murky}))
    assert supported["verdict"] == "supported"
    contradicted = interpretable(_judge({"mlp:shallow": murky, "mlp:deep": clear}))
    assert contradicted["verdict"] == "contradicted"
    mixed = _row([0.30, 0.31, 0.29], [0.50, 0.52, 0.49])
    assert (
        interpretable(
            _judge({"mlp:shallow": mixed, "mlp:deep": _row([0.10, 0.12, 0.11], [0.90, 0.92, 0.91])})
        )["verdict"]
        == "inconclusive"
    )
