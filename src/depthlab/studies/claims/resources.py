"""The claims about what depth costs: labelled data, compute and accelerators."""

from __future__ import annotations

from depthlab.evaluate.stats import paired
from depthlab.studies.claims.judge import Judge
from depthlab.studies.plan.job import label, split_id
from depthlab.studies.verdict.text import diff_text, seconds_text
from depthlab.studies.verdict.words import (
    CONTRADICTED,
    INCONCLUSIVE,
    SUPPORTED,
    Verdict,
    verdict,
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
