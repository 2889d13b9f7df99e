"""The control study's tables from its store: per model and training fraction, the per-seed
values (in the order of the plan's seeds, None where a job is missing or failed) and the mean of
every metric; the control ladder's figures per policy; the traces the report draws.

Example:
    >>> tables = identification_tables(plan, store.results())  # doctest: +SKIP
    >>> tables["arx"][-1]["mean"]["free_run_rmse"]  # doctest: +SKIP
    0.0123
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from depthlab.studies.control.plan import (
    EXPERT,
    LABELS,
    POLICY_PREFIX,
    ControlPlan,
    tier,
)
from depthlab.studies.plan.job import Job
from depthlab.studies.record import JobResult

SYSID_METRICS = (
    "one_step_nrmse",
    "nrmse_10",
    "nrmse_50",
    "free_run_rmse",
    "fit_index",
    "diverged_share",
)
COST_METRICS = ("train_seconds", "steps")
POLICY_METRICS = ("mean_return", "std_return", "success_rate", "effort")
POLICY_COSTS = ("train_seconds", "transitions", "seconds_per_step")
Results = dict[tuple[str, float, int], JobResult]


def index(results: list[tuple[Job, JobResult]]) -> Results:
    """The finished results by (model, fraction, seed)."""
    return {(job.model, job.fraction, job.seed): r for job, r in results if r.done}


def mean(values: list[float | None]) -> float | None:
    finite = [v for v in values if v is not None and math.isfinite(v)]
    return float(np.mean(finite)) if finite else None


def _value(result: JobResult | None, part: str, metric: str) -> float | None:
    if result is None:
        return None
    source = result.test if part == "test" else result.cost
    value = (source or {}).get(metric)
    return None if value is None else float(value)


def identification_tables(plan: ControlPlan, found: Results) -> dict[str, list[dict[str, Any]]]:
    """Per model, one row per fraction (ascending): trajectories, per-seed values and means."""
    tables: dict[str, list[dict[str, Any]]] = {}
    for model in plan.models:
        rows = []
        for fraction in sorted(plan.fractions):
            cells = [found.get((model, fraction, s)) for s in plan.seeds]
            values = {m: [_value(c, "test", m) for c in cells] for m in SYSID_METRICS}
            values |= {m: [_value(c, "cost", m) for c in cells] for m in COST_METRICS}
            rows.append(
                {
                    "fraction": fraction,
                    "n_train": plan.trajectories(fraction),
                    "seeds": list(plan.seeds),
                    "values": values,
                    "mean": {m: mean(v) for m, v in values.items()},
                }
            )
        tables[model] = rows
    return tables


def control_table(plan: ControlPlan, found: Results) -> dict[str, Any] | None:
    """The control ladder: per controller (the expert first) its per-seed values and means."""
    if plan.imitation is None:
        return None
    rows: dict[str, Any] = {}
    for name in (EXPERT, *plan.policies):
        seeds = plan.seeds[:1] if name == EXPERT else plan.seeds
        cells = [found.get((POLICY_PREFIX + name, 1.0, s)) for s in seeds]
        values = {m: [_value(c, "test", m) for c in cells] for m in POLICY_METRICS}
        values |= {m: [_value(c, "cost", m) for c in cells] for m in POLICY_COSTS}
        first = cells[0]
        rows[name] = {
            "label": LABELS[name],
            "tier": tier(name),
            "seeds": list(seeds),
            "values": values,
            "mean": {m: mean(v) for m, v in values.items()},
            "episode": None if first is None or first.test is None else first.test.get("episode"),
        }
    imitation = plan.imitation
    return {
        "env_id": imitation.env_id,
        "episodes": imitation.episodes,
        "expert_episodes": imitation.expert_episodes,
        "dagger": imitation.dagger,
        "dagger_episodes": imitation.dagger_episodes,
        "controllers": rows,
    }


def traces(plan: ControlPlan, found: Results, best: dict[str, str | None]) -> dict[str, Any]:
    """The free run of one test trajectory (seed 0 of the plan, all the training data) of the
    best model of each tier in *best* (``linear``, ``shallow``, ``deep`` -> model id)."""
    out: dict[str, Any] = {}
    for role, model in best.items():
        if model is None:
            continue
        result = found.get((model, max(plan.fractions), plan.seeds[0]))
        trace = None if result is None or result.test is None else result.test.get("trace")
        if trace is not None:
            out[role] = {"model": model, "label": LABELS[model], **trace}
    return out


def failures(results: list[tuple[Job, JobResult]]) -> list[dict[str, Any]]:
    return [{"job": job.key, "error": r.error} for job, r in results if not r.done]


def best_of(
    tables: dict[str, list[dict[str, Any]]], models: list[str], metric: str = "free_run_rmse"
) -> str | None:
    """The model of *models* with the lowest mean *metric* at the largest fraction."""
    scored = [(tables[m][-1]["mean"][metric], m) for m in models if m in tables]
    scored = [(v, m) for v, m in scored if v is not None]
    return min(scored)[1] if scored else None
