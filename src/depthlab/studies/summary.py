"""The study's summary: measurements, claim check and recommendation (``summary.json``), and the
table printed in the terminal."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from depthlab.studies.analysis.interpretability import interpretability
from depthlab.studies.analysis.pretrained import pretrained_row
from depthlab.studies.analysis.results import Results
from depthlab.studies.analysis.statistics import analyse
from depthlab.studies.analysis.transfer import transfer_curves
from depthlab.studies.analysis.tuning import tuning
from depthlab.studies.claims.check import check_claims
from depthlab.studies.store import Store
from depthlab.studies.tune_phase import SECONDS
from depthlab.studies.verdict.decisions import Decider
from depthlab.studies.verdict.recommendation import recommendation
from depthlab.studies.verdict.text import diff_text, fmt

VERSION = 1


def summarise(store: Store) -> dict[str, Any]:
    plan, data = store.get_meta("plan"), store.get_meta("data")
    settings = store.get_meta("settings")
    summary: dict[str, Any] = {
        "version": VERSION,
        "data": data,
        "plan": plan,
        "config": settings["config"],
        "environment": store.get_meta("environment"),
    }
    results = Results(store.results(), plan["seeds"])
    summary.update(analyse(results, plan, data["metric"]))
    summary["transfer"] = transfer_curves(results, plan["alpha"])
    row = pretrained_row(results, plan, data["metric"], plan["alpha"])
    if row is not None:  # text studies: a study without an encoder reads as it did before
        summary["pretrained"] = row
    tuned = tuning(results, plan, store.get_meta(SECONDS))
    if tuned is not None:  # an untuned study's summary reads as it did before tuning existed
        summary["tuning"] = tuned
    summary["interpretability"] = interpretability(results, plan)
    summary["engineered"] = None
    done = {key for key in store.done_keys()}
    summary["progress"] = {
        "planned": len(plan["jobs"]),
        "done": len([k for k in plan["jobs"] if k in done]),
    }
    summary["claims"] = check_claims(summary, plan["alpha"])
    summary["engineered"] = next(
        (
            c
            for c in summary["claims"]
            if c["measure"].startswith("classical model on engineered")
            and not c["evidence"].startswith("not measured")
        ),
        None,
    )
    summary["recommendation"] = recommendation(summary, plan["recommend_by"], Decider.of(summary))
    racing = store.get_meta("racing")  # looks taken, seeds per model, what stopped the race
    if racing is not None:  # a study that did not race reads as before racing existed
        summary["racing"] = racing
    return summary


def print_summary(summary: dict[str, Any], folder: Path) -> None:
    """Models, claims and the recommendation, as tables on stdout."""
    from rich.console import Console
    from rich.table import Table

    console = Console(soft_wrap=False, width=max(100, Console().width))
    metric = summary["metric"]
    table = Table(title=f"depth study: {summary['data']['name']} ({metric} on the test set)")
    for column in (
        "model",
        "hidden layers",
        "parameters",
        f"{metric} (95% CI)",
        "train s",
        "latency ms",
        "train-test gap",
    ):
        table.add_column(column, justify="left" if column == "model" else "right")
    gaps = summary["overfitting"]["gaps"]
    for model, facts in summary["models"].items():
        final = summary["scores"][model][-1]
        ci = (
            f" [{fmt(final['lo'], metric)}, {fmt(final['hi'], metric)}]"
            if final["lo"] is not None
            else ""
        )
        gap = gaps.get(model, {}).get("gap", {}).get("mean")
        table.add_row(
            facts["label"] + (" *" if model == summary["recommendation"].get("model") else ""),
            "-" if facts["depth"] is None else str(facts["depth"]),
            "-" if facts["parameters"] is None else f"{facts['parameters']:,}",
            fmt(final["mean"], metric) + ci,
            "-" if facts["train_seconds"] is None else f"{facts['train_seconds']:.2f}",
            "-" if facts["latency_ms_batch1"] is None else f"{facts['latency_ms_batch1']:.3f}",
            fmt(gap, metric),
        )
    console.print(table)
    claims = Table(title="claim check")
    claims.add_column("claim")
    claims.add_column("verdict")
    for claim in summary["claims"]:
        claims.add_row(claim["claim"], claim["verdict"])
    console.print(claims)
    for flag in summary.get("underfitting", []):
        console.print(f"[yellow]under-fitting: {flag['text']}[/yellow]", soft_wrap=True)
    console.print(summary["recommendation"]["text"], soft_wrap=True)
    if summary.get("racing"):
        console.print(racing_line(summary["racing"]), soft_wrap=True)
    line = fine_tuned_line(summary.get("pretrained"), metric)
    if line:
        console.print(line, soft_wrap=True)
    tuned = summary.get("tuning")
    if tuned:
        console.print(tuning_line(tuned), soft_wrap=True)
    for failure in summary["failures"]:
        console.print(f"[yellow]{failure['key']}: {failure['status']}: {failure['error']}[/yellow]")
    console.print(f"report: {folder / 'report.html'}  summary: {folder / 'summary.json'}")


def racing_line(racing: dict[str, Any]) -> str:
    """One line on the race: the looks taken, the seeds each model ended with, what stopped it.

    Example:
        >>> line = racing_line({"taken": [3, 5], "looks": [3, 5, 7], "stopped": "decided",
        ...                     "seeds": {"linear": 5, "logistic": 3}, "added_jobs": 2})
        >>> line.split("; ")[-1]
        'stopped: decided.'
    """
    seeds = ", ".join(f"{m} {n}" for m, n in racing["seeds"].items())
    return (
        f"Racing seeds: looks at {', '.join(map(str, racing['taken']))} of "
        f"{', '.join(map(str, racing['looks']))} seeds ({racing['added_jobs']} runs added; "
        f"seeds: {seeds}); stopped: {racing['stopped']}."
    )


def tuning_line(tuned: dict[str, Any]) -> str:
    """One line on the tuning phase: its cost and which models' settings it changed."""
    changed = [e["label"] for e in tuned["models"].values() if e.get("params")]
    seconds = tuned.get("seconds")
    cost = f" in {seconds:.0f} s" if isinstance(seconds, int | float) else ""
    return (
        f"Tuned first: {tuned['trials']} trials per model{cost}; "
        + (f"tuned settings for {', '.join(changed)}" if changed else "every preset kept")
        + " (the report's Preset against tuned)."
    )


def fine_tuned_line(row: dict[str, Any] | None, metric: str) -> str:
    """The fine-tuned encoder against the frozen one, in one line ("" without it)."""
    tuned = (row or {}).get("fine_tuned")
    frozen = (row or {}).get("frozen")
    if not tuned or not frozen or row is None:
        return ""
    test = row.get("fine_tuned_vs_frozen") or {}
    ratio = row.get("cost_ratio")
    return (
        f"Fine-tuned encoder: {fmt(tuned['mean'], metric)} against {fmt(frozen['mean'], metric)} "
        f"frozen ({diff_text(test, metric)}); training {tuned['train_seconds']:.0f} s against "
        f"{frozen['train_seconds']:.1f} s" + (f" ({ratio:.0f}x)." if ratio else ".")
    )
