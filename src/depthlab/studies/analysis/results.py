"""Job results indexed by what they measured, for every analysis of a study."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

from depthlab.studies.plan.job import Job
from depthlab.studies.record import JobResult

Value = Callable[[JobResult], Any]
"""What to read from a record: ``lambda r: r.score("test", "accuracy")``."""


class Results:
    """Job results indexed by what they measured."""

    def __init__(self, rows: Sequence[tuple[Job, JobResult]], seeds: list[int]) -> None:
        self.seeds = seeds
        self.fit: dict[tuple[str, float, int], JobResult] = {}
        self.threads: dict[tuple[str, str, int], list[JobResult]] = defaultdict(list)
        self.transfer: list[tuple[Job, JobResult]] = []
        self.tuning: dict[str, JobResult] = {}  # each model's search, by model
        self.failures: list[dict[str, Any]] = []
        for job, result in rows:
            if not result.done:
                self.failures.append(
                    {"key": job.key, "status": result.status, "error": result.error}
                )
                continue
            if job.kind == "threads":
                self.threads[(job.model, job.device, job.threads)].append(result)
            elif job.kind == "transfer":
                self.transfer.append((job, result))
            elif job.kind == "tune":
                self.tuning[job.model] = result
            else:
                self.fit[(job.name, job.fraction, job.seed)] = result

    def runs(self, model: str, fraction: float) -> list[JobResult | None]:
        """The training run of each seed (None where it is missing or failed)."""
        return [self.fit.get((model, fraction, seed)) for seed in self.seeds]

    def by_seed(self, model: str, fraction: float, value: Value) -> list[float | None]:
        """One value per seed (None where the run is missing or failed, or did not measure it)."""
        values: list[float | None] = []
        for run in self.runs(model, fraction):
            found = None if run is None else value(run)
            values.append(None if found is None else float(found))
        return values


def on_test(metric: str) -> Value:
    return lambda r: r.score("test", metric)


def on_train(metric: str) -> Value:
    return lambda r: r.score("train", metric)


def cost_of(key: str) -> Value:
    return lambda r: None if r.cost is None else r.cost.get(key)
