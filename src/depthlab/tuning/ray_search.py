"""Running a search's trials as Ray tasks, several at once, with the Optuna study kept here.

The study (SQLite, in the search folder) stays in this process: it asks Optuna for a trial,
draws its settings, hands the training to Ray (one CPU per trial) and tells Optuna the result
when the task returns, keeping as many trials in flight as the cluster has CPUs. Pruning needs
each epoch's score in this process while the trial runs, so on Ray trials run to their end.
An interrupted search leaves its in-flight trials RUNNING in the store; the next run marks them
failed and queues them again, as a local search does.

Example::

    depthlab tune mnist1d --model mlp --trials 40 --executor ray --ray-address HEAD:6379
"""

from __future__ import annotations

import dataclasses
import logging
import os
import time
from collections.abc import Callable
from typing import Any

from depthlab.ray_cluster import connect
from depthlab.tuning.objective import TrialOutcome, TrialRequest, finished, run_trial

log = logging.getLogger(__name__)
Draw = Callable[[Any], tuple[dict[str, Any], dict[str, Any]]]


def _trial_remote(data: Any, request: TrialRequest) -> TrialOutcome:
    """The body of one Ray task: train one trial on one thread."""
    os.environ["OMP_NUM_THREADS"] = "1"
    os.environ["DEPTHLAB_QUIET"] = "1"
    import torch

    torch.set_num_threads(1)
    return run_trial(dataclasses.replace(request, data=data))


def run_search_ray(
    study: Any,
    draw: Draw,
    request: TrialRequest,
    trials: int,
    timeout: float | None,
    address: str | None,
    advance: Callable[[int], None],
) -> None:
    """Run trials on Ray until *trials* have finished in total or *timeout* seconds have passed
    (no new trial starts after it); *draw* turns an Optuna trial into (model, train) options."""
    import optuna

    ray = connect(address)
    data = ray.put(request.data)  # sent once, shared by every trial
    remote = ray.remote(_trial_remote)
    slots = max(1, int(ray.cluster_resources().get("CPU", 1)))
    running: dict[Any, Any] = {}
    started = time.perf_counter()
    failures = 0
    try:
        while True:
            late = timeout is not None and time.perf_counter() - started >= timeout
            # Too many failures in a row (a loss that always diverges): stop asking.
            while (
                not late
                and failures < max(slots, 3)
                and len(running) < slots
                and finished(study) + len(running) < trials
            ):
                trial = study.ask()
                model_options, train_options = draw(trial)
                sent = dataclasses.replace(
                    request,
                    data="",  # the dataset travels once, as an object reference
                    model_options=model_options,
                    train_options=train_options,
                )
                running[remote.options(num_cpus=1).remote(data, sent)] = trial
            if not running:
                break
            ready, _ = ray.wait(list(running), num_returns=1)
            for ref in ready:
                trial = running.pop(ref)
                try:
                    outcome: TrialOutcome = ray.get(ref)
                except ray.exceptions.RayError as exc:
                    failures += 1
                    log.warning("trial %d failed: %s", trial.number, str(exc).splitlines()[0])
                    study.tell(trial, state=optuna.trial.TrialState.FAIL)
                    continue
                failures = 0
                trial.set_user_attr("model", outcome.model)
                trial.set_user_attr("train", outcome.train)
                trial.set_user_attr("seconds", outcome.seconds)
                study.tell(trial, outcome.value)
                advance(finished(study))
    except BaseException:
        for ref in running:  # their trials stay RUNNING: the next run queues them again
            ray.cancel(ref, force=True)
        raise
    if failures:
        log.warning("the search stopped after %d failed trials in a row", failures)
