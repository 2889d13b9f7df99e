"""The study's tuning phase (``study --tune N``): one search per model of the ladder before any
other job, then every job of a model trains with the settings its search chose.

The searches are study jobs (kind ``tune``, :mod:`depthlab.studies.fitting.tune`) run by local
worker processes whatever the executor, since their trials are kept in the study folder; their
results are stored like any job's, so a resumed study does not search again. The chosen settings
reach the other jobs as the study's ``tuned`` settings, and each job carries their fingerprint
(:attr:`Job.tuned <depthlab.studies.plan.job.Job.tuned>`): a result trained with other settings
never counts as done.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from depthlab.config import StudyConfig
from depthlab.config_io import parse_config
from depthlab.studies.executor import execute
from depthlab.studies.fitting.data import StudyData
from depthlab.studies.plan.job import FINE_TUNE, Job
from depthlab.studies.plan.ladder import Plan
from depthlab.studies.record import JobResult
from depthlab.studies.store import Store

log = logging.getLogger(__name__)
Report = Callable[[Job, JobResult], None]
SECONDS = "tuning_seconds"  # store meta: wall seconds the tuning phase has taken, all runs


def run_searches(
    plan: Plan, data: StudyData, store: Store, workers: int, folder: Path, on_done: Report
) -> None:
    """Run the plan's searches not yet done, in *workers* local processes; their trials go to
    *folder* (the study's)."""
    done = store.done_jobs()
    searches = [job for job in plan.jobs if job.kind == "tune" and job not in done]
    if not searches:
        return
    started = time.perf_counter()
    here = StudyData(data.source, data.config, str(folder.resolve()))
    execute(searches, here, store, workers, on_done)
    seconds = time.perf_counter() - started
    store.set_meta(SECONDS, float(store.get_meta(SECONDS) or 0.0) + seconds)
    log.info("tuning phase: %d searches in %.0f s", len(searches), seconds)


def chosen_settings(store: Store) -> dict[str, dict[str, dict[str, Any]]]:
    """``{model: {"model": options, "train": settings}}`` each finished search chose (models
    whose preset won are left out: they train as they are)."""
    chosen: dict[str, dict[str, dict[str, Any]]] = {}
    for job, result in store.results():
        if job.kind == "tune" and result.done and result.tuning and result.tuning.chosen:
            chosen[job.model] = result.tuning.chosen
    return chosen


def fingerprint(settings: dict[str, Any]) -> str:
    """A short stable digest of *settings* (what a job records of the settings it trains with).

    Example:
        >>> fingerprint({"model": {"C": 3.0}}) == fingerprint({"model": {"C": 3.0}})
        True
    """
    text = json.dumps(settings, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def with_chosen(
    jobs: Sequence[Job], config: StudyConfig, chosen: dict[str, dict[str, dict[str, Any]]]
) -> tuple[list[Job], StudyConfig]:
    """The jobs after the searches, each stamped with its model's chosen settings, and the
    config their workers train by: the chosen settings as tuned ones, no search of its own.

    Example:
        >>> jobs, cfg = with_chosen([Job("fit", "logistic")], StudyConfig(), {})
        >>> jobs[0].tuned, cfg.tuned
        ('', {})
    """
    after = [
        dataclasses.replace(job, tuned=fingerprint(chosen[job.model]))
        if job.model in chosen and job.variant != FINE_TUNE  # it trains by its own recipe
        else job
        for job in jobs
        if job.kind != "tune"
    ]
    if not chosen:
        return after, config
    values = {**config.model_dump(mode="json", exclude_unset=True), "tuned": chosen, "tune": 0}
    return after, parse_config(StudyConfig, values)


def planned(plan: Plan, store: Store) -> list[Job]:
    """Every job of *plan* as it stands now: the searches, and the other jobs stamped with the
    settings of the searches already finished."""
    after, _ = with_chosen(plan.jobs, plan.config, chosen_settings(store))
    return [job for job in plan.jobs if job.kind == "tune"] + after
