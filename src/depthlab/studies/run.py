"""Running a depth study in one folder: plan, run the jobs (resumably), analyse and write
``summary.json``.

The folder holds ``study.sqlite`` (settings and every job's result), ``summary.json`` and
``report.html`` (written by :mod:`depthlab.depth_study`, which composes this module with the
report), and with ``--tune`` the searches' trials (``tuning/``). Running the same study again
skips the jobs already done.
"""

from __future__ import annotations

import logging
import platform
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from depthlab._version import __version__
from depthlab.config import StudyConfig
from depthlab.config_io import load_yaml, parse_config
from depthlab.data.splits import split_dataset
from depthlab.errors import ConfigError
from depthlab.evaluate.tasks import TASKS
from depthlab.machine import cpu_cores, cpu_name, memory_gib
from depthlab.progress import enabled
from depthlab.studies.estimate import job_seconds, parallel
from depthlab.studies.executor import execute
from depthlab.studies.fitting.data import StudyData
from depthlab.studies.plan.job import FINE_TUNE, Job
from depthlab.studies.plan.ladder import Plan, make_plan, racing_looks, tune_trials
from depthlab.studies.racing import race
from depthlab.studies.record import JobResult
from depthlab.studies.store import Store, open_store
from depthlab.studies.summary import summarise
from depthlab.studies.tune_phase import chosen_settings, planned, run_searches, with_chosen
from depthlab.training.record import write_json

log = logging.getLogger(__name__)
SUMMARY, REPORT = "summary.json", "report.html"
LONG_STUDY_SECONDS = 30 * 60


@dataclass
class StudyResult:
    """A finished study: its summary (what ``summary.json`` holds) and its folder."""

    summary: dict[str, Any]
    folder: Path

    @property
    def recommendation(self) -> dict[str, Any]:
        return dict(self.summary["recommendation"])

    @property
    def report(self) -> Path:
        return self.folder / REPORT


def study_config(
    config: StudyConfig | dict[str, Any] | str | Path | None, **overrides: Any
) -> StudyConfig:
    """A StudyConfig from a YAML path, a mapping or an instance, with *overrides* (None: keep).
    An instance without overrides is returned as it is: a config is validated once."""
    if isinstance(config, StudyConfig) and all(v is None for v in overrides.values()):
        return config
    if isinstance(config, str | Path):
        base = load_yaml(StudyConfig, config).model_dump(exclude_unset=True)
    elif isinstance(config, StudyConfig):
        base = config.model_dump(exclude_unset=True)
    else:
        base = dict(config or {})
    base.update({k: v for k, v in overrides.items() if v is not None})
    return parse_config(StudyConfig, base)


def run_study(
    data: str,
    config: StudyConfig,
    *,
    out: Path,
    workers: int | None = None,
    command: str | None = None,
    executor: str = "local",
    ray_address: str | None = None,
) -> StudyResult:
    """Run the depth study of *data* (a built-in name or a path) into the folder *out* and
    write its ``summary.json``; :func:`depthlab.depth_study.study` adds the report.

    *executor* ``ray`` runs the jobs as Ray tasks on the cluster at *ray_address* (see
    :mod:`depthlab.studies.ray_executor`); the results and the folder are the same.
    """
    study_data = StudyData(data, config)
    ds = study_data.dataset()
    cores = cpu_cores()
    plan = make_plan(config, ds, cores, gpu=torch.cuda.is_available())
    store = open_store(out)
    upgrade_settings(store)
    store.check_settings({"source": data, "config": config.model_dump(mode="json")})
    store.set_meta("plan", plan_facts(plan))
    store.set_meta("data", data_facts(ds, plan))
    store.set_meta(
        "environment",
        {**environment(command, workers or default_workers(cores)), "executor": executor},
    )
    done = store.done_jobs()
    remaining = [job for job in planned(plan, store) if job not in done]
    workers = workers or default_workers(cores)
    print_plan(plan, remaining, study_data, cores, workers)
    started = time.perf_counter()
    try:
        with JobBar(len(plan.jobs), len(plan.jobs) - len(remaining)) as bar:
            # The searches first (here, whatever the executor: their trials live in *out*),
            # then every other job with the settings they chose, then the race's looks.
            run_searches(plan, study_data, store, workers, out, bar.done)

            def run_jobs(jobs: list[Job]) -> None:
                stamped, tuned = with_chosen(jobs, config, chosen_settings(store))
                execute(
                    stamped,
                    StudyData(data, tuned),
                    store,
                    workers,
                    bar.done,
                    executor=executor,
                    ray_address=ray_address,
                )

            def run_look(jobs: list[Job]) -> None:
                done = store.done_keys()
                bar.grow(len([job for job in jobs if job.key not in done]))
                run_jobs(jobs)

            run_jobs(list(plan.jobs))
            race(plan, store, run_look, workers)
    except KeyboardInterrupt:
        log.warning(
            "study interrupted with %d of %d jobs done (kept in %s); run the same command to "
            "resume",
            len(store.done_keys()),
            len(store.get_meta("plan")["jobs"]),
            out / "study.sqlite",
        )
        raise
    log.info("study finished in %.0f s", time.perf_counter() - started)
    return write_summary(out, store)


def preview(
    data: str | Path,
    config: StudyConfig | dict[str, Any] | str | Path | None = None,
    *,
    workers: int | None = None,
    quick: bool | None = None,
) -> Plan:
    """Print the plan of the study of *data* and its estimated duration; run nothing.

    Example:
        >>> import depthlab as dl
        >>> from depthlab.studies.run import preview
        >>> len(preview("iris", quick=True).jobs)  # doctest: +SKIP
        33
    """
    cfg = study_config(config, quick=quick)
    study_data = StudyData(str(data), cfg)
    cores = cpu_cores()
    plan = make_plan(cfg, study_data.dataset(), cores, gpu=torch.cuda.is_available())
    print_plan(plan, list(plan.jobs), study_data, cores, workers or default_workers(cores))
    return plan


