"""The report of a control study (``depthlab study PLANT``): one self-contained HTML page from
its ``summary.json`` (figures inline as PNG data URIs, styles inline, nothing fetched).

It shows the recommendations, the identification table, the claims, a learning-curve figure
(free-run RMSE against training trajectories per model), the free run of one test trajectory
against the truth (best linear, best shallow, best deep model) and, where the plant has a
control ladder, its table and one closed-loop episode of the expert and of each policy.

Example:
    >>> write_control_report(summary, Path("studies/pendulum/report.html"))  # doctest: +SKIP
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from depthlab.report import canvas
from depthlab.report.html import jinja_environment  # one Jinja setup for every page

TEMPLATE = "control.html.j2"
SYSID_COLUMNS = (
    ("one_step_nrmse", "one-step NRMSE", "{:.4f}"),
    ("nrmse_10", "10-step NRMSE", "{:.4f}"),
    ("nrmse_50", "50-step NRMSE", "{:.4f}"),
    ("free_run_rmse", "free-run RMSE", "{:.4g}"),
    ("fit_index", "fit index (%)", "{:.1f}"),
    ("diverged_share", "diverged", "{:.0%}"),
    ("train_seconds", "train seconds", "{:.2f}"),
)
CONTROL_COLUMNS = (
    ("mean_return", "mean return", "{:.1f}"),
    ("std_return", "std of return", "{:.1f}"),
    ("success_rate", "success rate", "{:.0%}"),
    ("effort", "effort (mean |u|)", "{:.3g}"),
    ("transitions", "transitions used", "{:,.0f}"),
    ("train_seconds", "train seconds", "{:.1f}"),
    ("seconds_per_step", "ms per step", "{:.3f}"),
)
ROLE_COLOURS = {"linear": "#1f77b4", "shallow": "#ff7f0e", "deep": "#2ca02c"}


def _fmt(value: Any, fmt: str, scale: float = 1.0) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "-"
    return fmt.format(value * scale)


def _per_seed(values: list[Any], fmt: str, scale: float = 1.0) -> str:
    return ", ".join(_fmt(v, fmt, scale) for v in values)


def sysid_rows(summary: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for model, table in summary["identification"].items():
        for row in table:
            cells = [
                {"mean": _fmt(row["mean"][m], fmt), "seeds": _per_seed(row["values"][m], fmt)}
                for m, _, fmt in SYSID_COLUMNS
            ]
            label = summary["labels"].get(model, model)
            rows.append({"model": model, "label": label, "n_train": row["n_train"], "cells": cells})
    return rows


def control_rows(control: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for name, row in control["controllers"].items():
        cells = []
        for m, _, fmt in CONTROL_COLUMNS:
            scale = 1000.0 if m == "seconds_per_step" else 1.0
            mean, values = row["mean"][m], row["values"][m]
            cells.append({"mean": _fmt(mean, fmt, scale), "seeds": _per_seed(values, fmt, scale)})
        rows.append({"name": name, "label": row["label"], "cells": cells})
    return rows


def learning_curves(summary: dict[str, Any]) -> str | None:
    """Free-run RMSE against training trajectories, one line per model (per-seed range), and
    beside it the study's decision metric when that is another one."""
    tables = summary["identification"]
    metrics = ["free_run_rmse"]
    if summary.get("metric", "free_run_rmse") != "free_run_rmse":
        metrics.append(summary["metric"])
    fig, axes = canvas.new_figure(
        width=7.5 if len(metrics) == 1 else 10.0, height=3.6, ncols=len(metrics)
    )
    drawn = [
        _curves(ax, tables, summary["labels"], metric)
        for ax, metric in zip(axes, metrics, strict=True)
    ]
    if not any(drawn):
        return None
    axes[-1].legend(fontsize=8, loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False)
    return canvas.to_uri(fig)


def _curves(ax: Any, tables: dict[str, Any], labels: dict[str, str], metric: str) -> bool:
    palette = canvas.colours(list(tables))
    sizes: list[float] = []
    for model, rows in tables.items():
        points = [r for r in rows if r["mean"][metric] is not None]
        if not points:
            continue
        xs = [float(r["n_train"]) for r in points]
        sizes += xs
        ax.plot(
            xs,
            [r["mean"][metric] for r in points],
            marker="o",
            color=palette[model],
            label=labels.get(model, model),
        )
        finite = [[v for v in r["values"][metric] if v is not None] for r in points]
        if len(xs) > 1 and all(finite):
            lo, hi = [min(v) for v in finite], [max(v) for v in finite]
            ax.fill_between(xs, lo, hi, color=palette[model], alpha=0.15, linewidth=0)
    if not sizes:
        return False
    canvas.log_x(ax, sizes, ticks_at_values=True)
    if len(set(sizes)) == 1:
        ax.set_xlim(sizes[0] / 2, sizes[0] * 2)
    ax.set_yscale("log")
    ax.set_xlabel("training trajectories (log scale)")
    title = {"free_run_rmse": "free-run RMSE", "nrmse_10": "10-step NRMSE"}.get(metric, metric)
    ax.set_ylabel(f"test {title} (log scale)")
    return True


