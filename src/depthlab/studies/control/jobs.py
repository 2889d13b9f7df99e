"""What one job of a control study does: identify the plant with one model, or clone the expert
into one policy and evaluate it in closed loop. Each returns a
:class:`~depthlab.studies.record.JobResult` (scores in ``test``, cost in ``cost``).

Every job is seeded by its seed alone and runs on one torch thread, so a fixed seed gives
bit-identical scores whatever the worker or the order (only the seconds vary).

- identification: the data of seed s is ``plant_data(plant, seed=s)`` (new train / validation /
  test trajectories per seed; a smaller fraction takes the first k training trajectories, which
  are those a smaller set would have), the net's weights and batches are seeded with s too;
- control: seed s draws the expert episodes, the DAgger episodes and the initial weights; every
  controller is evaluated on the same episodes (reset seeds 0 .. episodes - 1).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from depthlab.studies.control.plan import EXPERT, ControlPlan, is_policy
from depthlab.studies.plan.job import Job
from depthlab.studies.record import JobResult

QUIET = "DEPTHLAB_QUIET"  # depthlab.progress shows no bar while it is set
TRACE_STEPS = 200  # steps of one test trajectory (or one episode) kept for the report's figures


@contextmanager
def one_thread() -> Iterator[None]:
    """torch on one thread while a job runs (reductions in one order), and no progress bar of
    its own (the study's bar is live; a second one in this process would be refused), then as
    it was."""
    import torch

    before, quiet = torch.get_num_threads(), os.environ.get(QUIET)
    torch.set_num_threads(1)
    os.environ[QUIET] = "1"
    try:
        yield
    finally:
        torch.set_num_threads(before)
        if quiet is None:
            os.environ.pop(QUIET, None)
        else:
            os.environ[QUIET] = quiet


def run_job(job: Job, plan: ControlPlan, cache_dir: Path | None) -> JobResult:
    """The result of *job* of *plan* (a failure is a result too, with its reason)."""
    started = time.perf_counter()
    try:
        with one_thread():
            fields = (
                policy_job(job, plan) if is_policy(job.model) else sysid_job(job, plan, cache_dir)
            )
    except (ArithmeticError, RuntimeError, ValueError) as exc:  # a model that failed to train
        return JobResult(status="failed", error=f"{type(exc).__name__}: {exc}")
    return JobResult.new({**fields, "seconds": time.perf_counter() - started})


def sysid_job(job: Job, plan: ControlPlan, cache_dir: Path | None) -> dict[str, Any]:
    from depthlab.data.control import plant_data
    from depthlab.evaluate.sysid import score
    from depthlab.models.sysid import build
    from depthlab.training.sysid import SysIdTrainConfig, fit

    data = plant_data(plan.plant, seed=job.seed, cache_dir=cache_dir)
    k = plan.trajectories(job.fraction)
    train = data.train.take(slice(0, k))
    t = plan.training
    config = SysIdTrainConfig(
        loss=t.loss,
        horizon=t.horizon,
        batch_size=t.batch_size,
        lr=t.lr,
        max_steps=t.max_steps,
        max_seconds=float("inf"),
        eval_every=t.eval_every,
        patience=t.patience,
        val_horizon=t.val_horizon,
        seed=job.seed,
    )
    model = build(job.model, **plan.options(job.model))
    fitted = fit(model, train, data.val, config, init_window=data.init_window)
    scores = score(model, data.test, data.init_window)
    test: dict[str, Any] = {
        "one_step_nrmse": scores.one_step_nrmse,
        "nrmse_10": scores.k_step_nrmse.get(10),
        "nrmse_50": scores.k_step_nrmse.get(50),
        "free_run_rmse": scores.free_run_rmse,
        "fit_index": scores.fit_index,
        "diverged_share": scores.diverged_share,
    }
    if job.fraction == max(plan.fractions) and job.seed == plan.seeds[0]:
        run = model.simulate(data.test.take(slice(0, 1)), data.init_window)[0]  # (T, n_y)
        test["trace"] = {
            "truth": data.test.y[0, :TRACE_STEPS].tolist(),
            "predicted": run[:TRACE_STEPS].tolist(),
            "init_window": data.init_window,
            "dt": data.test.dt,
            "outputs": list(data.test.output_names),
        }
    return {
        "n_train": k,
        "test": test,
        "cost": {
            "train_seconds": fitted.seconds,
            "steps": fitted.steps,
            "best_step": fitted.best_step,
        },
        "depth": _depth(model.params()),
        "settings": model.get_config(),
    }


def _depth(params: dict[str, Any]) -> int:
    return int(params.get("num_layers", 0))


def policy_job(job: Job, plan: ControlPlan) -> dict[str, Any]:
    from depthlab.evaluate.closed_loop import evaluate_controller
    from depthlab.models.control.experts import make_expert
    from depthlab.training.control_fit import FitSettings
    from depthlab.training.imitation import behaviour_cloning, dagger

    imitation = plan.imitation
    assert imitation is not None, "a policy job needs a plant with an expert"
    name = job.model.split(":", 1)[1]
    started = time.perf_counter()
    if name == EXPERT:
        controller: Any = make_expert(imitation.env_id)
        transitions, depth = 0, 0
    else:
        settings = FitSettings(epochs=imitation.epochs, patience=imitation.patience)
        controller, report, data = behaviour_cloning(
            imitation.env_id,
            name,
            episodes=imitation.expert_episodes,
            seed=job.seed,
            settings=settings,
        )
        if imitation.dagger:
            controller, report, _ = dagger(
                controller,
                report,
                data,
                iterations=imitation.dagger,
                episodes_per_iteration=imitation.dagger_episodes,
                settings=settings,
            )
        transitions, depth = report.transitions, {"linear": 0, "mlp:shallow": 1}.get(name, 3)
    train_seconds = time.perf_counter() - started
    loop = evaluate_controller(imitation.env_id, controller, episodes=imitation.episodes, keep=1)
    episode = loop.trajectories[0]
    test = {
        "mean_return": loop.mean_return,
        "std_return": loop.std_return,
        "success_rate": loop.success_rate,
        "effort": loop.effort,
        "returns": loop.returns,
        "episode": {
            "obs": episode.obs[: TRACE_STEPS + 1].tolist(),
            "actions": np.asarray(episode.actions, dtype=float)
            .reshape(episode.steps, -1)[:TRACE_STEPS]
            .tolist(),
        },
    }
    cost = {
        "train_seconds": train_seconds,
        "transitions": transitions,
        "seconds_per_step": loop.seconds_per_step,
        "eval_seconds": loop.wall_seconds,
    }
    return {"test": test, "cost": cost, "depth": depth, "n_train": transitions}
