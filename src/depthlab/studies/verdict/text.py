"""How verdicts and the recommendation write numbers and paired tests.

Example:
    >>> fmt(0.912, "accuracy"), fmt(0.5, "r2"), fmt(None, "r2")
    ('91.2%', '0.500', 'n/a')
"""

from __future__ import annotations

from typing import Any


def fmt(value: float | None, metric: str) -> str:
    if value is None:
        return "n/a"
    return (
        f"{value:.1%}"
        if metric in ("accuracy", "balanced_accuracy", "macro_f1")
        else f"{value:.3f}"
    )


def diff_text(test: dict[str, Any], metric: str) -> str:
    if test.get("diff") is None:
        return "no paired runs"
    points = 100 if metric == "accuracy" else 1
    unit = " points" if metric == "accuracy" else ""
    ci = (
        f" [{test['lo'] * points:+.2f}, {test['hi'] * points:+.2f}]"
        if test.get("lo") is not None
        else ""
    )
    p = f", p = {test['p']:.3f}" if test.get("p") is not None else ""
    return f"{test['diff'] * points:+.2f}{unit}{ci} (paired t-test over {test['n']} seeds{p})"


def seconds_text(test: dict[str, Any]) -> str:
    if test.get("diff") is None:
        return "no paired runs"
    ci = f" [{test['lo']:+.2f}, {test['hi']:+.2f}]" if test.get("lo") is not None else ""
    return f"{test['diff']:+.2f} s{ci} (paired t-test over {test['n']} seeds)"


def number(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def pairs_text(test: dict[str, Any]) -> str:
    """A paired difference over pairs of values (not seeds), with its interval and p."""
    if test.get("diff") is None:
        return "no paired values"
    ci = f" [{test['lo']:+.3f}, {test['hi']:+.3f}]" if test.get("lo") is not None else ""
    p = f", p = {test['p']:.3f}" if test.get("p") is not None else ""
    return f"{test['diff']:+.3f}{ci} over {test['n']}{p}"


def interval_text(test: dict[str, Any], metric: str) -> str:
    """A margin comparison: the mean difference and its interval, with the seeds it pairs."""
    if test.get("diff") is None:
        return "no paired runs"
    points = 100 if metric in ("accuracy", "balanced_accuracy", "macro_f1") else 1
    unit = " points" if points == 100 else ""
    ci = (
        f" [{test['lo'] * points:+.2f}, {test['hi'] * points:+.2f}]"
        if test.get("lo") is not None
        else ""
    )
    level = 1 - 2 * test["alpha"] if test.get("alpha") else None
    what = f"{level:.1%} interval, " if level else ""
    return f"{test['diff'] * points:+.2f}{unit}{ci} ({what}{test['n']} paired seeds)"
