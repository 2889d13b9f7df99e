"""Number formatting: percentages for accuracy-like metrics, three decimals otherwise, and a
dash for every hole."""

from __future__ import annotations

import pytest

from depthlab.report import fmt


def test_scores_follow_the_metric() -> None:
    assert fmt.score(0.9816, "accuracy") == "98.2%"
    assert fmt.score(0.9816, "r2") == "0.982"
    assert fmt.interval(0.976, 0.987, "accuracy") == "[97.6%, 98.7%]"
    assert fmt.diff(0.2153, "accuracy") == "+21.5 pts"
    assert fmt.diff(-0.0123, "r2") == "-0.012"


@pytest.mark.parametrize("hole", [None, float("nan"), "n/a", True, {}])
def test_holes_read_as_a_dash(hole: object) -> None:
    assert fmt.score(hole, "accuracy") == fmt.MISSING
    assert fmt.count(hole) == fmt.MISSING
    assert fmt.si(hole) == fmt.MISSING
    assert fmt.interval(hole, 0.5, "accuracy") == ""


def test_counts_and_quantities() -> None:
    assert fmt.count(8195.0) == "8,195"
    assert fmt.si(1624064) == "1.62 M"
    assert fmt.si(800) == "800"
    assert fmt.fixed(4.0056, 2, "s") == "4.01 s"
    assert fmt.p_value(0.00016) == "p < 0.001"
    assert fmt.p_value(0.2039) == "p = 0.204"
    assert fmt.fraction(0.25) == "25%"
