"""The claim "Shallow networks are more interpretable": the shallow MLP against the best deep
network on the faithfulness of their attributions (paired over seeds) and on their stability
(paired over pairs of seeds), from :mod:`depthlab.studies.analysis.interpretability`."""

from __future__ import annotations

from depthlab.evaluate.stats import paired
from depthlab.studies.claims.judge import Judge
from depthlab.studies.plan.job import is_deep, label
from depthlab.studies.verdict.text import number, pairs_text
from depthlab.studies.verdict.words import INCONCLUSIVE, Verdict, combine, sign, verdict

CLAIM = "Shallow networks are more interpretable"
MEASURE = "attribution faithfulness (deletion curve) and stability across seeds"


def interpretable(j: Judge) -> Verdict:
    """The claim check: the shallow MLP against the best deep network that was measured."""
    inter = j.s.get("interpretability") or {}
    deep = j.best([m for m in inter if is_deep(m)])
    shallow = "mlp:shallow" if "mlp:shallow" in inter else None
    if deep is None or shallow is None:
        return verdict(
            CLAIM,
            MEASURE,
            INCONCLUSIVE,
            "not measured: needs the shallow MLP and a deep network explained "
            "(study option explain, and the 'explain' extra)",
            "",
        )
    parts, signs = [], []
    for key, what in (("faithfulness", "faithfulness"), ("stability", "stability")):
        test = paired(inter[shallow][key]["values"], inter[deep][key]["values"], j.alpha)
        signs.append(sign(test))
        parts.append(
            f"{what}: {label(shallow)} {number(inter[shallow][key]['mean'])}, {label(deep)} "
            f"{number(inter[deep][key]['mean'])} (shallow minus deep {pairs_text(test)})"
        )
    result = combine(signs)
    method = inter[shallow]["method"]
    return verdict(
        CLAIM,
        MEASURE,
        result,
        f"{method}; " + "; ".join(parts),
        "paired t-tests: faithfulness over seeds, stability over pairs of seeds",
    )
