"""The claim check: each textbook claim of the SPEC table, judged on this study's measurements.

A verdict is ``supported``, ``contradicted`` or ``inconclusive``. Effects in the metric's units
are paired over seeds and read as intervals against the study's practical margin (issue 20), at
Holm's levels across all the claims' tests; compute and attributions stay paired t-tests. A
single seed never decides, and a claim whose measurement was not taken says so.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from depthlab.evaluate import margin as mg
from depthlab.studies.claims.generalisation import overfit, robust
from depthlab.studies.claims.interpretability import interpretable
from depthlab.studies.claims.judge import Judge
from depthlab.studies.claims.representation import features, hierarchy, layers, linearity
from depthlab.studies.claims.resources import accelerators, compute, data_hunger
from depthlab.studies.claims.transfer import transfer
from depthlab.studies.verdict.words import Verdict

CHECKS: tuple[Callable[[Judge], Verdict], ...] = (
    layers,
    hierarchy,
    data_hunger,
    compute,
    accelerators,
    overfit,
    interpretable,
    transfer,
    robust,
    features,
    linearity,
)


def check_claims(summary: dict[str, Any], alpha: float) -> list[Verdict]:
    """Every claim, its margin tests at Holm's levels across the whole check: a first pass
    collects each test's p-value, the second decides with intervals at Holm's levels (the
    claims ask for the same tests in the same order whatever the answers). A claim decided by
    comparing models' scores also lists those comparisons (``compared``: the models, the
    fraction, the decision and the seeds that would likely decide it), which racing reads."""
    first = Judge(summary, alpha)
    for check in CHECKS:
        check(first)
    levels = mg.holm_levels(first.pvalues, first.decider.alpha) if first.pvalues else None
    judge = Judge(summary, alpha, levels)
    verdicts = []
    for check in CHECKS:
        start = len(judge.asked)
        found = check(judge)
        if len(judge.asked) > start:
            found["compared"] = judge.asked[start:]
        verdicts.append(found)
    return verdicts
