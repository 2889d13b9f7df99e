"""The claim check: each textbook claim of the SPEC table, judged on this study's measurements.

A verdict is ``supported``, ``contradicted`` or ``inconclusive``. Comparisons are paired t-tests
across seeds at the study's significance level; a claim is only decided by a significant
difference (so a single seed never decides), otherwise it is inconclusive, and a claim whose
measurement was not taken says so.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from depthlab.evaluate.stats import paired
from depthlab.studies.interpret import interpretable
from depthlab.studies.plan import is_network, label, split_id
from depthlab.studies.transfer_claim import transfer

Verdict = dict[str, Any]
SUPPORTED, CONTRADICTED, INCONCLUSIVE = "supported", "contradicted", "inconclusive"


def fmt(value: float | None, metric: str) -> str:
    if value is None:
        return "n/a"
    return (
        f"{value:.1%}"
        if metric in ("accuracy", "balanced_accuracy", "macro_f1")
        else f"{value:.3f}"
    )


def diff_text(test: dict[str, Any], metric: str) -> str:
    if test.get("diff") is None:
        return "no paired runs"
    points = 100 if metric == "accuracy" else 1
    unit = " points" if metric == "accuracy" else ""
    ci = (
        f" [{test['lo'] * points:+.2f}, {test['hi'] * points:+.2f}]"
        if test.get("lo") is not None
        else ""
    )
    p = f", p = {test['p']:.3f}" if test.get("p") is not None else ""
    return f"{test['diff'] * points:+.2f}{unit}{ci} (paired t-test over {test['n']} seeds{p})"


class Judge:
    """The measurements and the roles the claims compare: the best deep network, the shallow
    network and the best classical model."""

    def __init__(self, summary: dict[str, Any], alpha: float) -> None:
        self.s = summary
        self.alpha = alpha
        self.metric = summary["metric"]
        models = list(summary["scores"])
        final = {m: summary["scores"][m][-1]["mean"] for m in models}
        self.final = {m: v for m, v in final.items() if v is not None}
        self.deep = self._best(
            [m for m in models if is_network(m) and split_id(m)[1] == "deep" and m != "linear"]
        )
        self.shallow = "mlp:shallow" if "mlp:shallow" in self.final else None
        self.classical = self._best([m for m in models if not is_network(m)])
        self.linear = self._best([m for m in models if m in ("linear", "logistic", "ridge")])

    def _best(self, candidates: list[str]) -> str | None:
        scored = [m for m in candidates if m in self.final]
        return max(scored, key=lambda m: self.final[m]) if scored else None

    def values(self, model: str, index: int = -1) -> list[float | None]:
        return list(self.s["scores"][model][index]["values"])

    def compare(self, a: str, b: str, index: int = -1) -> dict[str, Any]:
        return paired(self.values(a, index), self.values(b, index), self.alpha)


def combine(signs: list[int]) -> str:
    """One verdict from several tests' signs (+1 for, -1 against, 0 not significant): supported
    when some test is for and none against, contradicted the other way, else inconclusive."""
    if sum(signs) > 0 and -1 not in signs:
        return SUPPORTED
    if sum(signs) < 0 and 1 not in signs:
        return CONTRADICTED
    return INCONCLUSIVE


def verdict(claim: str, measure: str, result: str, evidence: str, test: str) -> Verdict:
    return {
        "claim": claim,
        "measure": measure,
        "verdict": result,
        "evidence": evidence,
        "test": test,
    }


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
    parts, rising, falling = [], 0, 0
    for m in deep:
        first, last = probes[m][1], probes[m][-1]  # layer 0 is the input itself
        test = paired(last["values"], first["values"], j.alpha)
        rising += test["significant"] and test["diff"] > 0
        falling += test["significant"] and test["diff"] < 0
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
    return verdict(
        claim, measure, result, "; ".join(parts), "paired t-test, last vs first hidden layer"
    )


def data_hunger(j: Judge) -> Verdict:
    claim = "Deep learning needs large labelled datasets; shallow nets can do with less"
    measure = "learning curves; the size from which the deep model stays significantly better"
    rivals = [m for m in (j.shallow, j.classical) if m]
    if not j.deep or not rivals:
        return verdict(
            claim, measure, INCONCLUSIVE, "not measured (needs a deep and a shallow model)", ""
        )
    found = [c for c in j.s["crossover"] if c["deep"] == j.deep and c["versus"] in rivals]
    fractions = [row["fraction"] for row in j.s["scores"][j.deep]]
    parts, supports, contradicts = [], 0, 0
    for c in found:
        small, large = c["tests"][0], c["tests"][-1]
        where = (
            f"from {c['n_train']} training examples ({c['fraction']:.0%})"
            if c["fraction"] is not None
            else "at no size"
        )
        parts.append(
            f"{label(j.deep)} vs {label(c['versus'])}: significantly better {where}; "
            f"at {fractions[0]:.0%} {diff_text(small, j.metric)}, at {fractions[-1]:.0%} "
            f"{diff_text(large, j.metric)}"
        )
        if len(fractions) < 2:
            continue
        gain = c["fraction"] is not None and c["fraction"] > fractions[0]
        small_worse = small["significant"] and small["diff"] < 0
        large_better = large["significant"] and large["diff"] > 0
        supports += large_better and (gain or small_worse)
        contradicts += c["fraction"] == fractions[0] or (
            small["significant"] and small["diff"] > 0 and not large_better
        )
    result = INCONCLUSIVE
    if found and supports > len(found) / 2:
        result = SUPPORTED
    elif found and contradicts > len(found) / 2:
        result = CONTRADICTED
    return verdict(claim, measure, result, "; ".join(parts), "paired t-tests at each training size")


def compute(j: Judge) -> Verdict:
    claim = "Deep learning needs much more compute"
    measure = "FLOPs per example, parameters, training time, latency, peak memory"
    if not j.deep or not j.shallow:
        return verdict(
            claim, measure, INCONCLUSIVE, "not measured (needs a deep and the shallow MLP)", ""
        )
    d, s = j.s["models"][j.deep], j.s["models"][j.shallow]

    def ratio(k: str) -> float | None:
        return float(d[k] / s[k]) if d.get(k) and s.get(k) else None

    parts = [
        f"{k.replace('_', ' ')}: {ratio(k):.2g}x"
        for k in (
            "flops_per_example",
            "parameters",
            "train_seconds",
            "latency_ms_batch1",
            "peak_memory_mb",
        )
        if ratio(k) is not None
    ]

    def times(m: str) -> list[float | None]:
        return list(j.s["models"][m].get("train_seconds_values", []))

    test = paired(times(j.deep), times(j.shallow), j.alpha)
    result = INCONCLUSIVE
    if test["significant"]:
        result = SUPPORTED if test["diff"] > 0 else CONTRADICTED
    return verdict(
        claim,
        measure,
        result,
        f"{label(j.deep)} against {label(j.shallow)}: "
        + ", ".join(parts)
        + f"; training time, deep minus shallow: {seconds_text(test)}",
        "paired t-test on training time over seeds",
    )


def accelerators(j: Judge) -> Verdict:
    claim = "Deep models benefit more from GPUs/TPUs"
    measure = "speed-up on the available accelerator, and CPU thread scaling"
    scaling = j.s["threads"]
    parts = []
    for entry in scaling.values():
        if "thread_speedup" in entry:
            t = entry["thread_speedup"]
            parts.append(f"{entry['label']}: {t['mean']:.2f}x with {t['threads']} threads")
    gpu = [e for e in scaling.values() if "gpu_speedup" in e]
    if not gpu:
        return verdict(
            claim,
            measure,
            INCONCLUSIVE,
            "GPU speed-up not measured: no GPU. CPU thread scaling: "
            + ("; ".join(parts) or "not measured"),
            "",
        )
    deep = [e for m, e in scaling.items() if split_id(m)[1] == "deep" and "gpu_speedup" in e]
    shallow = [e for m, e in scaling.items() if split_id(m)[1] == "shallow" and "gpu_speedup" in e]
    text = "; ".join(f"{e['label']}: GPU {e['gpu_speedup']['mean']:.1f}x" for e in gpu)
    if not deep or not shallow:
        return verdict(claim, measure, INCONCLUSIVE, text, "")
    test = paired(deep[0]["gpu_speedup"]["values"], shallow[0]["gpu_speedup"]["values"], j.alpha)
    result = (
        INCONCLUSIVE if not test["significant"] else SUPPORTED if test["diff"] > 0 else CONTRADICTED
    )
    return verdict(claim, measure, result, text, "paired t-test on GPU speed-up over seeds")


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


def seconds_text(test: dict[str, Any]) -> str:
    if test.get("diff") is None:
        return "no paired runs"
    ci = f" [{test['lo']:+.2f}, {test['hi']:+.2f}]" if test.get("lo") is not None else ""
    return f"{test['diff']:+.2f} s{ci} (paired t-test over {test['n']} seeds)"


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


def features(j: Judge) -> Verdict:
    """The best classical model on engineered features (MFCC statistics, TF-IDF) against the
    best deep network, which learns from the raw input (waveform features, tokens)."""
    claim = "Machine learning needs hand-made features; deep learning learns them"
    measure = "classical model on engineered features vs deep model on raw input"
    facts = j.s["models"]
    engineered = j._best([m for m in facts if not is_network(m) and facts[m].get("engineered")])
    if engineered is None or j.deep is None:
        return verdict(
            claim,
            measure,
            INCONCLUSIVE,
            f"not measured: no engineered features for {j.s['data']['modality']} data",
            "",
        )
    test = j.compare(j.deep, engineered)
    better = test["significant"] and test["diff"] > 0
    worse = test["significant"] and test["diff"] < 0
    result = SUPPORTED if better else CONTRADICTED if worse else INCONCLUSIVE
    evidence = (
        f"{label(j.deep)} on {facts[j.deep].get('features') or 'the raw input'}: "
        f"{fmt(j.final[j.deep], j.metric)}; {label(engineered)} on "
        f"{facts[engineered].get('features')}: {fmt(j.final[engineered], j.metric)}; "
        f"difference {diff_text(test, j.metric)}"
    )
    return verdict(claim, measure, result, evidence, "paired t-test over seeds, full training set")


def linearity(j: Judge) -> Verdict:
    claim = "Linear models only capture linear relations"
    measure = "linear against non-linear models on the same inputs"
    nonlinear = j._best([m for m in j.final if m not in ("linear", "logistic", "ridge")])
    if not j.linear or not nonlinear:
        return verdict(claim, measure, INCONCLUSIVE, "not measured", "")
    test = j.compare(nonlinear, j.linear)
    text = (
        f"{label(nonlinear)} {fmt(j.final[nonlinear], j.metric)} vs {label(j.linear)} "
        f"{fmt(j.final[j.linear], j.metric)}: {diff_text(test, j.metric)}"
    )
    if test["significant"] and test["diff"] > 0:
        return verdict(
            claim,
            measure,
            SUPPORTED,
            text + "; the data has structure a linear model misses",
            "paired t-test",
        )
    if test["significant"]:
        return verdict(claim, measure, CONTRADICTED, text, "paired t-test")
    return verdict(
        claim,
        measure,
        INCONCLUSIVE,
        text + "; the relation may be close to linear here",
        "paired t-test",
    )


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
    judge = Judge(summary, alpha)
    return [check(judge) for check in CHECKS]
