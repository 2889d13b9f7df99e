"""The cost of a depth study's tuning phase (``depthlab study DATA --tune N``), measured alone.

Plans the full default study of DATA, then runs only its searches (one per model of the ladder,
N trials each, every trial at ``--budget`` of the epochs of a full-data run) with the study's
worker processes, in a fresh folder, exactly as ``depthlab study`` runs them before its other
jobs. Prints each model's search time (worker seconds), preset and tuned validation scores and
the phase's wall time, and writes them to ``bench/results/study_tuning_DATA.json``.

Goal (issue 19): the full default MNIST-1D study with its tuning <= 10 minutes on 2 cores; the
study without tuning took 514.9 s (``study_mnist1d.py``), which leaves the tuning phase ~85 s.

Wall time depends on what else the machine runs; each search also records its CPU time (one
torch thread per worker), from which the script gives the wall time the phase would take on an
otherwise idle machine: the searches laid out in the plan's order on the workers, each starting
on the first worker free (what the study's pool does).

example:
  .venv/bin/python bench/study_tuning.py mnist1d                  # default N and budget
  .venv/bin/python bench/study_tuning.py mnist1d --tune 8 --budget 0.5 --workers 2
"""

from __future__ import annotations

import argparse
import heapq
import json
import os
import platform
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", nargs="?", default="mnist1d")
    parser.add_argument(
        "--tune", type=int, default=None, help="trials per model (default: the study's)"
    )
    parser.add_argument("--budget", type=float, default=None, help="share of the epochs per trial")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    os.environ.setdefault("DEPTHLAB_QUIET", "1")

    from depthlab.config import StudyConfig
    from depthlab.studies.fitting.data import StudyData
    from depthlab.studies.plan.ladder import make_plan, tune_trials
    from depthlab.studies.store import open_store
    from depthlab.studies.tune_phase import run_searches

    values: dict[str, Any] = {}
    if args.tune is not None:
        values["tune"] = args.tune
    if args.budget is not None:
        values["tune_budget"] = args.budget
    config = StudyConfig(**values)
    data = StudyData(args.data, config)
    plan = make_plan(config, data.dataset(), cores=os.cpu_count() or 1)
    searches = [job for job in plan.jobs if job.kind == "tune"]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "study"
        store = open_store(folder)
        started = time.perf_counter()
        run_searches(plan, data, store, args.workers, folder, lambda job, result: None)
        wall = time.perf_counter() - started
        found = {
            job.model: {"model": job.model, "seconds": result.seconds, **result.tuning.model_dump()}
            for job, result in store.results()
            if job.kind == "tune" and result.tuning is not None
        }
        rows = [found[job.model] for job in searches if job.model in found]  # the plan's order
    print(
        f"{args.data}: {len(searches)} searches x {tune_trials(config)} trials, budget "
        f"{config.tune_budget:.0%} of the epochs, {args.workers} workers"
    )
    print(
        f"{'model':<14}{'worker s':>10}{'CPU s':>8}{'epochs':>8}{'preset':>9}{'tuned':>9}  chosen"
    )
    for r in rows:
        preset = "-" if r["preset"] is None else f"{r['preset']:.3f}"
        best = "-" if r["best"] is None else f"{r['best']:.3f}"
        print(
            f"{r['model']:<14}{r['seconds']:>10.1f}{r['cpu_seconds']:>8.1f}{r['epochs'] or '-':>8}"
            f"{preset:>9}{best:>9}  {r['params'] or 'preset'}"
        )
    cpu = [r["cpu_seconds"] for r in rows]
    idle = makespan(cpu, args.workers)
    print(
        f"tuning phase: wall {wall:.1f} s (load {os.getloadavg()[0]:.1f}); worker time "
        f"{sum(r['seconds'] for r in rows):.1f} s; CPU time {sum(cpu):.1f} s; on an idle "
        f"machine ~{idle:.1f} s"
    )
    out = HERE / "results" / f"study_tuning_{args.data}.json"
    out.parent.mkdir(exist_ok=True)
    facts = {
        "data": args.data,
        "trials": tune_trials(config),
        "budget": config.tune_budget,
        "workers": args.workers,
        "wall_seconds": wall,
        "idle_wall_estimate": idle,
        "models": rows,
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "load": os.getloadavg(),
        },
    }
    out.write_text(json.dumps(facts, indent=2), encoding="utf-8")


def makespan(seconds: list[float], workers: int) -> float:
    """Wall time of jobs taking *seconds*, in this order, each on the first of *workers* free."""
    free = [0.0] * workers
    for s in seconds:
        heapq.heappush(free, heapq.heappop(free) + s)
    return max(free)


if __name__ == "__main__":
    main()
