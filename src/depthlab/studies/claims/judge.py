"""The measurements the claims compare and the roles they compare: the best deep network, the
shallow network and the best classical model."""

from __future__ import annotations

from typing import Any

from depthlab.evaluate import margin as mg
from depthlab.evaluate.stats import paired
from depthlab.studies.plan.job import is_deep, is_network
from depthlab.studies.verdict.decisions import Decider


class Judge:
    """The measurements and the roles the claims compare: the best deep network, the shallow
    network and the best classical model.

    Every margin test (:meth:`compare_values`) records the p-value of its sign in
    ``pvalues``, in the order the claims ask; a second Judge given ``levels`` (Holm's, over
    those p-values: :func:`depthlab.studies.claims.check.check_claims`) builds the k-th test's
    interval at ``levels[k]`` instead of the study's level."""

    def __init__(
        self, summary: dict[str, Any], alpha: float, levels: list[float] | None = None
    ) -> None:
        self.s = summary
        self.alpha = alpha
        self.decider = Decider.of(summary)
        self.levels = levels
        self.pvalues: list[float] = []
        self.metric = summary["metric"]
        models = list(summary["scores"])
        final = {m: summary["scores"][m][-1]["mean"] for m in models}
        self.final = {m: v for m, v in final.items() if v is not None}
        self.deep = self.best([m for m in models if is_deep(m)])
        self.shallow = "mlp:shallow" if "mlp:shallow" in self.final else None
        self.classical = self.best([m for m in models if not is_network(m)])
        self.linear = self.best([m for m in models if m in ("linear", "logistic", "ridge")])
        # Every comparison asked of the judge, in order (what racing reads to add seeds where a
        # claim's decision is still open).
        self.asked: list[dict[str, Any]] = []

    def best(self, candidates: list[str]) -> str | None:
        scored = [m for m in candidates if m in self.final]
        return max(scored, key=lambda m: self.final[m]) if scored else None

    def values(self, model: str, index: int = -1) -> list[float | None]:
        return list(self.s["scores"][model][index]["values"])

    def compare(self, a: str, b: str, index: int = -1) -> dict[str, Any]:
        """*a* minus *b* in the study's metric over the seeds they share: the paired t-test, and
        the margin's interval that decides (``decision``: +1 an effect above 0, -1 one below 0
        or none that matters, 0 undecided, with the seeds that would likely decide it)."""
        n_train = self.s["scores"][b][index].get("n_train")
        test = self.compare_values(self.values(a, index), self.values(b, index), n_train)
        self.asked.append(
            {
                "models": [a, b],
                "fraction": self.s["scores"][a][index]["fraction"],
                "decision": test["decision"],
                "seeds_to_decide": test["seeds_to_decide"],
            }
        )
        return test

    def compare_values(
        self, a: list[float | None], b: list[float | None], n_train: int | None = None
    ) -> dict[str, Any]:
        """*a* minus *b* for any quantity in the study's metric units, paired by position (a
        train-test gap, a loss under noise, a gain from pretraining): the paired t-test and the
        margin's decision, as :meth:`compare`. *n_train* brings in Nadeau-Bengio's term when the
        seeds re-split the data (None: no term)."""
        test = paired(a, b, self.alpha)
        d, diffs = self.decider, mg.differences(a, b)
        rho, k = d.rho(n_train), len(self.pvalues)
        # the sign's p-value: the smaller one-sided p of "no effect above 0" and "none below"
        self.pvalues.append(min(mg.p_not_worse(diffs, 0.0, rho), mg.p_not_worse(-diffs, 0.0, rho)))
        level = self.levels[k] if self.levels is not None and k < len(self.levels) else d.alpha
        iv = mg.interval(diffs, level, rho)
        return {**test, **claim_decision(iv, d.delta, d.max_seeds)}

    def n_train(self, model: str, index: int = -1) -> int | None:
        """The training examples of *model*'s runs at *index* (the full set by default)."""
        rows = self.s["scores"].get(model) or []
        return rows[index].get("n_train") if rows else None


def claim_decision(iv: mg.Interval, delta: float, n_max: int) -> dict[str, Any]:
    """A claim's effect *iv* against the margin: +1 when its interval lies above 0 (negligible
    when also inside +/- delta), -1 below 0 or wholly inside +/- delta (no effect that matters),
    0 otherwise, with the seeds that would likely decide it (None: seeds alone would not)."""
    if iv.lo is None or iv.hi is None:
        decision = 0
    elif iv.lo > 0:
        decision = 1
    elif iv.hi < 0 or (-delta < iv.lo and iv.hi < delta):
        decision = -1
    else:
        decision = 0
    return {
        "lo": iv.lo,
        "hi": iv.hi,
        "alpha": iv.alpha,
        "rho": iv.rho,
        "margin": delta,
        "decision": decision,
        "negligible": decision == 1 and iv.hi is not None and iv.hi < delta,
        "seeds_to_decide": None
        if decision
        else mg.seeds_to_decide(iv, [0.0, -delta, delta], n_max),
    }
