"""``dl.tune``: an Optuna search over one family's hyperparameters, kept in a folder.

The folder holds ``tune.db`` (the Optuna study in SQLite: every trial, finished or not),
``best.yaml`` (the best trial as a config ``depthlab train --config`` accepts), ``best.json`` (the
same with its score and the search's facts), ``importance.png`` and ``history.png``. Running the
same search again continues it: finished trials are kept, and a trial left running by a killed
process is marked failed and queued to run again.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from depthlab.config import TrainSpec
from depthlab.data.dataset import Dataset
from depthlab.data.load import load_dataset
from depthlab.errors import ConfigError, require
from depthlab.evaluate.tasks import primary_metric, task_info
from depthlab.models.base import get_family
from depthlab.progress import enabled
from depthlab.training.loop import TrainingError
from depthlab.training.record import write_json
from depthlab.tuning.objective import PruningHook, TrialRequest, finished, run_trial
from depthlab.tuning.plots import save_plots
from depthlab.tuning.ray_search import run_search_ray
from depthlab.tuning.space import (
    Space,
    default_space,
    load_space,
    parse_space,
    split_values,
    starting_point,
    suggest,
)

log = logging.getLogger(__name__)
STUDY_NAME = "depthlab-tune"
DB_FILE = "tune.db"


@dataclass
class TuneResult:
    """A finished (or stopped) search: the best trial's settings and where they were written.

    Example:
        >>> import depthlab as dl
        >>> result = dl.tune("iris", dl.TrainSpec(model="mlp"), out="tune/iris")  # doctest: +SKIP
        >>> run = dl.train("iris", result.spec())  # doctest: +SKIP
    """

    best: dict[str, Any]  # what best.json holds
    folder: Path

    @property
    def value(self) -> float:
        return float(self.best["value"])

    def spec(self) -> TrainSpec:
        """The best trial as a spec for :func:`depthlab.train` (lay your own settings over it
        with :meth:`TrainSpec.over <depthlab.config.TrainSpec.over>`)."""
        return TrainSpec(
            model=self.best["family"],
            preset=self.best["preset"],
            options=dict(self.best["model"]),
            train=dict(self.best["train"]),
        )


def tune(
    data: str | Path | Dataset,
    spec: TrainSpec | None = None,
    *,
    trials: int = 20,
    timeout: float | None = None,
    space: str | Path | dict[str, Any] | None = None,
    out: str | Path = "tune",
    executor: str = "local",
    ray_address: str | None = None,
) -> TuneResult:
    """Search the hyperparameters of *spec*'s model on *data* with Optuna (seeded TPE, median
    pruning on the validation metric per epoch) until *trials* trials have finished in total,
    or *timeout* seconds have passed in this call.

    *space* is a YAML path or a mapping (default: the family's, see
    :func:`~depthlab.tuning.space.default_space`); the training settings *spec* sets are fixed
    settings every trial shares (``epochs``...), and its seed seeds the sampler, the split and
    the weights. Every trial trains on the same seeded split and initial weights and is scored
    on the validation part; the test part is never looked at. *executor* ``ray`` runs trials as
    Ray tasks, as many at once as the cluster at *ray_address* has CPUs, without pruning (see
    :mod:`depthlab.tuning.ray_search`).

    Example:
        >>> import depthlab as dl
        >>> spec = dl.TrainSpec(model="mlp", preset="deep")
        >>> result = dl.tune("mnist1d", spec, trials=30, out="tune/mlp")  # doctest: +SKIP
        >>> result.best["model"]["width"]  # doctest: +SKIP
        512
    """
    require("optuna", "tune")
    import optuna

    spec = spec or TrainSpec()
    _check(spec, executor, trials, timeout)
    searched = _space(space, spec.model, spec.preset)
    # Loaded once: every trial trains on this same object (no reading per trial).
    options = spec.data.model_dump(exclude_unset=True)
    ds = data if isinstance(data, Dataset) else load_dataset(data, **options)
    folder = Path(out)
    if folder.exists() and not folder.is_dir():
        raise ConfigError(f"--out {folder} is a file; give a folder for the search")
    folder.mkdir(parents=True, exist_ok=True)
    settings = _settings(data, ds, spec, searched)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    seed = spec.train.seed
    study = open_study(folder, task_info(ds.task).direction, settings, seed)
    if not study.trials:  # a new search starts from the preset (the default to beat)
        start = starting_point(searched, spec.preset)
        if start:
            study.enqueue_trial(start)
    # The data options served to load it; the loaded data travels with the request.
    request = TrialRequest(ds, TrainSpec(**{**spec.given(), "data": {}}))
    preset_options = dict(get_family(spec.model).presets[spec.preset])
    metric = primary_metric(ds.task)

    def draw(trial: Any) -> tuple[dict[str, Any], dict[str, Any]]:
        return split_values(suggest(trial, searched), searched, preset_options)

    def objective(trial: optuna.Trial) -> float:
        model_opts, train_opts = draw(trial)
        outcome = run_trial(
            dataclasses.replace(request, model_options=model_opts, train_options=train_opts),
            on_epoch=[PruningHook(trial, metric)],
        )
        trial.set_user_attr("model", outcome.model)
        trial.set_user_attr("train", outcome.train)
        trial.set_user_attr("seconds", outcome.seconds)
        return outcome.value

    if executor == "ray":
        with trial_bar(trials, finished(study), enabled()) as advance:
            run_search_ray(study, draw, request, trials, timeout, ray_address, advance)
    else:
        run_search(study, objective, trials, timeout)
    return finish(folder, study, settings, metric)


def _check(spec: TrainSpec, executor: str, trials: int, timeout: float | None) -> None:
    if executor not in ("local", "ray"):
        raise ConfigError(f"--executor takes local or ray, not '{executor}'")
    if trials < 1:
        raise ConfigError(f"--trials must be at least 1, got {trials}")
    if timeout is not None and timeout <= 0:
        raise ConfigError(f"--timeout must be a positive number of seconds, got {timeout}")
    family = get_family(spec.model)
    if spec.preset not in family.presets:
        raise ConfigError(
            f"unknown preset '{spec.preset}' for '{spec.model}'; presets: "
            f"{', '.join(family.presets)}"
        )


def _settings(
    data: str | Path | Dataset, ds: Dataset, spec: TrainSpec, searched: Space
) -> dict[str, Any]:
    """What a search is (recorded with it, compared when it continues)."""
    fixed = spec.given().get("train", {})
    return {
        "data": ds.name if isinstance(data, Dataset) else str(data),
        "model": spec.model,
        "preset": spec.preset,
        "seed": spec.train.seed,
        "space": searched.to_dict(),
        "train_options": {k: v for k, v in fixed.items() if k != "seed"},
        "data_options": spec.data.model_dump(mode="json", exclude_unset=True),
        "feature_options": spec.features.model_dump(mode="json", exclude_unset=True),
        "split": spec.split.strategy,
    }


def _space(space: str | Path | dict[str, Any] | None, model: str, preset: str) -> Space:
    if space is None:
        return parse_space(default_space(model, preset), model, "the default search space")
    if isinstance(space, dict):
        return parse_space(space, model)
    return load_space(space, model)


def open_study(folder: Path, direction: str, settings: dict[str, Any], seed: int) -> Any:
    """The search in ``folder/tune.db``: created, or loaded to continue when its settings match.

    Trials left RUNNING (the process was killed) are marked failed and queued again.
    """
    import optuna

    storage = f"sqlite:///{(folder / DB_FILE).resolve()}"
    existing = optuna.study.get_all_study_names(storage) if (folder / DB_FILE).is_file() else []
    before = None
    if STUDY_NAME in existing:
        loaded = optuna.load_study(study_name=STUDY_NAME, storage=storage)
        before = loaded.user_attrs.get("settings")
        if before is not None and before != json.loads(json.dumps(settings)):
            changed = sorted(
                k for k in settings if before.get(k) != json.loads(json.dumps(settings[k]))
            )
            raise ConfigError(
                f"{folder} holds a search with other settings ({', '.join(changed)}); run the "
                "same command to continue it, or choose another --out"
            )
        done = len(loaded.trials)
    else:
        done = 0
    study = optuna.create_study(
        storage=storage,
        study_name=STUDY_NAME,
        direction=direction,  # type: ignore[arg-type]
        load_if_exists=True,
        # A fresh seed per resumption: the same one would repeat the first random trials.
        sampler=optuna.samplers.TPESampler(seed=seed + done, n_startup_trials=5),
        pruner=optuna.pruners.MedianPruner(n_startup_trials=4, n_warmup_steps=2),
    )
    if before is None:
        study.set_user_attr("settings", settings)
    for trial in study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.RUNNING,)):
        study.tell(trial.number, state=optuna.trial.TrialState.FAIL)
        study.enqueue_trial(trial.params)
        log.warning(
            "trial %d was left unfinished by an interrupted search; it runs again", trial.number
        )
    return study


def run_search(study: Any, objective: Any, trials: int, timeout: float | None) -> None:
    """Run trials until *trials* have finished in total or *timeout* seconds have passed; a
    round in which every trial fails ends the search (a loss that always diverges)."""
    started = time.perf_counter()
    with trial_bar(trials, finished(study), enabled()) as advance, quiet_training():
        while (left := trials - finished(study)) > 0:
            remaining = None if timeout is None else timeout - (time.perf_counter() - started)
            if remaining is not None and remaining <= 0:
                log.info("search stopped by --timeout with %d of %d trials", trials - left, trials)
                break
            before = finished(study)
            study.optimize(
                objective,
                n_trials=left,
                timeout=remaining,
                catch=(TrainingError,),
                callbacks=[lambda s, t: advance(finished(s))],
            )
            if finished(study) == before:
                log.warning("every trial of the last round failed; see %s", "tune.db")
                break


@contextlib.contextmanager
def trial_bar(total: int, done: int, show: bool) -> Iterator[Any]:
    """A progress bar over trials (the trials' own epoch bars are silenced)."""
    if not show:
        yield lambda count: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("tuning"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), transient=True
    ) as progress:
        task = progress.add_task("tune", total=total, completed=done)
        yield lambda count: progress.update(task, completed=count)


