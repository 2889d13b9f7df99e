"""Racing seeds: a study runs its first look (3 seeds), then adds seeds look by look only where a
decision that matters is still undecided.

What matters: the recommendation's cheaper models still undecided against the best (and the
best, to pair with them), on the full training set; and the two models of every comparison of an
inconclusive claim, at the fraction it compares. Only comparisons that more seeds would likely
decide count (``seeds_to_decide`` not None: when the split's own variance or the margin keeps
the interval open, seeds are not spent on it), and a model labelled ``worse`` than the best stops.
The race ends when nothing that matters is undecided, at the last look (``max_seeds``), or before
a look whose training would take the study past its ``budget`` (minutes, estimated from the
measured train times over the workers).

Every decision reads the stored results only, so a study interrupted mid-race and run again
takes the same looks and ends with the same jobs; the added jobs go through the same executor
and store as the first look's.

Example:
    >>> look_jobs({"logistic": {1.0}}, 5, done=set())[-1].key
    'logistic/f1/s4'
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

from depthlab.evaluate import margin as mg
from depthlab.studies.plan.job import Job
from depthlab.studies.plan.ladder import Plan, racing_looks
from depthlab.studies.store import Store
from depthlab.studies.summary import summarise
from depthlab.studies.verdict.words import INCONCLUSIVE

log = logging.getLogger(__name__)
RACING = "racing"  # store meta: the race's record, copied into summary["racing"]
DECIDED, MAX_SEEDS, BUDGET = "decided", "max seeds", "budget"


def undecided(summary: dict[str, Any]) -> dict[str, set[float]]:
    """The models whose decisions matter and are still undecided, with the fractions those
    decisions compare at."""
    rec = summary.get("recommendation") or {}
    tests = rec.get("comparisons") or {}
    top = max(summary["plan"]["fractions"])
    wanted: dict[str, set[float]] = defaultdict(set)
    for model in rec.get("undecided") or []:
        if tests[model].get("seeds_to_decide") is not None:
            wanted[model].add(top)
            wanted[rec["best"]].add(top)
    for claim in summary.get("claims") or []:
        if claim["verdict"] != INCONCLUSIVE:
            continue
        for asked in claim.get("compared") or []:
            if asked["decision"] == 0 and asked["seeds_to_decide"] is not None:
                for model in asked["models"]:
                    wanted[model].add(float(asked["fraction"]))
    worse = {m for m, t in tests.items() if t.get("label") == mg.WORSE}
    return {m: fs for m, fs in wanted.items() if m not in worse}


def look_jobs(
    wanted: dict[str, set[float]], seeds: int, done: set[str], first: int = 0
) -> list[Job]:
    """The fit jobs that bring every wanted model to *seeds* seeds (from seed *first*) at its
    fractions, leaving out the keys in *done* (jobs already planned)."""
    jobs = [
        Job("fit", model, fraction, seed)
        for model in sorted(wanted)
        for fraction in sorted(wanted[model])
        for seed in range(first, first + seeds)
    ]
    return [job for job in jobs if job.key not in done]


def minutes(store: Store, jobs: Sequence[Job], workers: int) -> tuple[float, float]:
    """Minutes of training the study has taken, and the estimate for *jobs* (each its model's
    mean measured train time at its fraction), both over *workers* processes."""
    times: dict[tuple[str, float], list[float]] = defaultdict(list)
    for job, result in store.results():
        seconds = (result.cost or {}).get("train_seconds") if result.done else None
        if job.kind == "fit" and seconds is not None:
            times[(job.name, job.fraction)].append(float(seconds))
    spent = sum(sum(v) for v in times.values())
    ahead = 0.0
    for job in jobs:
        known = times.get((job.name, job.fraction)) or [
            s for (m, _), v in times.items() if m == job.name for s in v
        ]
        ahead += sum(known) / len(known) if known else 0.0
    per = 60.0 * max(1, workers)
    return spent / per, ahead / per


def seeds_per_model(store: Store, top: float) -> dict[str, int]:
    """Finished full-data seeds of each model."""
    counts: dict[str, int] = defaultdict(int)
    for job, result in store.results():
        if job.kind == "fit" and job.fraction == top and result.done:
            counts[job.name] += 1
    return dict(sorted(counts.items()))


def extend_plan(store: Store, jobs: Sequence[Job], seeds: int) -> None:
    """Record a look's jobs and seeds in the stored plan, which the analysis pairs seeds by."""
    plan = store.get_meta("plan")
    keys = list(plan["jobs"]) + [job.key for job in jobs if job.key not in set(plan["jobs"])]
    first = min(plan["seeds"], default=0)
    count = max(len(plan["seeds"]), seeds)
    store.set_meta("plan", {**plan, "seeds": list(range(first, first + count)), "jobs": keys})


def race(
    plan: Plan, store: Store, run: Callable[[list[Job]], None], workers: int
) -> dict[str, Any] | None:
    """Take the plan's further looks (its first has run) through *run*, and record the race in
    the store (None, nothing recorded, when the plan does not race)."""
    looks = racing_looks(plan.config)
    if len(looks) < 2:
        return None
    budget, top = plan.config.budget, max(plan.fractions)
    taken, added, stopped = [looks[0]], 0, DECIDED
    while True:
        summary = summarise(store)
        wanted = undecided(summary)
        if not wanted:
            stopped = DECIDED
            break
        if len(taken) == len(looks):
            stopped = MAX_SEEDS
            break
        n = looks[len(taken)]
        jobs = look_jobs(wanted, n, set(store.get_meta("plan")["jobs"]), plan.seeds[0])
        spent, ahead = minutes(store, jobs, workers)
        if budget is not None and spent + ahead > budget:
            stopped = BUDGET
            break
        log.info("racing: look at %d seeds, %d more runs for %s", n, len(jobs), sorted(wanted))
        extend_plan(store, jobs, n)
        taken.append(n)
        added += len(jobs)
        run(jobs)
    record = {
        "looks": list(looks),
        "taken": taken,
        "stopped": stopped,
        "added_jobs": added,
        "seeds": seeds_per_model(store, top),
        # Cheaper models still undecided against the best when the race stopped.
        "undecided": list(summary["recommendation"].get("undecided") or []),
        "budget_minutes": budget,
    }
    store.set_meta(RACING, record)
    return record
