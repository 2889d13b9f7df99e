"""The search of one model's settings before a study compares the models (``study --tune N``).

Every model of the ladder, classical ones included, gets the same effort: *N* trials of a seeded
search (:mod:`depthlab.tuning.search`, the family's default space of
:mod:`depthlab.tuning.space`), the preset first, each trained as the study's run of seed 0 on
the full training set would be, for ``tune_budget`` of its epochs, and scored by the study's
metric on the validation part of seed 0's split (the test part is never looked at). The study
then trains every job of that model with the best trial's values: the protocol of the tabular
deep-learning benchmarks (Grinsztajn et al. 2022), where no family is compared at its defaults
against another's tuned form.

The trials are kept in the study folder (``tuning/<model>/trials.log``): a study killed while
it tunes continues its searches without training a finished trial again.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import torch

from depthlab.errors import ConfigError, DepthlabError
from depthlab.evaluate.tasks import TASKS
from depthlab.studies.fitting.data import StudyData, job_spec, prepared, train_config
from depthlab.studies.fitting.train import fit_baseline, fit_network
from depthlab.studies.measurement.scores import score
from depthlab.studies.plan.job import Job, is_network, split_id
from depthlab.studies.plan.ladder import tune_trials
from depthlab.training.fitting import Tensors
from depthlab.tuning.search import search
from depthlab.tuning.space import default_space, parse_space, point_of, split_values

TUNING = "tuning"  # the study folder's sub-folder of searches
# A trial that fails (a loss that diverges, settings a model refuses) fails alone.
TRIAL_ERRORS = (DepthlabError, ValueError, RuntimeError, FloatingPointError)


def search_folder(study: str | Path, model: str) -> Path:
    """Where *model*'s search keeps its trials: ``tuning/mlp-deep`` for ``mlp:deep``."""
    return Path(study) / TUNING / re.sub(r"[^A-Za-z0-9_.-]+", "-", model)


def run_tune(job: Job, data: StudyData) -> dict[str, Any]:
    """Search *job.model*'s settings; the result's ``tuning`` says what the study trains with."""
    if data.folder is None:
        raise ConfigError("a study's search keeps its trials in the study folder; none was given")
    config = data.config
    started = time.process_time()  # CPU seconds: the search's cost, whatever else runs
    ds, split, train, prep = prepared(job, data)
    x = prep.transform(ds.inputs)  # (N, ...) float32
    xt, yt = torch.from_numpy(x), torch.from_numpy(prep.transform_targets(ds.targets))
    tensors = Tensors(xt[train], yt[train], xt[split.val], yt[split.val])
    spec = prep.input_spec(ds.n_classes or 1)
    network = is_network(job.model)
    family, preset = split_id(job.model) if network else (job.model, "")
    space = parse_space(default_space(family, preset), family, "the default search space")
    if network:  # the settings the study's run would train with: the search starts there
        base = job_spec(job, config, prep.pipeline, (spec, len(train)))
        options, settings = base.options, base.train.model_dump()
    else:
        options, settings = {}, {}
    metric = TASKS[ds.task].study_metric

    def objective(values: dict[str, Any] | None) -> float:
        model_options, train_options = split_values(values or {}, space, options)
        trial = config.model_copy(
            update={"tuned": {job.model: {"model": model_options, "train": train_options}}}
        )
        if network:
            model = fit_network(job, trial, spec, tensors, False, prep.pipeline)[0]
        else:
            model = fit_baseline(job, trial, spec, tensors, False)[0]
        return float(score(model, ds, prep, x[split.val], ds.targets[split.val])[metric])

    trials = tune_trials(config)
    found = search(
        search_folder(data.folder, job.model),
        space,
        objective,
        trials=trials,
        seed=job.seed,
        start=point_of(space, options, settings),
        settings=_what(job, data, space.to_dict()),
        catch=TRIAL_ERRORS,
    )
    model_options, train_options = split_values(found.params, space, options)
    chosen = {k: v for k, v in (("model", model_options), ("train", train_options)) if v}
    epochs = train_config(job, config, len(train), prep.pipeline, spec).epochs if network else None
    return {
        "tuning": {
            "metric": metric,
            "trials": trials,
            "complete": found.complete,
            "failed": found.failed,
            "epochs": epochs,
            "preset": found.preset,
            "best": found.best,
            "params": found.params,
            "chosen": chosen,
            "cpu_seconds": time.process_time() - started,
        }
    }


def _what(job: Job, data: StudyData, space: dict[str, Any]) -> dict[str, Any]:
    """What a search is: it continues only under the same settings."""
    config = data.config
    return {
        "data": data.source,
        "model": job.model,
        "seed": job.seed,
        "space": space,
        "budget": config.tune_budget,
        "epochs": config.epochs,
        "quick": config.quick,
        "features": config.features.model_dump(mode="json", exclude_unset=True),
        "data_options": config.data.model_dump(mode="json", exclude_unset=True),
        "split": config.split,
    }
