"""Decisions with a practical margin: one interval per comparison, labelled against +/- delta.

A comparison is the per-seed paired difference ``d = model - reference`` (oriented so that a
positive *d* favours the model). Its interval is Student's t at one-sided level ``alpha`` on each
end (a ``1 - 2 alpha`` two-sided interval, the TOST convention), with Nadeau & Bengio's (2003)
correction when each seed draws a new split: the variance term is ``1/n + rho`` with
``rho = n_test / n_train``, so the interval never shrinks below the split's own variance however
many seeds are added. Against a margin delta (Benavoli et al. 2017: 1 point of accuracy) the
labels are:

- ``better``: the lower bound is above 0;
- ``equivalent``: the whole interval lies inside (-delta, +delta);
- ``not worse``: the lower bound is above -delta;
- ``worse``: the upper bound is below -delta;
- ``undecided``: anything else. "Not significant" is never read as "equivalent".

Example:
    >>> iv = interval([-0.15, -0.20, -0.11], alpha=0.05)
    >>> label(iv, delta=0.01)
    'worse'
    >>> label(interval([0.001, -0.002, 0.0005, 0.0, -0.001], alpha=0.05), delta=0.01)
    'equivalent'
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

# Practical margins, in the metric's own units (Benavoli et al. 2017's 1 point of accuracy; for
# R^2, Cohen's small f^2 = 0.02 at R^2 ~ 0.5); errors (RMSE, MAE) take a share of the best one.
ABSOLUTE_MARGINS = {"accuracy": 0.01, "balanced_accuracy": 0.01, "macro_f1": 0.01, "r2": 0.01}
RELATIVE_MARGINS = {"rmse": 0.01, "mae": 0.01}
LOWER_IS_BETTER = frozenset(RELATIVE_MARGINS)

BETTER, EQUIVALENT, NOT_WORSE, WORSE, UNDECIDED = (
    "better",
    "equivalent",
    "not worse",
    "worse",
    "undecided",
)
ACCEPTABLE = frozenset({BETTER, EQUIVALENT, NOT_WORSE})  # labels a cheaper model may be chosen by


def default_margin(metric: str, reference: float | None = None) -> float:
    """The practical margin of *metric*: absolute for scores, a share of *reference* for
    errors (1% of the best RMSE)."""
    if metric in RELATIVE_MARGINS:
        return RELATIVE_MARGINS[metric] * abs(reference or 0.0)
    return ABSOLUTE_MARGINS.get(metric, 0.01)


@dataclass(frozen=True)
class Interval:
    """A paired difference's mean, spread and interval (``lo``/``hi`` None below two pairs)."""

    diff: float | None
    sd: float | None
    n: int
    lo: float | None
    hi: float | None
    alpha: float  # one-sided, at each end
    rho: float  # Nadeau-Bengio's n_test / n_train (0: the split is the same for every seed)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def differences(a: Sequence[float | None], b: Sequence[float | None]) -> np.ndarray:
    """``a - b`` over the positions where both are finite (pairs by seed)."""
    return np.array(
        [
            x - y
            for x, y in zip(a, b, strict=True)
            if x is not None and y is not None and math.isfinite(x) and math.isfinite(y)
        ],
        dtype=float,
    )


def _t(alpha: float, n: int) -> float:
    from scipy import stats

    return float(stats.t.ppf(1.0 - alpha, n - 1))


def interval(diffs: Sequence[float] | np.ndarray, alpha: float, rho: float = 0.0) -> Interval:
    """The interval of the mean of *diffs* at one-sided level *alpha* on each end."""
    d = np.asarray(diffs, dtype=float)
    n = len(d)
    if n == 0:
        return Interval(None, None, 0, None, None, alpha, rho)
    mean = float(d.mean())
    if n < 2:
        return Interval(mean, None, 1, None, None, alpha, rho)
    sd = float(d.std(ddof=1))
    half = _t(alpha, n) * sd * math.sqrt(1.0 / n + rho)
    return Interval(mean, sd, n, mean - half, mean + half, alpha, rho)


def label(iv: Interval, delta: float) -> str:
    """The model against the reference (*iv* of model minus reference) at margin *delta*."""
    if iv.lo is None or iv.hi is None:
        return UNDECIDED
    if -delta < iv.lo and iv.hi < delta:
        return EQUIVALENT
    if iv.lo > 0:
        return BETTER
    if iv.lo > -delta:
        return NOT_WORSE
    if iv.hi < -delta:
        return WORSE
    return UNDECIDED


def p_not_worse(diffs: Sequence[float] | np.ndarray, delta: float, rho: float = 0.0) -> float:
    """One-sided p-value of "the model is worse by delta or more" (H0: mean <= -delta)."""
    from scipy import stats

    d = np.asarray(diffs, dtype=float)
    if len(d) < 2:
        return 1.0
    se = float(d.std(ddof=1)) * math.sqrt(1.0 / len(d) + rho)
    gap = float(d.mean()) + delta
    if se == 0.0:
        return 0.0 if gap > 0 else 1.0
    return float(stats.t.sf(gap / se, len(d) - 1))


def holm_levels(pvalues: Sequence[float], alpha: float) -> list[float]:
    """Holm's step-down levels: the k-th smallest p-value is tested at ``alpha / (m - k + 1)``;
    from the first one that fails, every later hypothesis keeps that level (so a larger p-value
    never passes where a smaller one failed). Intervals built at these levels agree with Holm's
    decisions."""
    m = len(pvalues)
    levels = [alpha] * m
    failed: float | None = None
    for rank, index in enumerate(sorted(range(m), key=lambda i: pvalues[i])):
        level = failed if failed is not None else alpha / (m - rank)
        levels[index] = level
        if failed is None and pvalues[index] >= level:
            failed = level
    return levels


def seeds_to_decide(iv: Interval, boundaries: Sequence[float], n_max: int = 100) -> int | None:
    """Seeds in all (not more) at which the interval would likely clear the nearest of
    *boundaries*, if the mean and spread held (an optimistic projection); None when no number
    up to *n_max* would, e.g. when the split's own variance (``rho``) keeps the interval wider
    than the distance to the boundary."""
    if iv.diff is None or iv.sd is None or iv.n < 2:
        return None
    gap = min(abs(iv.diff - b) for b in boundaries)
    if iv.sd == 0.0:
        return iv.n if gap > 0 else None
    for n in range(iv.n, n_max + 1):
        if _t(iv.alpha, n) * iv.sd * math.sqrt(1.0 / n + iv.rho) < gap:
            return n
    return None


def floor_half_width(iv: Interval) -> float | None:
    """The narrowest half-width seeds alone can reach (Nadeau-Bengio's term at infinite n)."""
    if iv.sd is None:
        return None
    from scipy import stats

    return float(stats.norm.ppf(1.0 - iv.alpha)) * iv.sd * math.sqrt(iv.rho)


def win_rate(a: Sequence[float | None], b: Sequence[float | None]) -> float | None:
    """The share of seeds on which *a* beats *b* (ties count one half): reported, not deciding
    (Bouthillier et al. 2021's P(A > B), paired)."""
    d = differences(a, b)
    if len(d) == 0:
        return None
    return float(((d > 0).sum() + 0.5 * (d == 0).sum()) / len(d))
