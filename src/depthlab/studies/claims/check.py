"""The claim check: each textbook claim of the SPEC table, judged on this study's measurements.

A verdict is ``supported``, ``contradicted`` or ``inconclusive``. Comparisons are paired t-tests
across seeds at the study's significance level; a claim is only decided by a significant
difference (so a single seed never decides), otherwise it is inconclusive, and a claim whose
measurement was not taken says so.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

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
    """Every claim's verdict; one decided by comparing models' scores also lists those
    comparisons (``compared``: the models, the fraction, the decision and the seeds that would
    likely decide it), which racing reads."""
    judge = Judge(summary, alpha)
    verdicts = []
    for check in CHECKS:
        start = len(judge.asked)
        found = check(judge)
        if len(judge.asked) > start:
            found["compared"] = judge.asked[start:]
        verdicts.append(found)
    return verdicts
