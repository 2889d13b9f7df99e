"""The claims about how models generalise: overfitting, and robustness to noise and missing
inputs."""

from __future__ import annotations

from depthlab.studies.claims.judge import Judge
from depthlab.studies.plan.job import is_network, label
from depthlab.studies.verdict.text import annotate, diff_text, fmt
from depthlab.studies.verdict.words import INCONCLUSIVE, Verdict, combine, sign, verdict


def overfit(j: Judge) -> Verdict:
    claim = "Deep models overfit more"
    measure = "train-test gap per model, with and without regularisation"
    gaps = j.s["overfitting"]["gaps"]
    if not j.deep or not j.shallow or j.deep not in gaps or j.shallow not in gaps:
        return verdict(claim, measure, INCONCLUSIVE, "not measured", "")
    # A gap is in the metric's units: the margin decides, as for scores.
    test = j.compare_values(
        gaps[j.deep]["gap_values"], gaps[j.shallow]["gap_values"], j.n_train(j.deep)
    )
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
    result = combine([sign(test)])
    evidence = (
        f"{label(j.deep)} gap minus {label(j.shallow)} gap: {diff_text(test, j.metric)}; "
        + "; ".join(parts)
    )
    return annotate(
        verdict(claim, measure, result, evidence, "paired t-test on the train-test gap"),
        [test],
        j.metric,
    )


def robust(j: Judge) -> Verdict:
    claim = "Neural networks are robust to noise and incomplete data"
    measure = "accuracy under input noise and missing values, networks against the classical model"
    rob = j.s["robustness"]
    nets = [m for m in rob if is_network(m) and m != "linear"]
    if not nets or not j.classical or j.classical not in rob:
        return verdict(claim, measure, INCONCLUSIVE, "not measured", "")
    best_net = max(nets, key=lambda m: rob[m]["clean"] or 0)
    parts, signs, tests = [], [], []
    for kind in ("noise", "missing"):
        # classical loss minus the network's: positive when the network loses less
        test = j.compare_values(
            rob[j.classical][f"{kind}_drop"], rob[best_net][f"{kind}_drop"], j.n_train(best_net)
        )
        tests.append(test)
        signs.append(sign(test))
        net_loss = rob[best_net]["clean"] - rob[best_net][kind]
        classical_loss = rob[j.classical]["clean"] - rob[j.classical][kind]
        parts.append(
            f"{kind}: {label(best_net)} loses {fmt(net_loss, j.metric)}, "
            f"{label(j.classical)} {fmt(classical_loss, j.metric)} "
            f"(classical loss minus network loss {diff_text(test, j.metric)})"
        )
    result = combine(signs)
    return annotate(
        verdict(
            claim, measure, result, "; ".join(parts), "paired t-test on the loss under perturbation"
        ),
        tests,
        j.metric,
    )
