"""``depthlab study PLANT``: the depth study on control (a plant of ``depthlab data list``),
and ``depthlab report FOLDER`` for its folder. The main study's options that mean nothing here
are refused in one line."""

from __future__ import annotations

import re
import shlex
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from depthlab.errors import ConfigError
from depthlab.studies.control import is_control_folder

if TYPE_CHECKING:
    from depthlab.studies.control.plan import ControlPlan

__all__ = ["control_report", "control_study", "is_control_folder", "unused_flags"]

# The main study's options (parameter -> flag) that mean nothing to a control study, and the
# value each has when not given.
NOT_FOR_CONTROL: dict[str, tuple[str, object]] = {
    "config": ("--config", None),
    "models": ("--models", None),
    "fractions": ("--fractions", None),
    "epochs": ("--epochs", None),
    "recommend_by": ("--recommend-by", None),
    "target": ("--target", None),
    "tuned": ("--tuned", None),
    "tune": ("--tune", None),
    "tune_budget": ("--tune-budget", None),
    "margin": ("--margin", None),
    "max_seeds": ("--max-seeds", None),
    "budget": ("--budget", None),
    "race": ("--no-race", True),
    "fine_tune": ("--fine-tune", None),
    "executor": ("--executor", "local"),
    "ray_address": ("--ray-address", None),
    "data_dir": ("--data-dir", None),
    "cache_dir": ("--cache-dir", None),
    "mlflow": ("--mlflow", None),
    "experiment": ("--experiment", None),
}


def unused_flags(flags: dict[str, object]) -> list[str]:
    """The flags of NOT_FOR_CONTROL given (away from their defaults) in *flags*."""
    return [
        flag for name, (flag, unset) in NOT_FOR_CONTROL.items() if flags.get(name, unset) != unset
    ]


def control_study(
    plant: str,
    quick: bool,
    out: Path | None,
    workers: int | None,
    seeds: int | None,
    first_seed: int | None,
    dry_run: bool,
    unused: list[str],
) -> None:
    """Plan, run (resumably), summarise and report the control study of *plant*."""
    from depthlab.machine import cpu_cores
    from depthlab.report.control import write_control_report
    from depthlab.studies.control import make_plan, print_control_summary, run_control_study

    if unused:
        raise ConfigError(
            f"{', '.join(unused)} {'does' if len(unused) == 1 else 'do'} not apply to the "
            f"control study of plant '{plant}' (it takes --quick, --out, --seeds, --first-seed, "
            "--workers, --dry-run; its plants are generated into the study folder)"
        )
    plan = make_plan(plant, quick=quick, seeds=seeds, first_seed=first_seed or 0)
    folder = out or Path("studies") / re.sub(r"[^A-Za-z0-9_-]+", "-", plant)
    if folder.exists() and not folder.is_dir():
        raise ConfigError(f"--out {folder} is a file; give a folder for the study")
    workers = workers or cpu_cores()
    _print_plan(plan, workers)
    if dry_run:
        return
    command = shlex.join(["depthlab", *sys.argv[1:]]) if sys.argv else None
    result = run_control_study(plan, folder, workers=workers, command=command)
    write_control_report(result.summary, result.report)
    print_control_summary(result.summary, result.folder)


def _print_plan(plan: ControlPlan, workers: int) -> None:
    ladder = ", ".join(plan.models)
    lines = [
        f"plant     {plan.plant} ({'quick' if plan.quick else 'full'})",
        f"models    {ladder}",
        f"data      fractions {', '.join(f'{f:g}' for f in plan.fractions)} of "
        f"{plan.n_train} training trajectories; seeds {', '.join(map(str, plan.seeds))}",
        f"networks  {plan.training.loss} loss, at most {plan.training.max_steps} steps",
    ]
    if plan.imitation is not None:
        im = plan.imitation
        lines.append(
            f"control   {im.env_id}: expert, {', '.join(plan.policies)} (behaviour cloning from "
            f"{im.expert_episodes} expert episodes + {im.dagger} DAgger rounds), "
            f"{im.episodes} evaluation episodes"
        )
    lines.append(f"jobs      {len(plan.jobs)} on {workers} worker{'s' if workers > 1 else ''}")
    sys.stderr.write("control study plan\n" + "\n".join(f"  {line}" for line in lines) + "\n")


def control_report(folder: Path) -> None:
    """Re-analyse a control study folder, rewrite summary.json and report.html, print."""
    from depthlab.report.control import write_control_report
    from depthlab.studies.control import print_control_summary, summarise_folder

    result = summarise_folder(folder)
    write_control_report(result.summary, result.report)
    print_control_summary(result.summary, result.folder)
