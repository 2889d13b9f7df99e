"""Confidence intervals and paired tests over seeds (Student's t, from SciPy).

Every comparison in a study pairs runs by seed: two models with the same seed saw the same split
and the same training subset, so the difference removes the split's own variance.

Example:
    >>> ci = mean_ci([0.90, 0.92, 0.91])
    >>> round(ci["mean"], 3), ci["lo"] < 0.91 < ci["hi"]
    (0.91, True)
    >>> paired([0.95, 0.96, 0.97], [0.90, 0.92, 0.91])["significant"]
    True
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

CONFIDENCE = 0.95


def mean_ci(values: Sequence[float | None], confidence: float = CONFIDENCE) -> dict[str, Any]:
    """Mean with a two-sided t confidence interval (``lo``/``hi`` are None for one value)."""
    from scipy import stats

    x = np.asarray([v for v in values if v is not None and math.isfinite(v)], dtype=float)
    if len(x) == 0:
        return {"mean": None, "lo": None, "hi": None, "n": 0}
    mean = float(x.mean())
    if len(x) < 2:
        return {"mean": mean, "lo": None, "hi": None, "n": 1}
    half = float(stats.t.ppf(0.5 + confidence / 2, len(x) - 1) * x.std(ddof=1) / math.sqrt(len(x)))
    return {"mean": mean, "lo": mean - half, "hi": mean + half, "n": len(x)}


def paired(
    a: Sequence[float | None], b: Sequence[float | None], alpha: float = 1 - CONFIDENCE
) -> dict[str, Any]:
    """Paired t-test of ``a - b`` (same seeds, same order): mean difference, its confidence
    interval at ``1 - alpha``, the p-value and whether the difference is significant.

    Fewer than two pairs never decide: ``significant`` is False and ``p`` is None. Identical
    non-zero differences on every seed (no variance) count as significant.
    """
    from scipy import stats

    pairs = [
        (x, y)
        for x, y in zip(a, b, strict=True)
        if x is not None and y is not None and math.isfinite(x) and math.isfinite(y)
    ]
    diff = np.array([x - y for x, y in pairs], dtype=float)
    out: dict[str, Any] = {"n": len(diff), "alpha": alpha}
    if len(diff) < 2:
        return {
            **out,
            "diff": float(diff.mean()) if len(diff) else None,
            "lo": None,
            "hi": None,
            "p": None,
            "significant": False,
        }
    ci = mean_ci(diff.tolist(), 1 - alpha)
    if np.allclose(diff, diff[0], rtol=1e-9, atol=1e-12):  # no variance: t is undefined
        p = 0.0 if diff[0] != 0 else 1.0
    else:
        p = float(stats.ttest_rel([x for x, _ in pairs], [y for _, y in pairs]).pvalue)
    return {
        **out,
        "diff": ci["mean"],
        "lo": ci["lo"],
        "hi": ci["hi"],
        "p": p,
        "significant": p < alpha,
    }
