"""The study's recommendation: the cheapest model that is not significantly worse than the
best."""

from __future__ import annotations

from typing import Any

from depthlab.evaluate.stats import paired
from depthlab.studies.plan.job import label
from depthlab.studies.verdict.text import diff_text, fmt

COSTS = {
    "train_time": ("train_seconds", "training time", "s"),
    "latency": ("latency_ms_batch1", "latency", "ms"),
}


def recommendation(summary: dict[str, Any], by: str, alpha: float) -> dict[str, Any]:
    """Among the models whose full-data score is not significantly below the best's (paired
    over seeds), the one that costs least *by* training time or by inference latency."""
    metric, scores, facts = summary["metric"], summary["scores"], summary["models"]
    best = summary.get("best")
    if best is None:
        return {"model": None, "text": "No model finished; nothing to recommend."}
    key, what, unit = COSTS[by]
    tests = {m: paired(scores[best][-1]["values"], scores[m][-1]["values"], alpha) for m in scores}
    tied = [
        m
        for m, t in tests.items()
        if scores[m][-1]["mean"] is not None
        and facts[m].get(key) is not None
        and (m == best or not (t["significant"] and t["diff"] > 0))
    ]
    choice = min(tied, key=lambda m: facts[m][key]) if tied else best
    score = scores[choice][-1]
    ci = (
        f" [{fmt(score['lo'], metric)}, {fmt(score['hi'], metric)}]"
        if score["lo"] is not None
        else ""
    )
    text = f"Recommended: {label(choice)}, test {metric} {fmt(score['mean'], metric)}{ci} (95% CI)."
    cheaper = [
        m for m in scores if facts[m].get(key) is not None and facts[m][key] < facts[choice][key]
    ]
    if choice == best and not cheaper:
        text += f" It is both the best and the cheapest model here (by {what})."
    elif choice == best:
        text += (
            f" It is the best model here, and every cheaper model is significantly worse "
            f"(paired t-tests over seeds at alpha = {alpha})."
        )
    else:
        b, c = facts[best], facts[choice]
        ratio = b[key] / c[key] if c[key] else float("inf")
        text += (
            f" It costs {ratio:.1f}x less {what} than the best model, {label(best)} "
            f"({c[key]:.3g} {unit} against {b[key]:.3g} {unit}), and it is not significantly "
            f"worse: "
            f"the best minus it is {diff_text(tests[choice], metric)}."
        )
        trades = []
        if b.get("depth") is not None and c.get("depth") is not None and b["depth"] > c["depth"]:
            trades.append(f"depth ({c['depth']} hidden layers against {b['depth']})")
        gap = tests[choice]["diff"]
        points = f"{gap * 100:.1f} points" if metric == "accuracy" else f"{gap:.3f}"
        trades.append(f"{points} of mean {metric}")
        text += " It trades away " + " and ".join(trades) + "."
    return {
        "model": choice,
        "label": label(choice),
        "best": best,
        "by": by,
        "candidates": tied,
        "text": text,
    }
