"""The search's pictures: the score of every trial with the best so far, and which
hyperparameters mattered (Optuna's default importance evaluator, PED-ANOVA in Optuna 5)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


def save_plots(study: Any, folder: Path, label: str) -> dict[str, str]:
    """Write ``history.png`` and, with at least two completed trials, ``importance.png``;
    return ``{name: file name}`` of those written."""
    import matplotlib

    matplotlib.use("Agg")  # files only: no display is needed, or wanted
    written = {"history": save_history(study, folder / "history.png", label)}
    importance = save_importance(study, folder / "importance.png")
    if importance is not None:
        written["importance"] = importance
    return written


def save_history(study: Any, path: Path, label: str) -> str:
    """Each trial's validation score (pruned ones at their last reported value), and the best
    so far as a step line."""
    import matplotlib.pyplot as plt
    from optuna.study import StudyDirection
    from optuna.trial import TrialState

    maximize = study.direction == StudyDirection.MAXIMIZE
    fig, ax = plt.subplots(figsize=(7, 4))
    complete = [t for t in study.trials if t.state == TrialState.COMPLETE]
    pruned = [t for t in study.trials if t.state == TrialState.PRUNED and t.intermediate_values]
    ax.scatter(
        [t.number for t in complete], [t.value for t in complete], label="completed", zorder=3
    )
    if pruned:
        last = [t.intermediate_values[max(t.intermediate_values)] for t in pruned]
        ax.scatter(
            [t.number for t in pruned], last, marker="x", color="grey", label="pruned (last epoch)"
        )
    best: list[float] = []
    for t in complete:
        value = float(t.value)
        best.append(value if not best else (max if maximize else min)(best[-1], value))
    if complete:
        ax.step([t.number for t in complete], best, where="post", color="C1", label="best so far")
    ax.set_xlabel("trial")
    ax.set_ylabel(label)
    ax.set_title("tuning history")
    ax.legend(loc="best")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path.name


def save_importance(study: Any, path: Path) -> str | None:
    """A bar chart of hyperparameter importances; None (with a notice) when there is too little
    to tell: fewer than two completed trials, or no parameter that varied."""
    import matplotlib.pyplot as plt
    import optuna
    from optuna.trial import TrialState

    complete = [t for t in study.trials if t.state == TrialState.COMPLETE]
    if len(complete) < 2:
        log.warning(
            "importance plot skipped: it needs at least 2 completed trials, got %d", len(complete)
        )
        return None
    try:
        importances = optuna.importance.get_param_importances(study)
    except (RuntimeError, ValueError) as exc:  # e.g. no parameter took two values
        log.warning("importance plot skipped: %s", str(exc).splitlines()[0])
        return None
    if not importances:
        log.warning("importance plot skipped: no hyperparameter varied across completed trials")
        return None
    names = list(importances)[::-1]  # the most important on top
    fig, ax = plt.subplots(figsize=(7, 0.5 * len(names) + 1.5))
    ax.barh(names, [importances[n] for n in names], color="C0")
    ax.set_xlabel("importance (Optuna PED-ANOVA, normalised to sum to 1)")
    ax.set_title(f"hyperparameter importance ({len(complete)} completed trials)")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path.name
