"""Running a control study in one folder, resumably: plan, run the jobs (in this process or in
worker processes), record each result as it arrives in ``study.sqlite``, then analyse into
``summary.json``. Running the same command again runs only the jobs that are missing.

Example:
    >>> plan = make_plan("linear", quick=True)  # doctest: +SKIP
    >>> result = run_control_study(plan, Path("studies/linear"))  # doctest: +SKIP
    >>> result.summary["recommendation"]["identification"]["model"]  # doctest: +SKIP
    'arx'
"""

from __future__ import annotations

import logging
import multiprocessing
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from depthlab.data.control import get_plant
from depthlab.studies.control.analysis import (
    best_of,
    control_table,
    failures,
    identification_tables,
    index,
    traces,
)
from depthlab.studies.control.claims import check_claims
from depthlab.studies.control.jobs import run_job
from depthlab.studies.control.plan import DEEP, LABELS, LINEAR, SHALLOW, ControlPlan
from depthlab.studies.control.recommendation import recommend_model, recommend_policy
from depthlab.studies.plan.job import Job
from depthlab.studies.record import JobResult
from depthlab.studies.run import JobBar, environment
from depthlab.studies.store import Store, open_store
from depthlab.training.record import write_json

log = logging.getLogger(__name__)
SUMMARY, REPORT, CACHE = "summary.json", "report.html", "plants"
ALPHA = 0.05
Record = Callable[[Job, JobResult], None]
Runner = Callable[[Sequence[Job], ControlPlan, Path, Record], None]


@dataclass
class ControlStudyResult:
    summary: dict[str, Any]
    folder: Path

    @property
    def report(self) -> Path:
        return self.folder / REPORT


def run_in_process(jobs: Sequence[Job], plan: ControlPlan, cache: Path, record: Record) -> None:
    """Run *jobs* one after the other here, recording each as it ends."""
    for job in jobs:
        record(job, run_job(job, plan, cache))


def _work(job: dict[str, Any], plan: dict[str, Any], cache: str) -> dict[str, Any]:
    """One job in a worker process (plain values in and out)."""
    result = run_job(Job.from_dict(job), ControlPlan.from_dict(plan), Path(cache))
    return result.to_json()


def run_in_pool(workers: int) -> Runner:
    """A runner of *workers* worker processes (spawned: no torch state is forked), one torch
    thread each; results are recorded here, the store's only writer, as each job ends."""

    def run(jobs: Sequence[Job], plan: ControlPlan, cache: Path, record: Record) -> None:
        context = multiprocessing.get_context("spawn")
        pool = ProcessPoolExecutor(min(workers, len(jobs)) or 1, mp_context=context)
        pending: dict[Future[dict[str, Any]], Job] = {
            pool.submit(_work, job.to_dict(), plan.to_dict(), str(cache)): job for job in jobs
        }
        try:
            while pending:
                finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    job = pending.pop(future)
                    try:
                        result = JobResult.load(future.result())
                    except Exception as exc:  # a worker that died: the job failed, go on
                        result = JobResult(status="failed", error=f"worker: {exc}")
                    record(job, result)
        finally:
            pool.shutdown(wait=not pending, cancel_futures=True)

    return run


def run_control_study(
    plan: ControlPlan,
    out: Path,
    *,
    workers: int = 1,
    command: str | None = None,
    runner: Runner | None = None,
) -> ControlStudyResult:
    """Run *plan* into the folder *out* (resuming what is there) and write ``summary.json``."""
    store = open_store(out)
    facts = plan.to_dict()
    store.check_settings({"source": plan.plant, "control": {**facts, "jobs": None}})
    store.set_meta("plan", facts)
    store.set_meta("environment", environment(command, workers))
    done = store.done_keys()
    remaining = [job for job in plan.jobs if job.key not in done]
    runner = runner or (run_in_pool(workers) if workers > 1 else run_in_process)
    started = time.perf_counter()
    try:
        with JobBar(len(plan.jobs), len(plan.jobs) - len(remaining)) as bar:

            def record(job: Job, result: JobResult) -> None:
                store.record(job, result)
                bar.done(job, result)

            if remaining:
                runner(remaining, plan, out / CACHE, record)
    except KeyboardInterrupt:
        log.warning(
            "control study interrupted with %d of %d jobs done (kept in %s); run the same "
            "command to resume",
            len(store.done_keys()),
            len(plan.jobs),
            out / "study.sqlite",
        )
        raise
    log.info("control study finished in %.0f s", time.perf_counter() - started)
    return write_summary(out, store)


def summarise(store: Store) -> dict[str, Any]:
    """The summary of a control study's store (what ``summary.json`` holds)."""
    plan = ControlPlan.from_dict(store.get_meta("plan"))
    results = store.results()
    found = index(results)
    tables = identification_tables(plan, found)
    control = control_table(plan, found)
    best = {
        "linear": best_of(tables, list(LINEAR), plan.metric),
        "shallow": best_of(tables, list(SHALLOW), plan.metric),
        "deep": best_of(tables, list(DEEP), plan.metric),
    }
    spec = get_plant(plan.plant)
    return {
        "kind": "control",
        "plant": plan.plant,
        "description": spec.description,
        "outputs": list(spec.output_names),
        "plan": plan.to_dict(),
        "environment": store.get_meta("environment"),
        "metric": plan.metric,
        "alpha": ALPHA,
        "labels": {m: LABELS[m] for m in plan.models},
        "identification": tables,
        "control": control,
        "traces": traces(plan, found, best),
        "claims": check_claims(tables, control, ALPHA, plan.metric),
        "recommendation": {
            "identification": recommend_model(tables, ALPHA, plan.metric),
            "control": recommend_policy(control, ALPHA),
        },
        "failed": failures(results),
    }


def write_summary(folder: Path, store: Store) -> ControlStudyResult:
    summary = summarise(store)
    write_json(folder / SUMMARY, summary)
    return ControlStudyResult(summary, folder)


def summarise_folder(folder: Path) -> ControlStudyResult:
    """Analyse a control study folder's store again and rewrite its summary.json."""
    return write_summary(folder, open_store(folder, must_exist=True))


def is_control_folder(folder: Path) -> bool:
    """Whether *folder* holds a control study (its store's plan names a plant)."""
    if not (folder / "study.sqlite").is_file():
        return False
    plan = open_store(folder).get_meta("plan")
    return isinstance(plan, dict) and "plant" in plan and "training" in plan
