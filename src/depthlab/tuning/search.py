"""A small seeded search kept in a folder, for a search that runs inside a larger job (a depth
study tunes every model of its ladder before it compares them).

The trials live in Optuna's journal file (``trials.log``, appended to as each trial ends), so a
killed search continues where it stopped: finished trials are kept, and a trial left running is
queued to run again with the same values. The first trial is the preset itself, so the search
never ends below it on its own score, and its score is the one a tuned setting is compared with.
TPE is seeded; the same search on the same data picks the same values.

Example:
    >>> space = parse_space({"C": {"low": 0.01, "high": 100.0, "log": True}}, "logistic")
    >>> result = search(Path("tuning/logistic"), space, score_of, trials=4,  # doctest: +SKIP
    ...                 seed=0, start={"C": 1.0}, settings={"data": "iris"})
    >>> result.params  # doctest: +SKIP
    {'C': 3.2}
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from depthlab.errors import ConfigError, require
from depthlab.tuning.space import Space, suggest

log = logging.getLogger(__name__)
JOURNAL = "trials.log"
STUDY_NAME = "depthlab-search"
# Drawn values -> score; None asks for the preset as it is.
Objective = Callable[[dict[str, Any] | None], float]


@dataclass(frozen=True)
class SearchResult:
    """A finished search: the preset's score, the best score and the values that gave it
    (empty when no trial beat the preset)."""

    preset: float | None  # None: the preset's own trial failed
    best: float | None  # None: every trial failed
    params: dict[str, Any] = field(default_factory=dict)
    trial: int | None = None  # the best trial's number (0: the preset)
    complete: int = 0
    failed: int = 0


def search(
    folder: Path,
    space: Space,
    objective: Objective,
    *,
    trials: int,
    seed: int,
    start: dict[str, Any],
    settings: dict[str, Any],
    catch: tuple[type[BaseException], ...] = (),
) -> SearchResult:
    """Run *objective* until *trials* trials have ended (failed ones count: a search's cost is
    bounded) and return the best, higher scores being better. *start* holds the preset's values
    of the searched parameters (recorded with its trial); *settings* say what the search is and
    must match when it continues; an exception in *catch* fails one trial, not the search."""
    require("optuna", "tune")
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = _open(folder, settings, start)
    # A fresh seed per resumption: the same one would repeat the first random draws.
    study.sampler = optuna.samplers.TPESampler(
        seed=seed + len(study.trials), n_startup_trials=max(2, trials // 2)
    )
    while ended(study) < trials:
        trial = study.ask()
        preset = trial.user_attrs.get("preset")
        if preset is not None:  # the preset's own values, recorded; it trains as it is
            names = set(preset)
            suggest(trial, Space(space.family, {k: space.params[k] for k in names}))
            values = None
        else:
            values = suggest(trial, space)
        try:
            value = float(objective(values))
        except catch as exc:
            trial.set_user_attr("error", f"{type(exc).__name__}: {exc}".splitlines()[0])
            study.tell(trial, state=optuna.trial.TrialState.FAIL)
            log.warning("trial %d of %s failed: %s", trial.number, folder, exc)
            continue
        study.tell(trial, value)
    return _result(study)


def ended(study: Any) -> int:
    """Trials that count toward the total: completed, and failed by their objective (a trial
    an interrupted process left unfinished runs again)."""
    from optuna.trial import TrialState

    failed = study.get_trials(deepcopy=False, states=(TrialState.FAIL,))
    complete = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
    return len(complete) + sum("error" in t.user_attrs for t in failed)


def _open(folder: Path, settings: dict[str, Any], start: dict[str, Any]) -> Any:
    """The search in *folder*: created with the preset (*start*) as its first trial, or loaded
    to continue when its settings match; a trial left running is marked failed and queued
    again."""
    import optuna
    from optuna.storages import JournalStorage
    from optuna.storages.journal import JournalFileBackend

    folder.mkdir(parents=True, exist_ok=True)
    storage = JournalStorage(JournalFileBackend(str(folder / JOURNAL)))
    if STUDY_NAME in optuna.study.get_all_study_names(storage):  # loading writes nothing
        study = optuna.load_study(study_name=STUDY_NAME, storage=storage)
    else:
        study = optuna.create_study(storage=storage, study_name=STUDY_NAME, direction="maximize")
    wanted = json.loads(json.dumps(settings))
    before = study.user_attrs.get("settings")
    if before is None:
        study.set_user_attr("settings", wanted)
    elif before != wanted:
        changed = sorted(k for k in set(before) | set(wanted) if before.get(k) != wanted.get(k))
        raise ConfigError(
            f"{folder} holds a search with other settings ({', '.join(changed)}); delete it to "
            "search again"
        )
    if not study.trials:
        study.enqueue_trial(start, user_attrs={"preset": sorted(start)})
    for trial in study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.RUNNING,)):
        study.tell(trial.number, state=optuna.trial.TrialState.FAIL)
        again = start if "preset" in trial.user_attrs else trial.params
        study.enqueue_trial(again, user_attrs=trial.user_attrs)
        log.warning("trial %d of %s was left unfinished; it runs again", trial.number, folder)
    return study


def _result(study: Any) -> SearchResult:
    """The best completed trial (the earliest among equals: the preset wins a tie)."""
    from optuna.trial import TrialState

    complete = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
    preset = next((t for t in complete if "preset" in t.user_attrs), None)
    failed = ended(study) - len(complete)
    if not complete:
        return SearchResult(None, None, failed=failed)
    best = max(complete, key=lambda t: (float(t.value), -t.number))
    chosen = {} if best is preset else dict(best.params)
    return SearchResult(
        preset=None if preset is None else float(preset.value),
        best=float(best.value),
        params=chosen,
        trial=best.number,
        complete=len(complete),
        failed=failed,
    )
