"""The text study's transfer row: the pretrained sentence encoder frozen (a head on its
embeddings), the same encoder fine-tuned end to end (the study's ``fine-tune`` job), and the best
network trained from scratch, side by side on the full training set: accuracy over seeds, the
training cost, and paired comparisons (same seeds, same splits). In summary.json as
``pretrained``; a study without a pretrained encoder has no such key, so its summary reads as it
did before the row existed.
"""

from __future__ import annotations

from typing import Any

from depthlab.evaluate.stats import mean_ci, paired
from depthlab.studies.analysis.results import Results, cost_of, on_test
from depthlab.studies.plan.job import FINE_TUNE, FINE_TUNED, is_network, label, split_id

BOUNDED = ("accuracy", "balanced_accuracy", "macro_f1")  # intervals clipped to [0, 1]


def pretrained_row(
    res: Results, plan: dict[str, Any], metric: str, alpha: float
) -> dict[str, Any] | None:
    """Frozen encoder, fine-tuned encoder and best scratch network at the largest training
    fraction, for summary.json's ``pretrained``; None when the study has no pretrained encoder
    (every study but a text one)."""
    top = max(plan["fractions"])
    models = [m for m in plan["models"] if is_network(m)]
    tuned_name = f"{FINE_TUNED}+{FINE_TUNE}"
    tuned = _entry(res, tuned_name, top, metric)
    frozen_models = [m for m in models if split_id(m)[0] == "encoder"]
    if tuned is None and not frozen_models:
        return None
    twin = [m for m in frozen_models if m == FINE_TUNED]  # the same head, frozen: a clean pair
    frozen = _best(res, twin or frozen_models, top, metric)
    scratch = _best(
        res, [m for m in models if split_id(m)[0] != "encoder" and m != "linear"], top, metric
    )

    def versus(other: dict[str, Any] | None) -> dict[str, Any] | None:
        if tuned is None or other is None:
            return None
        return paired(tuned["values"], other["values"], alpha)

    ratio = None
    if tuned and frozen and tuned["train_seconds"] and frozen["train_seconds"]:
        ratio = tuned["train_seconds"] / frozen["train_seconds"]
    sizes = [v for v in res.by_seed(tuned_name, top, lambda r: r.n_train) if v is not None]
    return {
        "fraction": top,
        "n_train": int(sizes[0]) if sizes else None,
        "metric": metric,
        "frozen": frozen,
        "fine_tuned": tuned,
        "scratch": scratch,
        "fine_tuned_vs_frozen": versus(frozen),
        "fine_tuned_vs_scratch": versus(scratch),
        "cost_ratio": ratio,
    }


def _best(res: Results, models: list[str], top: float, metric: str) -> dict[str, Any] | None:
    """The entry of the model of *models* with the best mean score at *top*."""
    entries = [e for e in (_entry(res, m, top, metric) for m in models) if e is not None]
    return max(entries, key=lambda e: e["mean"]) if entries else None


def _entry(res: Results, model: str, top: float, metric: str) -> dict[str, Any] | None:
    """One model's score (mean, CI, per-seed values) and cost at *top*; None if not measured."""
    values = res.by_seed(model, top, on_test(metric))
    ci = mean_ci(values)
    if ci["mean"] is None:
        return None
    if metric in BOUNDED and ci["lo"] is not None:
        ci["lo"], ci["hi"] = max(0.0, ci["lo"]), min(1.0, ci["hi"])
    seconds = res.by_seed(model, top, cost_of("train_seconds"))
    parameters = [v for v in res.by_seed(model, top, cost_of("parameters")) if v is not None]
    return {
        "model": model,
        "label": label(model),
        **ci,
        "values": values,
        "train_seconds": mean_ci(seconds)["mean"],
        "train_seconds_values": seconds,
        "parameters": int(parameters[0]) if parameters else None,
    }
