"""The interpretability analysis: per network, the faithfulness of its attributions over seeds
and their stability over pairs of seeds (from :mod:`depthlab.studies.measurement.attributions`).

Example:
    >>> summary["interpretability"]["mlp:shallow"]["faithfulness"]["mean"]  # doctest: +SKIP
    0.21
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

from depthlab.evaluate.stats import mean_ci
from depthlab.explaining.stability import rank_correlation
from depthlab.studies.analysis.results import Results


def interpretability(res: Results, plan: dict[str, Any]) -> dict[str, Any]:
    """Per model: faithfulness over seeds and stability over pairs of seeds (mean, 95% CI,
    values), from the jobs' ``interpret`` measurements on the full training set."""
    top = max(plan["fractions"])
    out: dict[str, Any] = {}
    for model in plan["models"]:
        runs = [None if r is None else r.interpret for r in res.runs(model, top)]
        if not any(runs):
            continue
        faith = [r.faithfulness if r else None for r in runs]
        pairs: list[float | None] = []
        for a, b in itertools.combinations(runs, 2):
            # The same examples in the same input space: a text model's token length follows
            # each seed's training split (its 95th percentile), and different lengths do not pair.
            same = (
                a is not None
                and b is not None
                and a.indices == b.indices
                and np.shape(a.attributions) == np.shape(b.attributions)
            )
            pairs.append(
                rank_correlation(np.asarray(a.attributions), np.asarray(b.attributions))
                if same and a is not None and b is not None
                else None
            )
        method = next(r.method for r in runs if r)
        stable = mean_ci(pairs)
        if stable["lo"] is not None:  # a correlation's interval stays within [-1, 1]
            stable["lo"], stable["hi"] = max(-1.0, stable["lo"]), min(1.0, stable["hi"])
        out[model] = {
            "method": method,
            "faithfulness": {**mean_ci(faith), "values": faith},
            "stability": {**stable, "values": pairs},
        }
    return out