def upgrade_settings(store: Store) -> None:
    """Fill the stored settings with the defaults of options added since the study was started,
    so that a newer depthlab resumes an older study folder instead of calling it different."""
    before = store.get_meta("settings")
    if not isinstance(before, dict) or not isinstance(before.get("config"), dict):
        return
    try:
        filled = parse_config(StudyConfig, before["config"]).model_dump(mode="json")
    except ConfigError:
        return  # not ours to fix: check_settings reports the difference
    if filled != before["config"]:
        store.set_meta("settings", {**before, "config": filled})


def default_workers(cores: int) -> int:
    return max(1, cores)


def write_summary(folder: Path, store: Store) -> StudyResult:
    """Analyse the store and write summary.json."""
    summary = summarise(store)
    write_json(folder / SUMMARY, summary)
    return StudyResult(summary, folder)


def summarise_folder(folder: str | Path) -> StudyResult:
    """Analyse a study folder's store again and rewrite its summary.json."""
    path = Path(folder)
    return write_summary(path, open_store(path, must_exist=True))


def plan_facts(plan: Plan) -> dict[str, Any]:
    return {
        "models": list(plan.models),
        "fractions": list(plan.fractions),
        "seeds": list(plan.seeds),
        "jobs": [job.key for job in plan.jobs],
        "quick": plan.config.quick,
        "tune": tune_trials(plan.config),
        "tune_budget": plan.config.tune_budget,
        "recommend_by": plan.config.recommend_by,
        "alpha": plan.config.alpha,
        "margin": plan.config.margin,
        "looks": list(racing_looks(plan.config)),
        "budget": plan.config.budget,
    }


def data_facts(ds: Any, plan: Plan) -> dict[str, Any]:
    split = split_dataset(ds, seed=plan.seeds[0], strategy=plan.config.split)
    return {
        "name": ds.name,
        "modality": ds.modality,
        "task": ds.task,
        "metric": TASKS[ds.task].study_metric if ds.task in TASKS else "r2",
        "examples": len(ds),
        "classes": list(ds.class_names),
        "split": split.strategy,
        **{f"n_{k}": v for k, v in split.sizes().items()},
    }


def environment(command: str | None, workers: int) -> dict[str, Any]:
    import sklearn  # only for its version: not worth importing with the module

    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else None
    return {
        "command": command or " ".join(sys.argv),
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "depthlab": __version__,
        "python": platform.python_version(),
        "torch": torch.__version__,
        "numpy": np.__version__,
        "scikit-learn": sklearn.__version__,
        "platform": platform.platform(),
        "cpu": cpu_name(),
        "cores": cpu_cores(),
        "memory_gib": memory_gib(),
        "gpu": gpu or "none",
        "workers": workers,
    }


def print_plan(plan: Plan, remaining: list[Job], data: StudyData, cores: int, workers: int) -> None:
    lines = plan.describe().splitlines()
    if len(remaining) < len(plan.jobs):
        lines.append(f"resuming: {len(plan.jobs) - len(remaining)} jobs already done")
    each = job_seconds(plan, remaining, data, cores, workers)
    seconds = parallel(each.values(), cores, workers)
    lines.append(f"workers   {workers} on {cores} cores; estimated {format_duration(seconds)}")
    tuning = [s for job, s in each.items() if job.variant == FINE_TUNE]
    if tuning:
        lines.append(
            f"          of which fine-tuning {format_duration(parallel(tuning, cores, workers))} "
            f"({format_duration(max(tuning))} per run)"
        )
    if seconds > LONG_STUDY_SECONDS:
        lines.append("          a long study: --quick, --models or --fractions make it shorter")
    sys.stderr.write("study plan\n" + "\n".join(f"  {line}" for line in lines) + "\n")


def format_duration(seconds: float) -> str:
    if seconds < 90:
        return f"~{max(1, round(seconds))} s"
    return f"~{seconds / 60:.0f} min"


class JobBar:
    """A progress bar over jobs with an ETA (silent when bars are off); racing grows it."""

    def __init__(self, total: int, done: int) -> None:
        self.total, self.start_done = total, done
        self.progress: Any = None
        self.task: Any = None
        self.failed = 0
        if enabled():
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self.progress = Progress(
                TextColumn("study"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                TextColumn("ETA"),
                TimeRemainingColumn(),
                TextColumn("{task.fields[last]}"),
            )

    def __enter__(self) -> JobBar:
        if self.progress is not None:
            self.progress.start()
            self.task = self.progress.add_task(
                "jobs", total=self.total, completed=self.start_done, last=""
            )
        return self

    def grow(self, jobs: int) -> None:
        """Count *jobs* more (a look of the race), beyond the plan's first ones."""
        self.total += jobs
        if self.progress is not None and jobs:
            self.progress.update(self.task, total=self.total)

    def done(self, job: Job, result: JobResult) -> None:
        if not result.done:
            self.failed += 1
            log.warning(
                "%s %s: %s (recorded; the study goes on)",
                job.key,
                result.status,
                result.error,
            )
        if self.progress is not None:
            self.progress.update(self.task, advance=1, last=job.key)

    def __exit__(self, *exc: Any) -> None:
        if self.progress is not None:
            self.progress.stop()
