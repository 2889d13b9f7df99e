"""Running a study's jobs as Ray tasks: the same jobs, seeds and store as the local executor.

Each job becomes one Ray task that declares what it needs (``num_cpus`` = its torch threads, one
GPU for a GPU timing job), so Ray places it on any node of the cluster that has room. Results
come back to this process, which stays the store's only writer and records each job as soon as
it finishes: an interrupted study keeps every finished job and the same command resumes it, as
with local workers. A job gives the same numbers on Ray as locally because everything it draws
at random comes from its seed.

The data must be reachable from every node under the same name: a built-in dataset (with the
same ``DEPTHLAB_DATA_DIR`` / cache, passed on to the tasks) or a path on a shared file system.

Example::

    ray start --head --port 6379            # on the head node
    ray start --address HEAD:6379           # on each worker node
    depthlab study mnist1d --quick --executor ray --ray-address HEAD:6379
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from typing import Any

import torch

from depthlab.config import StudyConfig
from depthlab.config_io import parse_config
from depthlab.ray_cluster import connect
from depthlab.studies.fitting.data import StudyData
from depthlab.studies.jobs import run_job
from depthlab.studies.plan.job import Job
from depthlab.studies.record import JobResult
from depthlab.studies.store import Store

log = logging.getLogger(__name__)
Report = Callable[[Job, JobResult], None]


def _run_remote(
    job: dict[str, Any], source: str, config: dict[str, Any], threads: int
) -> dict[str, Any]:
    """The body of one Ray task: what a local worker process does for one job. The config
    crosses the process boundary as JSON and is validated once here."""
    os.environ["OMP_NUM_THREADS"] = str(threads)
    os.environ["DEPTHLAB_QUIET"] = "1"
    torch.set_num_threads(threads)
    data = StudyData(source, parse_config(StudyConfig, config))
    return run_job(Job.from_dict(job), data).to_json()


def execute_ray(
    jobs: Sequence[Job],
    data: StudyData,
    store: Store,
    threads: int,
    address: str | None = None,
    on_done: Report | None = None,
) -> None:
    """Run the *jobs* not yet in *store* on Ray, *threads* CPU threads per training job; thread
    timings ask for as many CPUs as they time with, after the training jobs."""
    ray = connect(address)
    done = store.done_jobs()
    pending = [job for job in jobs if job not in done]
    remote = ray.remote(_run_remote)
    config = data.config.model_dump(mode="json", exclude_unset=True)
    fits = [job for job in pending if job.kind != "threads"]  # fits and transfer rows
    timings = [job for job in pending if job.kind == "threads"]
    cluster_cpus = int(ray.cluster_resources().get("CPU", 1))
    for batch, parallel in ((fits, True), (timings, False)):
        if not batch:
            continue
        waiting: dict[Any, Job] = {}
        queue = list(batch)
        try:
            while queue or waiting:
                # Timings run one at a time (nothing else may compete for the cores they time);
                # training jobs are all handed to Ray, which queues what does not fit.
                while queue and (parallel or not waiting):
                    job = queue.pop(0)
                    cpus = min(job.threads or threads, cluster_cpus)
                    gpus = 1 if job.device == "cuda" else 0
                    task = remote.options(num_cpus=cpus, num_gpus=gpus, max_retries=1)
                    waiting[task.remote(job.to_dict(), data.source, config, cpus)] = job
                ready, _ = ray.wait(list(waiting), num_returns=1)
                for ref in ready:
                    job = waiting.pop(ref)
                    result = _result_of(ray, ref)
                    store.record(job, result)
                    if on_done is not None:
                        on_done(job, result)
        except BaseException:
            for ref in waiting:  # stop what is still running; finished jobs are stored
                ray.cancel(ref, force=True)
            raise


def _result_of(ray: Any, ref: Any) -> JobResult:
    """The task's result, or a failed result when the task itself died (node lost, killed)."""
    try:
        result: dict[str, Any] = ray.get(ref)
    except ray.exceptions.RayError as exc:
        error = f"the Ray task failed: {str(exc).splitlines()[0]}"
        return JobResult(status="failed", error=error)
    return JobResult.load(result)
