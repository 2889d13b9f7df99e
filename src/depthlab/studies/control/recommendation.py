"""The control study's recommendations: the cheapest model (by mean training time) that is not
worse than the best by the margin in the study's error (free-run RMSE; the 10-step NRMSE
on a plant that runs free chaotically), else the best; likewise the cheapest policy
not worse than the best in closed-loop return.

"Not worse" is the margin rule's (:mod:`depthlab.evaluate.margin`): the interval of the paired
per-seed difference against the best lies above minus the margin (``better``, ``equivalent`` or
``not worse``).

Example:
    >>> recommend_model(tables, alpha=0.05)["text"]  # doctest: +SKIP
    'a linear model is enough for this plant: ARX (least squares), free-run RMSE ...'
"""

from __future__ import annotations

from typing import Any

from depthlab.evaluate import margin as mg
from depthlab.studies.control.analysis import best_of
from depthlab.studies.control.claims import ERROR, WORDS, error_margin
from depthlab.studies.control.plan import LABELS, tier

Tables = dict[str, list[dict[str, Any]]]
COST = "train_seconds"


def _paired(a: list[float | None], b: list[float | None], alpha: float) -> mg.Interval:
    return mg.interval(mg.differences(a, b), alpha)


def _choose(
    candidates: dict[str, dict[str, Any]], best: str, delta: float, alpha: float, lower: bool
) -> tuple[str, dict[str, dict[str, Any]]]:
    """The cheapest candidate acceptable against *best*, and every candidate's comparison.
    *candidates* maps a model to ``{"values": per-seed metric, "cost": mean seconds}``."""
    comparisons: dict[str, dict[str, Any]] = {}
    for model, row in candidates.items():
        a, b = row["values"], candidates[best]["values"]
        iv = _paired(b, a, alpha) if lower else _paired(a, b, alpha)  # positive favours model
        verdict = mg.EQUIVALENT if model == best else mg.label(iv, delta)
        comparisons[model] = {"label": verdict, **iv.as_dict(), "cost": row["cost"]}
    acceptable = [m for m, c in comparisons.items() if c["label"] in mg.ACCEPTABLE]
    chosen = min(acceptable, key=lambda m: (candidates[m]["cost"] or float("inf"), m))
    return chosen, comparisons


def _interval_text(comparison: dict[str, Any]) -> str:
    if comparison["lo"] is None:
        return "no interval"
    return f"{comparison['diff']:+.3g} [{comparison['lo']:+.3g}, {comparison['hi']:+.3g}]"


def recommend_model(
    tables: Tables, alpha: float = 0.05, metric: str = ERROR
) -> dict[str, Any] | None:
    """The identification ladder's recommendation at the largest training fraction, by
    *metric* (an error)."""
    best = best_of(tables, list(tables), metric)
    if best is None:
        return None
    candidates = {
        m: {"values": rows[-1]["values"][metric], "cost": rows[-1]["mean"][COST]}
        for m, rows in tables.items()
        if rows[-1]["mean"][metric] is not None
    }
    delta = error_margin(tables, metric)
    chosen, comparisons = _choose(candidates, best, delta, alpha, lower=True)
    rung = tier(chosen)
    head = {
        "linear": "a linear model is enough for this plant",
        "shallow": "a shallow network is enough for this plant",
        "deep": "this plant needs a deep network",
    }[rung]
    mean = tables[chosen][-1]["mean"]
    figure = WORDS[metric][0]
    text = f"{head}: {LABELS[chosen]}, {figure} {mean[metric]:.4g}"
    if chosen != best:
        text += (
            f", not worse than the best ({LABELS[best]}, {tables[best][-1]['mean'][metric]:.4g}) "
            f"by more than the margin {delta:.3g}: difference {_interval_text(comparisons[chosen])}"
            f" ({100 * (1 - 2 * alpha):.0f}% interval, positive: lower error), and cheaper to "
            "train"
        )
    else:
        text += " (the lowest; no cheaper model is shown not worse by the margin)"
    return {
        "model": chosen,
        "label": LABELS[chosen],
        "tier": rung,
        "best": best,
        "margin": delta,
        "text": text,
        "comparisons": comparisons,
    }


def recommend_policy(control: dict[str, Any] | None, alpha: float = 0.05) -> dict[str, Any] | None:
    """The control ladder's recommendation: the cheapest policy not worse than the best."""
    if control is None:
        return None
    rows = {n: r for n, r in control["controllers"].items() if n != "expert"}
    candidates = {
        n: {"values": r["values"]["mean_return"], "cost": r["mean"][COST]}
        for n, r in rows.items()
        if r["mean"]["mean_return"] is not None
    }
    if not candidates:
        return None
    best = max(candidates, key=lambda n: (rows[n]["mean"]["mean_return"], n))
    delta = 0.01 * abs(rows[best]["mean"]["mean_return"])
    chosen, comparisons = _choose(candidates, best, delta, alpha, lower=False)
    mean = rows[chosen]["mean"]["mean_return"]
    text = f"{LABELS[chosen]}: mean return {mean:.1f} over {control['episodes']} episodes"
    if chosen != best:
        text += (
            f", not worse than the best ({LABELS[best]}, "
            f"{rows[best]['mean']['mean_return']:.1f}) by more than the margin {delta:.3g}: "
            f"difference {_interval_text(comparisons[chosen])}, and cheaper to train"
        )
    expert = control["controllers"].get("expert", {}).get("mean", {}).get("mean_return")
    if expert is not None:
        text += f" (the expert: {expert:.1f})"
    return {
        "policy": chosen,
        "label": LABELS[chosen],
        "best": best,
        "margin": delta,
        "text": text,
        "comparisons": comparisons,
    }