@contextlib.contextmanager
def quiet_training() -> Iterator[None]:
    """No epoch bars while trials run: one live display at a time (the trial bar)."""
    before = os.environ.get("DEPTHLAB_QUIET")
    os.environ["DEPTHLAB_QUIET"] = "1"
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("DEPTHLAB_QUIET", None)
        else:
            os.environ["DEPTHLAB_QUIET"] = before


def finish(folder: Path, study: Any, settings: dict[str, Any], metric: str) -> TuneResult:
    """Write best.yaml, best.json and the plots; the best trial as a :class:`TuneResult`."""
    from optuna.trial import TrialState

    complete = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
    if not complete:
        raise ConfigError(
            f"no trial of the search in {folder} finished (see {folder / DB_FILE}); run the same "
            "command again with more --trials or a longer --timeout"
        )
    best = study.best_trial
    counts = {
        state.name.lower(): len(study.get_trials(deepcopy=False, states=(state,)))
        for state in (TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL)
    }
    summary = {
        "data": settings["data"],
        "model": best.user_attrs["model"],
        "train": best.user_attrs["train"],
        "family": settings["model"],
        "preset": settings["preset"],
        "metric": f"val_{metric}",
        "value": best.value,
        "trial": best.number,
        "params": best.params,
        "trials": counts,
        "space": settings["space"],
        "command": train_command(settings, folder),
    }
    write_best_yaml(folder / "best.yaml", summary)
    write_json(folder / "best.json", summary)
    summary["plots"] = save_plots(study, folder, f"validation {metric}")
    write_json(folder / "best.json", summary)
    return TuneResult(summary, folder)


def write_best_yaml(path: Path, best: dict[str, Any]) -> None:
    """Training settings at the top level, the model's options under ``model:``."""
    import yaml

    header = (
        f"# best of a depthlab tune search: val {best['metric'][4:]} {best['value']:.4f} "
        f"(trial {best['trial']})\n# {best['command']}\n"
    )
    body = yaml.safe_dump({**best["train"], "model": best["model"]}, sort_keys=False)
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(header + body, encoding="utf-8")
    os.replace(partial, path)


def train_command(settings: dict[str, Any], folder: Path) -> str:
    return (
        f"depthlab train --data {settings['data']} --model {settings['model']} "
        f"--preset {settings['preset']} --config {folder / 'best.yaml'}"
    )
