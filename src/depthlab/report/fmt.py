"""Number formatting for the report: one place that decides how a score, a difference, a count
or a duration reads, so tables, figures and text agree.

Every function accepts ``None`` (and other non-numbers) and answers ``"-"``: summaries from
partial or older studies leave holes, and a hole must read as a hole, not crash the report.
"""

from __future__ import annotations

import math
from typing import Any

# Metrics that are fractions of the test set; they read as percentages, differences as points.
PERCENT_METRICS = ("accuracy", "balanced_accuracy", "macro_f1")
MISSING = "-"


def number(value: Any) -> float | None:
    """*value* as a finite float, or None (for None, NaN, strings, booleans and the like).

    >>> number(3), number(None), number(float("nan"))
    (3.0, None, None)
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def is_percent(metric: str) -> bool:
    """Whether *metric* is a fraction shown as a percentage (accuracy) rather than a raw value."""
    return metric in PERCENT_METRICS


def score(value: Any, metric: str) -> str:
    """A metric value: ``98.2%`` for accuracy-like metrics, ``0.871`` otherwise (R², ...)."""
    x = number(value)
    if x is None:
        return MISSING
    return f"{x:.1%}" if is_percent(metric) else f"{x:.3f}"


def interval(lo: Any, hi: Any, metric: str) -> str:
    """A confidence interval, ``[97.6%, 98.7%]``; empty when either end is missing."""
    if number(lo) is None or number(hi) is None:
        return ""
    return f"[{score(lo, metric)}, {score(hi, metric)}]"


def diff(value: Any, metric: str) -> str:
    """A signed difference: percentage points for accuracy-like metrics, raw otherwise."""
    x = number(value)
    if x is None:
        return MISSING
    return f"{x * 100:+.1f} pts" if is_percent(metric) else f"{x:+.3f}"


def diff_interval(lo: Any, hi: Any, metric: str) -> str:
    """A confidence interval of a difference, ``[+20.4, +22.7] pts``."""
    a, b = number(lo), number(hi)
    if a is None or b is None:
        return ""
    if is_percent(metric):
        return f"[{a * 100:+.1f}, {b * 100:+.1f}] pts"
    return f"[{a:+.3f}, {b:+.3f}]"


def count(value: Any) -> str:
    """An integer count with thousands separators; a float count (``15.0``) loses its ``.0``."""
    x = number(value)
    return MISSING if x is None else f"{round(x):,}"


def si(value: Any) -> str:
    """A large quantity with an SI prefix, ``1.62 M``; small ones as plain counts."""
    x = number(value)
    if x is None:
        return MISSING
    for factor, prefix in ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(x) >= factor:
            return f"{x / factor:.3g} {prefix}"
    return f"{x:.3g}"


def fixed(value: Any, digits: int = 2, unit: str = "") -> str:
    """A plain value with *digits* decimals and an optional unit (``4.01 s``)."""
    x = number(value)
    if x is None:
        return MISSING
    return f"{x:.{digits}f}{' ' + unit if unit else ''}"


def p_value(value: Any) -> str:
    """A p-value with its sign, ``p = 0.042``, or ``p < 0.001`` where three decimals would print
    zero."""
    x = number(value)
    if x is None:
        return "p = " + MISSING
    return "p < 0.001" if x < 0.001 else f"p = {x:.3f}"


def fraction(value: Any) -> str:
    """A share of the training set, ``25%``."""
    x = number(value)
    return MISSING if x is None else f"{x:.0%}"
