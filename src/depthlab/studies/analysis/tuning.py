"""The tuning phase in the summary: each model's preset against its tuned settings on the
validation part, and what the phase cost."""

from __future__ import annotations

from typing import Any

from depthlab.studies.analysis.results import Results
from depthlab.studies.plan.job import label


def tuning(res: Results, plan: dict[str, Any], seconds: float | None) -> dict[str, Any] | None:
    """``{"trials", "budget", "seconds", "models": {model: {...}}}``, or None when the study
    tuned nothing. *seconds* is the phase's wall time (all runs of the study together).

    Example:
        >>> tuning(Results([], [0]), {"tune": 0}, None) is None
        True
    """
    if not plan.get("tune"):
        return None
    models: dict[str, Any] = {}
    for model in plan.get("models", []):
        result = res.tuning.get(model)
        if result is None or result.tuning is None:
            continue
        found = result.tuning
        gain = None if found.preset is None or found.best is None else found.best - found.preset
        models[model] = {
            "label": label(model),
            "metric": found.metric,
            "preset": found.preset,
            "tuned": found.best,
            "gain": gain,
            "params": found.params,
            "chosen": found.chosen,
            "trials": found.trials,
            "complete": found.complete,
            "failed": found.failed,
            "epochs": found.epochs,
            "seconds": result.seconds,
            "cpu_seconds": found.cpu_seconds,
        }
    return {
        "trials": plan.get("tune"),
        "budget": plan.get("tune_budget"),
        "seconds": seconds,
        "worker_seconds": sum(m["seconds"] or 0.0 for m in models.values()),
        "cpu_seconds": sum(m["cpu_seconds"] or 0.0 for m in models.values()),
        "models": models,
    }
