"""The terminal summary of a control study: a table of the identification ladder at each
training size, the control ladder, the claims and the recommendations."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, TextIO

COLUMNS = (
    ("one_step_nrmse", "1-step", "{:.4f}"),
    ("nrmse_10", "10-step", "{:.4f}"),
    ("nrmse_50", "50-step", "{:.4f}"),
    ("free_run_rmse", "free-run RMSE", "{:.4g}"),
    ("fit_index", "fit %", "{:.1f}"),
    ("diverged_share", "diverged", "{:.0%}"),
    ("train_seconds", "train s", "{:.1f}"),
)


def _cell(value: float | None, fmt: str) -> str:
    return "-" if value is None else fmt.format(value)


def identification_lines(summary: dict[str, Any]) -> list[str]:
    head = f"{'model':<14}{'traj':>5}" + "".join(f"{title:>15}" for _, title, _ in COLUMNS)
    lines = [head]
    for model, rows in summary["identification"].items():
        for row in rows:
            cells = "".join(f"{_cell(row['mean'][m], fmt):>15}" for m, _, fmt in COLUMNS)
            lines.append(f"{model:<14}{row['n_train']:>5}{cells}")
    return lines


def control_lines(control: dict[str, Any]) -> list[str]:
    lines = [
        f"{'controller':<14}{'return':>18}{'success':>10}{'effort':>9}{'transitions':>13}"
        f"{'train s':>9}"
    ]
    for name, row in control["controllers"].items():
        mean = row["mean"]
        ret = "-"
        if mean["mean_return"] is not None:
            ret = f"{mean['mean_return']:.1f} +- {mean['std_return']:.1f}"
        lines.append(
            f"{name:<14}{ret:>18}{_cell(mean['success_rate'], '{:.0%}'):>10}"
            f"{_cell(mean['effort'], '{:.3g}'):>9}{_cell(mean['transitions'], '{:,.0f}'):>13}"
            f"{_cell(mean['train_seconds'], '{:.1f}'):>9}"
        )
    return lines


def print_control_summary(summary: dict[str, Any], folder: Path, out: TextIO | None = None) -> None:
    """Print the tables, the claims and the recommendations of *summary* to *out* (stdout)."""
    out = out or sys.stdout
    plan = summary["plan"]
    seeds = len(plan["seeds"])
    lines = [
        f"control study of {summary['plant']}: {summary['description']}",
        f"identification (means over {seeds} seeds; errors on the test trajectories)",
        *identification_lines(summary),
    ]
    if summary.get("control"):
        control = summary["control"]
        lines += [
            "",
            f"control in closed loop ({control['env_id']}, {control['episodes']} episodes; "
            f"policies: means over {seeds} seeds)",
            *control_lines(control),
        ]
    lines += ["", "claims"]
    lines += [f"  {c['verdict']:<13}{c['claim']}" for c in summary["claims"]]
    recommendation = summary["recommendation"]
    lines.append("")
    if recommendation["identification"]:
        lines.append(f"recommendation: {recommendation['identification']['text']}")
    if recommendation.get("control"):
        lines.append(f"policy: {recommendation['control']['text']}")
    if summary.get("failed"):
        lines.append(f"{len(summary['failed'])} jobs failed (see summary.json)")
    lines.append(f"report: {folder / 'report.html'}")
    out.write("\n".join(lines) + "\n")