def free_run_figure(summary: dict[str, Any]) -> str | None:
    """The first test trajectory's outputs against the free runs of the best models."""
    traces = summary.get("traces") or {}
    if not traces:
        return None
    first = next(iter(traces.values()))
    truth = np.asarray(first["truth"])  # (T, n_y)
    channels = min(truth.shape[1], 3)
    fig, _ = canvas.new_figure(width=7.5, height=2.2 * channels + 0.4, ncols=1)
    fig.clear()
    axes = fig.subplots(channels, 1, squeeze=False, sharex=True)[:, 0]  # one per channel
    steps = np.arange(len(truth)) * float(first["dt"])
    for c, ax in enumerate(axes):
        ax.grid(True, alpha=0.3)
        ax.plot(steps, truth[:, c], color="#333333", linewidth=1.6, label="measured")
        for role, trace in traces.items():
            pred = np.asarray(trace["predicted"])[:, c]
            ax.plot(
                steps, pred, linestyle="--", linewidth=1.2, color=ROLE_COLOURS.get(role),
                label=f"{trace['label']} ({role})",
            )  # fmt: skip
        ax.axvline(steps[int(first["init_window"])], color="#999999", linewidth=0.8)
        ax.set_ylabel(first["outputs"][c], fontsize=8)
    axes[0].legend(fontsize=7, frameon=False, ncols=2, loc="lower center", bbox_to_anchor=(0.5, 1))
    axes[-1].set_xlabel("time (s); the free run starts at the grey line")
    return canvas.to_uri(fig)


def _angle(env_id: str, obs: np.ndarray) -> tuple[np.ndarray, str]:
    if env_id.startswith("Pendulum"):
        return np.arctan2(obs[:, 1], obs[:, 0]), "angle (rad, 0 up)"
    return obs[:, 2], "pole angle (rad)"


def closed_loop_figure(control: dict[str, Any] | None) -> str | None:
    """The angle and the action of the first evaluation episode: the expert and each policy."""
    if not control:
        return None
    episodes = {n: r["episode"] for n, r in control["controllers"].items() if r.get("episode")}
    if not episodes:
        return None
    fig, axes = canvas.new_figure(width=7.5, height=3.4, ncols=2)
    palette = canvas.colours(list(episodes))
    for name, episode in episodes.items():
        obs = np.asarray(episode["obs"])
        angle, label = _angle(control["env_id"], obs)
        actions = np.asarray(episode["actions"])[:, 0]
        axes[0].plot(angle, color=palette[name], linewidth=1.2, label=name)
        axes[1].plot(actions, color=palette[name], linewidth=1.0, label=name)
        axes[0].set_ylabel(label)
    axes[1].set_ylabel("action")
    for ax in axes:
        ax.set_xlabel("step")
    axes[0].legend(fontsize=8, frameon=False)
    return canvas.to_uri(fig)


def build_control_context(summary: dict[str, Any]) -> dict[str, Any]:
    control = summary.get("control")
    env = summary.get("environment") or {}
    return {
        "s": summary,
        "plan": summary["plan"],
        "environment": env,
        "recommendation": summary["recommendation"],
        "sysid_columns": [title for _, title, _ in SYSID_COLUMNS],
        "sysid_rows": sysid_rows(summary),
        "control_columns": [title for _, title, _ in CONTROL_COLUMNS],
        "control_rows": control_rows(control) if control else [],
        "control": control,
        "claims": summary["claims"],
        "figures": {
            "learning": learning_curves(summary),
            "free_run": free_run_figure(summary),
            "closed_loop": closed_loop_figure(control),
        },
    }


def render_control(summary: dict[str, Any]) -> str:
    """The report page of a control study's *summary* as an HTML string."""
    return jinja_environment().get_template(TEMPLATE).render(**build_control_context(summary))


def write_control_report(summary: dict[str, Any], path: Path) -> None:
    """Write the self-contained HTML report of *summary* to *path* (UTF-8)."""
    page = render_control(summary)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")
