"""The study's recommendation: the cheapest model shown not worse than the best by more than a
practical margin (:mod:`depthlab.evaluate.margin`).

Every other model is compared with the best one (the highest mean full-data score) over the
seeds they share: one interval per comparison, Holm's levels across the comparisons, the
study's level split over its looks. The cheapest model labelled ``better``, ``equivalent`` or
``not worse`` is recommended, else the best itself; "not significantly worse" no longer counts,
so fewer or noisier seeds never make the recommendation cheaper.
"""

from __future__ import annotations

from typing import Any

from depthlab.evaluate import margin as mg
from depthlab.studies.plan.job import label
from depthlab.studies.verdict.decisions import Decider
from depthlab.studies.verdict.text import fmt, interval_text

COSTS = {
    "train_time": ("train_seconds", "training time", "s"),
    "latency": ("latency_ms_batch1", "latency", "ms"),
}


def comparisons(summary: dict[str, Any], decider: Decider) -> dict[str, dict[str, Any]]:
    """Every model against the best at full data: its interval (model minus best, oriented so
    that positive favours the model), label, win rate and the seeds that would likely decide
    it."""
    scores, best = summary["scores"], summary["best"]
    others = [m for m in scores if m != best and scores[m][-1]["mean"] is not None]
    diffs = {m: decider.diffs(scores[m][-1]["values"], scores[best][-1]["values"]) for m in others}
    rho = decider.rho(scores[best][-1].get("n_train"))
    levels = mg.holm_levels(
        [mg.p_not_worse(diffs[m], decider.delta, rho) for m in others], decider.alpha
    )
    out: dict[str, dict[str, Any]] = {}
    for m, level in zip(others, levels, strict=True):
        iv = mg.interval(diffs[m], level, rho)
        verdict = mg.label(iv, decider.delta)
        out[m] = {
            **iv.as_dict(),
            "label": verdict,
            "win_rate": mg.win_rate(scores[m][-1]["values"], scores[best][-1]["values"]),
            "seeds_to_decide": (
                mg.seeds_to_decide(iv, [-decider.delta], decider.max_seeds)
                if verdict == mg.UNDECIDED
                else None
            ),
        }
    return out


def recommendation(summary: dict[str, Any], by: str, decider: Decider) -> dict[str, Any]:
    """Among the best model and those labelled not worse than it, the one that costs least *by*
    training time or by inference latency; the text states the margin, the interval and every
    cheaper model still undecided."""
    metric, scores, facts = summary["metric"], summary["scores"], summary["models"]
    best = summary.get("best")
    if best is None:
        return {"model": None, "text": "No model finished; nothing to recommend."}
    key, what, unit = COSTS[by]
    tests = comparisons(summary, decider)
    costed = [m for m in scores if facts[m].get(key) is not None]
    tied = [m for m in costed if m == best or tests.get(m, {}).get("label") in mg.ACCEPTABLE]
    choice = min(tied, key=lambda m: facts[m][key]) if tied else best
    score = scores[choice][-1]
    ci = (
        f" [{fmt(score['lo'], metric)}, {fmt(score['hi'], metric)}]"
        if score["lo"] is not None
        else ""
    )
    text = f"Recommended: {label(choice)}, test {metric} {fmt(score['mean'], metric)}{ci}."
    margin = decider.margin_text(metric)
    cheaper = [m for m in costed if facts[m][key] < facts[choice][key]]
    if choice == best and not cheaper:
        text += f" It is both the best and the cheapest model here (by {what})."
    elif choice == best:
        text += (
            f" It is the best model here; no cheaper model is shown within {margin} of it "
            f"(one-sided intervals at level {decider.alpha:g}, Holm-adjusted)."
        )
    else:
        b, c = facts[best], facts[choice]
        ratio = b[key] / c[key] if c[key] else float("inf")
        text += (
            f" It costs {ratio:.1f}x less {what} than the best model, {label(best)} "
            f"({c[key]:.3g} {unit} against {b[key]:.3g} {unit}), and it is {tests[choice]['label']}"
            f" within a margin of {margin}: it minus the best is "
            f"{interval_text(tests[choice], metric)}."
        )
        if b.get("depth") is not None and c.get("depth") is not None and b["depth"] > c["depth"]:
            text += f" It trades away depth ({c['depth']} hidden layers against {b['depth']})."
    undecided = [m for m in cheaper if tests.get(m, {}).get("label") == mg.UNDECIDED]
    if undecided:
        text += (
            " Still undecided, and cheaper: "
            + "; ".join(
                f"{label(m)} ({interval_text(tests[m], metric)}, {decider.cost_text(tests[m])})"
                for m in undecided
            )
            + "."
        )
    return {
        "model": choice,
        "label": label(choice),
        "best": best,
        "by": by,
        "margin": decider.delta,
        "candidates": tied,
        "comparisons": tests,
        "undecided": undecided,
        "text": text,
    }
