"""The claims about how models generalise: overfitting, and robustness to noise and missing
inputs."""

from __future__ import annotations

from depthlab.evaluate.stats import paired
from depthlab.studies.claims.judge import Judge
from depthlab.studies.plan.job import is_network, label
from depthlab.studies.verdict.text import diff_text, fmt
from depthlab.studies.verdict.words import (
    CONTRADICTED,
    INCONCLUSIVE,
    SUPPORTED,
    Verdict,
    combine,
    verdict,
)


def overfit(j: Judge) -> Verdict:
    claim = "Deep models overfit more"
    measure = "train-test gap per model, with and without regularisation"
    gaps = j.s["overfitting"]["gaps"]
    if not j.deep or not j.shallow or j.deep not in gaps or j.shallow not in gaps:
        return verdict(claim, measure, INCONCLUSIVE, "not measured", "")
    test = paired(gaps[j.deep]["gap_values"], gaps[j.shallow]["gap_values"], j.alpha)
    parts = [
        f"gap {label(m)} {fmt(g['gap']['mean'], j.metric)}"
        for m, g in gaps.items()
        if g["gap"]["mean"] is not None
    ]
    reg = j.s["overfitting"].get("regularisation")
    if reg:
        parts.append(
            f"deep MLP without regularisation vs with: gap {diff_text(reg['gap'], j.metric)}"
        )
    result = (
        INCONCLUSIVE if not test["significant"] else SUPPORTED if test["diff"] > 0 else CONTRADICTED
    )
    return verdict(
        claim,
        measure,
        result,
        f"{label(j.deep)} gap minus {label(j.shallow)} gap: {diff_text(test, j.metric)}; "
        + "; ".join(parts),
        "paired t-test on the train-test gap",
    )


def robust(j: Judge) -> Verdict:
    claim = "Neural networks are robust to noise and incomplete data"
    measure = "accuracy under input noise and missing values, networks against the classical model"
    rob = j.s["robustness"]
    nets = [m for m in rob if is_network(m) and m != "linear"]
    if not nets or not j.classical or j.classical not in rob:
        return verdict(claim, measure, INCONCLUSIVE, "not measured", "")
    best_net = max(nets, key=lambda m: rob[m]["clean"] or 0)
    parts, signs = [], []
    for kind in ("noise", "missing"):
        test = paired(rob[best_net][f"{kind}_drop"], rob[j.classical][f"{kind}_drop"], j.alpha)
        signs.append(0 if not test["significant"] else (1 if test["diff"] < 0 else -1))
        net_loss = rob[best_net]["clean"] - rob[best_net][kind]
        classical_loss = rob[j.classical]["clean"] - rob[j.classical][kind]
        parts.append(
            f"{kind}: {label(best_net)} loses {fmt(net_loss, j.metric)}, "
            f"{label(j.classical)} {fmt(classical_loss, j.metric)} "
            f"(difference of losses {diff_text(test, j.metric)})"
        )
    result = combine(signs)
    return verdict(
        claim, measure, result, "; ".join(parts), "paired t-test on the loss under perturbation"
    )
