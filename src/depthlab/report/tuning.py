"""The report's tuning section: each model's preset against its tuned settings on the validation
part, the settings the study then trained with, and what the search cost."""

from __future__ import annotations

from typing import Any

from depthlab.report import fmt as f
from depthlab.report.tables import as_dict, cell, row, section, table

HEADERS = ["model", "preset (validation)", "tuned (validation)", "gain", "trials", "tuned settings"]


def tuning(summary: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    """``{"table", "setting", "given"}``: the table of a tuned study and how it was tuned, or
    the models trained with settings given by ``--tuned`` (empty parts are None or "")."""
    found = section(summary, "tuning")
    models = {m: e for m, e in as_dict(found.get("models")).items() if isinstance(e, dict)}
    if not models:
        given = sorted(as_dict(section(summary, "config").get("tuned")))
        return {"table": None, "setting": "", "given": ", ".join(names.get(m, m) for m in given)}
    rows = []
    for model, entry in models.items():
        metric = str(entry.get("metric") or summary.get("metric") or "")
        trials = f"{f.count(entry.get('complete'))} of {f.count(entry.get('trials'))}"
        failed = f.number(entry.get("failed"))
        rows.append(
            row(
                [
                    cell(names.get(model, str(entry.get("label") or model))),
                    cell(f.score(entry.get("preset"), metric), entry.get("preset")),
                    cell(f.score(entry.get("tuned"), metric), entry.get("tuned")),
                    cell(f.diff(entry.get("gain"), metric), entry.get("gain")),
                    cell(trials, entry.get("complete"), f"{failed:.0f} failed" if failed else ""),
                    cell(settings_text(entry)),
                ]
            )
        )
    return {"table": table(HEADERS, rows), "setting": setting(found, summary), "given": ""}


def settings_text(entry: dict[str, Any]) -> str:
    """The values the search chose, ``width 128, lr 0.00072``; what happened otherwise."""
    params = as_dict(entry.get("params"))
    if params:
        return ", ".join(f"{k} {_value(v)}" for k, v in params.items())
    if f.number(entry.get("tuned")) is None:
        return "every trial failed: the preset"
    return "the preset (no trial beat it)"


def _value(value: Any) -> str:
    return f"{value:.3g}" if isinstance(value, float) else str(value)


def setting(found: dict[str, Any], summary: dict[str, Any]) -> str:
    """How the models were tuned, in one paragraph."""
    budget = f.number(found.get("budget"))
    share = f" at {budget:.0%} of its epochs" if budget is not None else ""
    metric = str(summary.get("metric") or "the study's metric")
    seconds, worker = f.number(found.get("seconds")), f.number(found.get("worker_seconds"))
    cost = ""
    if seconds is not None:
        cost = f" Tuning took {seconds:.0f} s" + (
            f" ({worker:.0f} s of worker time)." if worker is not None else "."
        )
    return (
        f"Every model, classical ones included, had {f.count(found.get('trials'))} trials of a "
        f"seeded search (Optuna TPE, the preset first), each trained on the full training part "
        f"of seed 0's split{share} and scored by {metric} on its validation part; the study then "
        "trained every seed and fraction with the best trial's settings. Validation scores of "
        "the best of a few trials flatter it; the test scores above compare the tuned models "
        f"over seeds.{cost}"
    )
