"""Claims read their metric-unit effects (gaps, losses under noise, gains) through the margin
rule (issue 20): a supported effect inside the margin says it is negligible, and an undecided
one says how many more seeds would likely decide it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from depthlab.studies.claims.check import check_claims
from depthlab.studies.claims.generalisation import overfit, robust
from depthlab.studies.claims.judge import Judge
from depthlab.studies.verdict.text import decision_note, seeds_text

DATA = Path(__file__).parents[1] / "report" / "data"


def study(gaps: dict[str, list[float]], n_test: int = 50) -> dict[str, Any]:
    """A summary with a deep and a shallow MLP whose train-test gaps are *gaps*; the test split
    is the official one (no Nadeau-Bengio term) unless *n_test* is given with a resampled
    split."""
    scores = {
        m: [{"fraction": 1.0, "n_train": 500, "mean": 0.9, "values": [0.9] * len(g)}]
        for m, g in gaps.items()
    }
    return {
        "metric": "accuracy",
        "plan": {"alpha": 0.05},
        "data": {"split": "official test", "n_test": n_test},
        "scores": scores,
        "models": {m: {"label": m} for m in gaps},
        "overfitting": {
            "gaps": {
                m: {"gap": {"mean": sum(g) / len(g)}, "gap_values": g} for m, g in gaps.items()
            }
        },
    }


def test_a_gap_difference_inside_the_margin_is_supported_but_negligible() -> None:
    s = study({"mlp:deep": [0.054, 0.055, 0.056, 0.055], "mlp:shallow": [0.05] * 4})
    claim = overfit(Judge(s, 0.05))
    assert claim["verdict"] == "supported"
    assert (
        "supported, but negligible: the whole interval lies within the margin"
        in (claim["evidence"])
    )
    assert "1.0 points" in claim["evidence"]
    assert "seeds_to_decide" not in claim


def test_a_clear_gap_difference_is_supported_without_a_note() -> None:
    s = study({"mlp:deep": [0.15, 0.16, 0.14], "mlp:shallow": [0.05, 0.05, 0.06]})
    claim = overfit(Judge(s, 0.05))
    assert claim["verdict"] == "supported"
    assert "negligible" not in claim["evidence"] and "decide it" not in claim["evidence"]
    assert "seeds_to_decide" not in claim


def test_an_undecided_gap_says_how_many_more_seeds_would_decide_it() -> None:
    # about 3 points apart, noisy over three seeds: undecided now, decidable with more seeds
    s = study({"mlp:deep": [0.10, 0.05, 0.12], "mlp:shallow": [0.05, 0.04, 0.05]})
    claim = overfit(Judge(s, 0.05))
    assert claim["verdict"] == "inconclusive"
    assert claim["seeds"] == 3 and claim["seeds_to_decide"] > 3
    more = claim["seeds_to_decide"] - 3
    assert claim["evidence"].endswith(f"about {more} more seeds would likely decide it")


def test_an_effect_on_the_margin_edge_cannot_be_decided_by_seeds() -> None:
    # the split re-drawn for each seed with a test set as large as the training set: the
    # interval never narrows below the split's own variance
    s = study({"mlp:deep": [0.06, 0.04, 0.07, 0.03], "mlp:shallow": [0.05, 0.05, 0.05, 0.05]})
    s["data"] = {"split": "stratified", "n_test": 500}
    claim = overfit(Judge(s, 0.05))
    assert claim["verdict"] == "inconclusive"
    assert claim["seeds_to_decide"] is None
    assert claim["evidence"].endswith("seeds alone are unlikely to decide it")


def test_robustness_compares_losses_with_the_margin() -> None:
    s = study({"mlp:deep": [0.05] * 3, "boosting": [0.05] * 3})
    s["robustness"] = {
        "mlp:deep": {"clean": 0.9, "noise": 0.88, "missing": 0.89},
        "boosting": {"clean": 0.9, "noise": 0.70, "missing": 0.75},
    }
    s["robustness"]["mlp:deep"] |= {"noise_drop": [0.02, 0.03, 0.01], "missing_drop": [0.01] * 3}
    s["robustness"]["boosting"] |= {"noise_drop": [0.2, 0.21, 0.19], "missing_drop": [0.15] * 3}
    claim = robust(Judge(s, 0.05))
    assert claim["verdict"] == "supported", claim
    # the network loses as much as the classical model, within a tenth of a point: no effect
    # that matters, so the claim (networks are more robust) is contradicted
    s["robustness"]["boosting"] |= {
        "noise_drop": [0.021, 0.029, 0.011],
        "missing_drop": [0.0105, 0.0095, 0.01],
    }
    assert robust(Judge(s, 0.05))["verdict"] == "contradicted"


def test_notes_only_where_seeds_could_settle_it() -> None:
    undecided = {"decision": 0, "n": 3, "seeds_to_decide": 5, "margin": 0.01}
    against = {"decision": -1, "n": 3, "seeds_to_decide": None, "margin": 0.01}
    assert decision_note("inconclusive", [undecided], "accuracy")[0] == (
        "about 2 more seeds would likely decide it"
    )
    # one test for, one against: more seeds of either would not settle the claim
    assert decision_note("inconclusive", [undecided, against], "accuracy") == ("", {})
    # tests without a margin (training time, attributions) add nothing
    assert decision_note("inconclusive", [{"significant": False, "n": 3}], "accuracy") == ("", {})
    assert seeds_text(1, None) == "at least two seeds are needed to decide it"


def test_a_judge_given_levels_builds_each_interval_at_its_level() -> None:
    # four seeds, 3 points apart: decided at the study's level, not at a tenth of it
    s = study({"mlp:deep": [0.06, 0.08, 0.10, 0.08], "mlp:shallow": [0.05] * 4})
    plain = Judge(s, 0.05)
    assert overfit(plain)["verdict"] == "supported" and len(plain.pvalues) == 1
    strict = overfit(Judge(s, 0.05, levels=[0.005]))
    assert strict["verdict"] == "inconclusive" and strict["seeds_to_decide"] > 4


def test_check_claims_holds_the_claims_at_holms_levels() -> None:
    """On iris every other effect is far from decided, so the one borderline gap is tested
    first at alpha / 5 (five margin tests in the check) and no longer decides alone."""
    s = json.loads((DATA / "summary_iris_quick.json").read_text(encoding="utf-8"))
    s["data"]["split"] = "official test"  # no Nadeau-Bengio term: the gap alone decides
    gaps = s["overfitting"]["gaps"]
    shallow = gaps["mlp:shallow"]["gap_values"]
    gaps["mlp:deep"]["gap_values"] = [
        g + d for g, d in zip(shallow, (0.02, 0.03, 0.04), strict=True)
    ]
    assert overfit(Judge(s, 0.05))["verdict"] == "supported"
    claims = {c["claim"]: c for c in check_claims(s, 0.05)}
    assert claims["Deep models overfit more"]["verdict"] == "inconclusive"
    assert "more seeds would likely decide it" in claims["Deep models overfit more"]["evidence"]
