"""The claims about what deep models are and learn: many hidden layers, hierarchical
representations, features learned rather than hand-made, and what linear models miss."""

from __future__ import annotations

from depthlab.studies.claims.judge import Judge
from depthlab.studies.plan.job import is_network, label, split_id
from depthlab.studies.verdict.text import annotate, diff_text, fmt
from depthlab.studies.verdict.words import (
    CONTRADICTED,
    INCONCLUSIVE,
    SUPPORTED,
    Verdict,
    combine,
    sign,
    verdict,
)


def layers(j: Judge) -> Verdict:
    facts = j.s["models"]
    nets = [m for m in facts if facts[m]["kind"] == "network" and facts[m]["depth"] is not None]
    text = "; ".join(
        f"{label(m)}: {facts[m]['depth']} hidden layer(s), {facts[m]['parameters']:,} parameters"
        for m in nets
        if facts[m]["parameters"] is not None
    )
    deep = [m for m in nets if split_id(m)[1] == "deep" and m != "linear"]
    shallow_depth = facts.get("mlp:shallow", {}).get("depth")
    holds = (
        bool(deep)
        and shallow_depth is not None
        and all(facts[m]["depth"] > shallow_depth for m in deep if facts[m]["depth"] is not None)
    )
    return verdict(
        "Deep models have many hidden layers; shallow ones one or a few",
        "hidden layers and parameters of each model of the ladder",
        SUPPORTED if holds else INCONCLUSIVE,
        text or "no network finished",
        "by construction of the ladder (a description, not a test)",
    )


def hierarchy(j: Judge) -> Verdict:
    claim = "Deep models learn hierarchical representations"
    measure = "linear-probe score of each hidden layer's activations"
    probes = j.s["probes"]
    deep = [m for m in probes if split_id(m)[1] == "deep" and len(probes[m]) > 2]
    if not deep:
        return verdict(claim, measure, INCONCLUSIVE, "not measured (no deep network probed)", "")
    parts, rising, falling, tests = [], 0, 0, []
    for m in deep:
        first, last = probes[m][1], probes[m][-1]  # layer 0 is the input itself
        # probe scores are in the metric's units: the margin decides
        test = j.compare_values(last["values"], first["values"], j.n_train(m))
        tests.append(test)
        rising += sign(test) > 0
        falling += sign(test) < 0
        trail = " -> ".join(fmt(layer["mean"], j.metric) for layer in probes[m])
        parts.append(
            f"{label(m)}: input -> layers {trail}; last vs first hidden {diff_text(test, j.metric)}"
        )
    result = (
        SUPPORTED
        if rising > len(deep) / 2
        else CONTRADICTED
        if falling > len(deep) / 2
        else INCONCLUSIVE
    )
    return annotate(
        verdict(
            claim, measure, result, "; ".join(parts), "paired t-test, last vs first hidden layer"
        ),
        tests,
        j.metric,
    )


def features(j: Judge) -> Verdict:
    """The best classical model on engineered features (MFCC statistics, TF-IDF) against the
    best deep network, which learns from the raw input (waveform features, tokens)."""
    claim = "Machine learning needs hand-made features; deep learning learns them"
    measure = "classical model on engineered features vs deep model on raw input"
    facts = j.s["models"]
    engineered = j.best([m for m in facts if not is_network(m) and facts[m].get("engineered")])
    if engineered is None or j.deep is None:
        return verdict(
            claim,
            measure,
            INCONCLUSIVE,
            f"not measured: no engineered features for {j.s['data']['modality']} data",
            "",
        )
    test = j.compare(j.deep, engineered)
    result = combine([sign(test)])
    evidence = (
        f"{label(j.deep)} on {facts[j.deep].get('features') or 'the raw input'}: "
        f"{fmt(j.final[j.deep], j.metric)}; {label(engineered)} on "
        f"{facts[engineered].get('features')}: {fmt(j.final[engineered], j.metric)}; "
        f"difference {diff_text(test, j.metric)}"
    )
    return annotate(
        verdict(claim, measure, result, evidence, "paired t-test over seeds, full training set"),
        [test],
        j.metric,
    )


def linearity(j: Judge) -> Verdict:
    claim = "Linear models only capture linear relations"
    measure = "linear against non-linear models on the same inputs"
    nonlinear = j.best([m for m in j.final if m not in ("linear", "logistic", "ridge")])
    if not j.linear or not nonlinear:
        return verdict(claim, measure, INCONCLUSIVE, "not measured", "")
    test = j.compare(nonlinear, j.linear)
    text = (
        f"{label(nonlinear)} {fmt(j.final[nonlinear], j.metric)} vs {label(j.linear)} "
        f"{fmt(j.final[j.linear], j.metric)}: {diff_text(test, j.metric)}"
    )
    if sign(test) > 0:
        return annotate(
            verdict(
                claim,
                measure,
                SUPPORTED,
                text + "; the data has structure a linear model misses",
                "paired t-test",
            ),
            [test],
            j.metric,
        )
    if sign(test) < 0 and test["hi"] < 0:
        return verdict(claim, measure, CONTRADICTED, text, "paired t-test")
    # within the margin (no gain that matters) or undecided
    close = "; the relation may be close to linear here" if sign(test) < 0 else ""
    return annotate(
        verdict(claim, measure, INCONCLUSIVE, text + close, "paired t-test"), [test], j.metric
    )
