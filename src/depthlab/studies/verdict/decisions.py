"""The study's decision settings in one place: the practical margin, the level of each one-sided
interval (the study's alpha split over its looks), Nadeau-Bengio's correction when seeds draw
new splits, and how an undecided comparison says what would decide it.

Example:
    >>> d = Decider("accuracy", delta=0.01, alpha=0.05, resampled=True, n_test=30)
    >>> d.rho(120), d.margin_text("accuracy")
    (0.25, '1.0 point')
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from depthlab.evaluate import margin as mg

PROJECT_SEEDS = 50  # an undecided comparison projects its seeds up to this many


@dataclass(frozen=True)
class Decider:
    metric: str
    delta: float
    alpha: float  # one-sided, per look
    resampled: bool  # whether each seed draws a new test split (Nadeau-Bengio applies)
    n_test: int | None = None
    max_seeds: int = PROJECT_SEEDS

    @classmethod
    def of(cls, summary: dict[str, Any]) -> Decider:
        """The settings of *summary*'s study: its margin (``plan["margin"]``, else the metric's
        default), its level over its looks, and whether its test split varies with the seed."""
        plan, data = summary.get("plan") or {}, summary.get("data") or {}
        metric = summary["metric"]
        best = summary.get("best")
        reference = summary["scores"][best][-1]["mean"] if best else None
        delta = plan.get("margin")
        looks = len(plan.get("looks") or ()) or 1
        split = str(data.get("split", ""))
        return cls(
            metric=metric,
            delta=float(delta if delta is not None else mg.default_margin(metric, reference)),
            alpha=float(plan.get("alpha", 0.05)) / looks,
            resampled=not (split.startswith("official") or split.startswith("temporal")),
            n_test=data.get("n_test"),
        )

    def rho(self, n_train: int | None) -> float:
        """``n_test / n_train`` when seeds re-split the data, else 0."""
        if not self.resampled or not self.n_test or not n_train:
            return 0.0
        return self.n_test / n_train

    def diffs(self, a: Sequence[float | None], b: Sequence[float | None]) -> np.ndarray:
        """Per-seed ``a - b``, oriented so that positive favours *a* (errors flip)."""
        d = mg.differences(a, b)
        return -d if self.metric in mg.LOWER_IS_BETTER else d

    def margin_text(self, metric: str) -> str:
        if metric in ("accuracy", "balanced_accuracy", "macro_f1"):
            points = self.delta * 100
            return f"{points:.1f} point" + ("" if points == 1 else "s")
        return f"{self.delta:.3g}"

    def cost_text(self, test: dict[str, Any]) -> str:
        """What would decide an undecided comparison: more seeds, or not seeds alone."""
        n, need = test.get("n") or 0, test.get("seeds_to_decide")
        if need is None:
            return "seeds alone are unlikely to decide it (the split's own variance, or the margin)"
        more = max(need - n, 1)
        return f"about {more} more seed{'s' if more > 1 else ''} would likely decide it"
