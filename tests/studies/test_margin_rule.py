"""The decision rule with a practical margin (issue 20): labels on synthetic score tables whose
truth is known, Holm's levels, the seeds an undecided comparison would need, and properties of
the rule (hypothesis)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from depthlab.evaluate import margin as mg
from depthlab.studies.verdict.decisions import Decider
from depthlab.studies.verdict.recommendation import recommendation


def test_a_15_point_gap_over_3_noisy_seeds_is_never_not_worse() -> None:
    # issue 20's case: deep MLP 61.7% against deep CNN 77.1%, noisy enough that a two-sided
    # paired t-test over 3 seeds called the gap "not significant"
    rng = np.random.default_rng(0)
    for _ in range(200):
        diffs = -0.154 + rng.normal(0, 0.062, size=3)
        assert mg.label(mg.interval(diffs, 0.05 / 4, rho=0.25), 0.01) not in mg.ACCEPTABLE


def test_identical_models_become_equivalent_as_seeds_grow() -> None:
    rng = np.random.default_rng(1)
    runs = [rng.normal(0, 0.012, size=40) for _ in range(300)]

    def share(n: int) -> float:
        labels = [mg.label(mg.interval(d[:n], 0.05), 0.01) for d in runs]
        return labels.count(mg.EQUIVALENT) / len(runs)

    shares = [share(n) for n in (3, 10, 40)]
    assert shares[0] < 0.5 < shares[1] < shares[2] and shares[2] > 0.95


def test_labels_against_the_margin() -> None:
    def lab(values: list[float]) -> str:
        return mg.label(mg.interval(values, 0.05), 0.01)

    assert lab([0.05, 0.06, 0.055]) == mg.BETTER
    assert lab([-0.004, -0.002, -0.003]) == mg.EQUIVALENT
    assert lab([-0.008, 0.012, 0.003, 0.02]) == mg.NOT_WORSE
    assert lab([-0.2, -0.15, -0.18]) == mg.WORSE
    assert lab([-0.05, 0.04, -0.02]) == mg.UNDECIDED
    assert lab([0.3]) == mg.UNDECIDED  # one seed never decides


def test_the_nadeau_bengio_term_widens_and_floors_the_interval() -> None:
    diffs = [-0.004, 0.006, 0.001, -0.002, 0.003]
    plain, corrected = mg.interval(diffs, 0.05), mg.interval(diffs, 0.05, rho=0.25)
    assert corrected.hi - corrected.lo > plain.hi - plain.lo
    # a mean on the margin's edge with a large test share: no number of seeds decides it
    edge = mg.interval([-0.009, -0.012, -0.006, -0.011], 0.05, rho=0.3)
    assert mg.seeds_to_decide(edge, [-0.01]) is None
    assert mg.floor_half_width(edge) > 0.0


def test_seeds_to_decide_projects_from_mean_and_spread() -> None:
    iv = mg.interval([-0.03, -0.01, -0.05], 0.05)  # clearly below zero, not yet below -1 point
    need = mg.seeds_to_decide(iv, [-0.01])
    assert need is not None and need > 3
    more = mg.interval([-0.03, -0.01, -0.05] * (need // 3 + 1), 0.05)
    assert mg.label(more, 0.01) == mg.WORSE


def test_holm_levels() -> None:
    levels = mg.holm_levels([0.001, 0.04, 0.012], 0.05)
    assert levels == pytest.approx([0.05 / 3, 0.05 / 1, 0.05 / 2])
    # from the first failure on, later hypotheses keep its level
    levels = mg.holm_levels([0.001, 0.03, 0.028], 0.05)
    assert levels[2] == pytest.approx(0.025) and levels[1] == pytest.approx(0.025)


def test_the_holm_rule_holds_the_error_rate_in_simulated_studies() -> None:
    """Many studies with four cheaper models truly worse by exactly the margin: how often is any
    of them called acceptable? (the family-wise error; at most alpha)."""
    rng = np.random.default_rng(2)
    alpha, delta, wrong = 0.05, 0.01, 0
    studies = 2000
    for _ in range(studies):
        diffs = [-delta + rng.normal(0, 0.01, size=5) for _ in range(4)]
        levels = mg.holm_levels([mg.p_not_worse(d, delta) for d in diffs], alpha)
        labels = [mg.label(mg.interval(d, a), delta) for d, a in zip(diffs, levels, strict=True)]
        wrong += any(lab in mg.ACCEPTABLE for lab in labels)
    assert wrong / studies <= alpha + 0.015  # binomial noise over 2000 studies


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.floats(-0.3, 0.3, allow_nan=False), min_size=2, max_size=12),
    st.floats(0.0, 0.05),
    st.floats(0.0, 0.05),
)
def test_more_margin_never_turns_not_worse_into_worse(
    diffs: list[float], delta: float, extra: float
) -> None:
    iv = mg.interval(diffs, 0.05)
    narrow, wide = mg.label(iv, delta), mg.label(iv, delta + extra)
    if narrow in mg.ACCEPTABLE:
        assert wide in mg.ACCEPTABLE
    if wide == mg.WORSE:
        assert narrow == mg.WORSE


def summary(values: dict[str, list[float]], seconds: dict[str, float]) -> dict[str, object]:
    means = {m: float(np.mean(v)) for m, v in values.items()}
    return {
        "metric": "accuracy",
        "best": max(means, key=lambda m: means[m]),
        "plan": {"alpha": 0.05},
        "data": {"split": "stratified", "n_test": 100},
        "scores": {
            m: [
                {
                    "fraction": 1.0,
                    "n_train": 400,
                    "mean": means[m],
                    "lo": None,
                    "hi": None,
                    "values": v,
                }
            ]
            for m, v in values.items()
        },
        "models": {m: {"train_seconds": seconds[m], "depth": 0} for m in values},
    }


def test_the_recommendation_takes_the_cheapest_model_shown_not_worse() -> None:
    s = summary(
        {
            "cnn:deep": [0.771, 0.80, 0.74],
            "mlp:deep": [0.617, 0.70, 0.55],  # 15 points below, noisy
            "logistic": [0.20, 0.21, 0.19],
        },
        {"cnn:deep": 30.0, "mlp:deep": 10.0, "logistic": 0.1},
    )
    rec = recommendation(s, "train_time", Decider.of(s))
    assert rec["model"] == "cnn:deep"
    assert rec["comparisons"]["mlp:deep"]["label"] != mg.NOT_WORSE
    assert "1.0 point" in rec["text"]
    s = summary(
        {"cnn:deep": [0.9, 0.91, 0.905, 0.9, 0.91], "mlp:shallow": [0.9, 0.91, 0.905, 0.9, 0.91]},
        {"cnn:deep": 30.0, "mlp:shallow": 1.0},
    )
    s["data"] = {"split": "official test + stratified", "n_test": 100}
    s["best"] = "cnn:deep"
    rec = recommendation(s, "train_time", Decider.of(s))
    assert rec["model"] == "mlp:shallow" and rec["comparisons"]["mlp:shallow"]["label"] in (
        mg.EQUIVALENT,
        mg.NOT_WORSE,
    )


def test_a_cheaper_undecided_model_is_named_with_what_would_decide_it() -> None:
    s = summary(
        {"cnn:deep": [0.90, 0.93, 0.91], "mlp:shallow": [0.89, 0.90, 0.92]},
        {"cnn:deep": 30.0, "mlp:shallow": 1.0},
    )
    rec = recommendation(s, "train_time", Decider.of(s))
    assert rec["model"] == "cnn:deep" and rec["undecided"] == ["mlp:shallow"]
    assert "Still undecided" in rec["text"] and "seed" in rec["text"]
