"""Running a study's jobs in parallel worker processes that split the cores between them.

Workers are plain subprocesses (``python -m depthlab.studies.worker``) fed one job at a time over a
pipe, so a study runs the same from the CLI, a script or a notebook (no ``__main__`` guard, no
pickling). Each finished job is written to the store at once by this process, the store's only
writer; an interrupt loses only the jobs in flight. Thread-scaling timings run last, one at a
time in a worker of their own, so that nothing else competes for the cores they time.
"""

from __future__ import annotations

import json
import logging
import os
import selectors
import subprocess
import sys
from collections.abc import Callable, Sequence
from typing import IO

from depthlab.errors import ConfigError
from depthlab.machine import cpu_cores
from depthlab.studies.fitting.data import StudyData
from depthlab.studies.plan.job import Job
from depthlab.studies.ray_executor import execute_ray
from depthlab.studies.record import JobResult
from depthlab.studies.store import Store

log = logging.getLogger(__name__)
Report = Callable[[Job, JobResult], None]


class Worker:
    """One worker subprocess and the job it is running."""

    def __init__(self, threads: int) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "depthlab.studies.worker", str(threads)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            env={**os.environ, "OMP_NUM_THREADS": str(threads)},
        )
        self.job: Job | None = None

    @property
    def output(self) -> IO[str]:
        assert self.process.stdout is not None
        return self.process.stdout

    def send(self, job: Job, data: StudyData) -> None:
        assert self.process.stdin is not None
        self.job = job
        request = {
            "job": job.to_dict(),
            "source": data.source,
            "config": data.config.model_dump(mode="json", exclude_unset=True),
            "folder": data.folder,
        }
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()

    def receive(self) -> JobResult:
        line = self.output.readline()
        if not line:
            code = self.process.wait()
            return JobResult(status="failed", error=f"the worker process died (exit status {code})")
        return JobResult.load(json.loads(line))

    def stop(self) -> None:
        if self.process.poll() is None:
            if self.process.stdin is not None:
                self.process.stdin.close()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()


def execute(
    jobs: Sequence[Job],
    data: StudyData,
    store: Store,
    workers: int,
    on_done: Report | None = None,
    executor: str = "local",
    ray_address: str | None = None,
) -> None:
    """Run *jobs* (those not yet in *store*) and record each result as it finishes.

    *executor* ``local`` runs them in *workers* subprocesses here; ``ray`` as Ray tasks, one
    torch thread each, on the cluster at *ray_address* (a new local one when None).
    """
    if executor == "ray":
        execute_ray(jobs, data, store, threads=1, address=ray_address, on_done=on_done)
        return
    if executor != "local":
        raise ConfigError(f"unknown executor '{executor}'; choose local or ray")
    done = store.done_jobs()
    pending = [job for job in jobs if job not in done]
    parallel = [job for job in pending if job.kind != "threads"]  # fits and transfer rows
    alone = [job for job in pending if job.kind == "threads"]
    cores = cpu_cores()
    workers = max(1, min(workers, len(parallel) or 1))
    run_pool(parallel, data, store, workers, max(1, cores // workers), on_done)
    run_pool(alone, data, store, 1, cores, on_done)


def run_pool(
    jobs: Sequence[Job],
    data: StudyData,
    store: Store,
    workers: int,
    threads: int,
    on_done: Report | None,
) -> None:
    if not jobs:
        return
    queue = list(jobs)
    pool = [Worker(threads) for _ in range(min(workers, len(queue)))]
    selector = selectors.DefaultSelector()
    try:
        for worker in pool:
            worker.send(queue.pop(0), data)
            selector.register(worker.output, selectors.EVENT_READ, worker)
        busy = len(pool)
        while busy:
            for key, _ in selector.select():
                worker = key.data
                result = worker.receive()
                assert worker.job is not None
                store.record(worker.job, result)
                if on_done is not None:
                    on_done(worker.job, result)
                worker.job = None
                if worker.process.poll() is not None:  # it died: replace it
                    selector.unregister(worker.output)
                    worker = Worker(threads)
                    pool.append(worker)
                    selector.register(worker.output, selectors.EVENT_READ, worker)
                if queue:
                    worker.send(queue.pop(0), data)
                else:
                    selector.unregister(worker.output)
                    worker.stop()
                    busy -= 1
    except BaseException:
        for worker in pool:
            worker.kill()
        raise
    finally:
        selector.close()
        for worker in pool:
            worker.stop()
