"""What one study job does, in whatever process runs it: train a model on a fraction of one seed's
training split and measure it; or time training with a number of threads.

Jobs share nothing but the dataset, which each process loads once. A job returns a plain,
JSON-able dict; a failure (a diverged loss, a model that does not fit) is a result too, with its
reason, so the study goes on.
"""

from __future__ import annotations

import logging
import math
import os
import time
import traceback
from dataclasses import dataclass
from typing import Any

import numpy as np

from depthlab.config import StudyConfig, TrainConfig, parse_config
from depthlab.data.dataset import Dataset
from depthlab.errors import DepthlabError
from depthlab.studies.plan import QUICK_EPOCHS, Job, is_network, split_id

log = logging.getLogger(__name__)

# The metric every study ranks by: higher is better for both.
METRIC = {"classification": "accuracy", "regression": "r2", "forecasting": "r2"}
# Every network trains for at least this many optimiser steps: a small training fraction gets
# more epochs, so that it is not starved of updates (its epochs are short).
MIN_STEPS = 300
QUICK_MIN_STEPS = 120
THREAD_EPOCHS = 2  # a thread-scaling job times this many epochs on the full training set


# Datasets loaded in this process, by source and options: a worker loads its data once.
_LOADED: dict[str, Dataset] = {}


@dataclass(frozen=True)
class StudyData:
    """Where the study's data comes from (cheap to send to a worker), and the study settings."""

    source: str
    config: StudyConfig

    def dataset(self) -> Dataset:
        from depthlab.data.load import load_dataset

        options = self.config.data.model_dump(exclude_unset=True)
        key = f"{self.source}|{sorted(options.items())}"
        if key not in _LOADED:
            _LOADED[key] = load_dataset(self.source, **options)
        return _LOADED[key]


def subsample(train: np.ndarray, fraction: float, seed: int, recent: bool = False) -> np.ndarray:
    """The first *fraction* of a seeded permutation of *train*: smaller fractions are subsets of
    larger ones, so a learning curve adds data rather than swapping it. With *recent* (series
    windows), the latest *fraction* instead: a shorter history, since random windows overlap and
    would still cover nearly every training step."""
    if fraction >= 1.0:
        return train
    keep = max(2, math.ceil(fraction * len(train)))
    if recent:
        return train[-keep:]
    order = np.random.Generator(np.random.PCG64([seed, 7919])).permutation(len(train))
    return np.sort(train[order[:keep]])


def train_config(
    job: Job,
    config: StudyConfig,
    n_train: int | None = None,
    defaults: dict[str, Any] | None = None,
) -> TrainConfig:
    """The training settings of *job*: the family's preset, then the feature pipeline's
    *defaults* (small batches for short series), then the study's budget."""
    from depthlab.models.base import get_family

    family, preset = split_id(job.model)
    values: dict[str, Any] = {
        **get_family(family).train_presets.get(preset, {}),
        **(defaults or {}),
        # A tuned configuration (study --tuned) wins over the preset; the study's budget still
        # applies (--epochs, --quick), so every model of the study trains alike.
        **config.tuned.get(job.model, {}).get("train", {}),
    }
    epochs = config.epochs or values.get("epochs", TrainConfig.model_fields["epochs"].default)
    if config.quick and config.epochs is None:
        epochs = min(epochs, QUICK_EPOCHS)
    if job.kind == "threads":
        epochs = THREAD_EPOCHS
    elif n_train:
        batch = values.get("batch_size", TrainConfig.model_fields["batch_size"].default)
        least = QUICK_MIN_STEPS if config.quick else MIN_STEPS
        epochs = max(epochs, math.ceil(least / math.ceil(n_train / batch)))
    values.update(
        epochs=epochs, seed=job.seed, device=job.device if job.kind == "threads" else "cpu"
    )
    if job.variant == "noreg":
        values["weight_decay"] = 0.0
    return parse_config(TrainConfig, values)


def run_job(job: Job, data: StudyData) -> dict[str, Any]:
    """Run *job*; never raises for a failure of the job itself (it is returned as a result)."""
    started = time.perf_counter()
    try:
        if job.kind == "transfer":
            from depthlab.studies.transfer import run_transfer

            result = run_transfer(job, data)
        else:
            result = run_threads(job, data) if job.kind == "threads" else run_fit(job, data)
        status = "done"
    except (DepthlabError, ValueError, RuntimeError, FloatingPointError) as exc:
        result = {"error": f"{type(exc).__name__}: {exc}".splitlines()[0]}
        log.debug("job %s failed:\n%s", job.key, traceback.format_exc())
        status = "diverged" if "loss became" in str(exc) else "failed"
    return {"status": status, "seconds": time.perf_counter() - started, **result}


def prepared(job: Job, data: StudyData) -> tuple[Dataset, Any, np.ndarray, Any]:
    """The dataset, its split for this seed, the training indices of this fraction, and a
    preprocessor fitted on them."""
    from depthlab.data.splits import split_dataset
    from depthlab.training.preprocess import Preprocessor, examples_for

    family = split_id(job.model)[0] if is_network(job.model) else job.model
    options = data.config.features
    ds = examples_for(data.dataset(), family, options)
    split = split_dataset(ds, seed=job.seed, strategy=data.config.split)
    train = subsample(split.train, job.fraction, job.seed, recent=ds.task == "forecasting")
    return ds, split, train, Preprocessor.fit(ds, train, family, options)


def run_fit(job: Job, data: StudyData) -> dict[str, Any]:
    import torch

    from depthlab.models.base import DepthModel
    from depthlab.studies.measure import measure_extras, score
    from depthlab.studies.pictures import picture
    from depthlab.training.loop import Tensors

    ds, split, train, prep = prepared(job, data)
    x = prep.transform(ds.inputs)  # (N, ...) float32
    y = prep.transform_targets(ds.targets)
    spec = prep.input_spec(ds.n_classes or 1)
    top = job.fraction == max(data.config.fractions) or job.fraction == 1.0
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    tensors = Tensors(xt[train], yt[train], xt[split.val], yt[split.val])
    measure_latency = top and not job.variant  # a model's latency: once, on the full data
    if is_network(job.model):
        defaults = prep.pipeline.train_defaults
        suggested = prep.pipeline.model_options(*split_id(job.model))
        model, cost = fit_network(
            job, data.config, spec, tensors, measure_latency, defaults, suggested
        )
    else:
        model, cost = fit_baseline(job, spec, tensors, measure_latency)
    result: dict[str, Any] = {
        "n_train": len(train),
        "train": score(model, ds, prep, x[train], ds.targets[train]),
        "test": score(model, ds, prep, x[split.test], ds.targets[split.test]),
        "cost": cost,
    }
    if top and not job.variant:
        extras = measure_extras(model, ds, prep, x, y, train, split.test, data.config)
        result.update(extras)
        if job.seed == 0:
            result["mistakes"] = picture(model, ds, prep, x, split.test)
    result["depth"] = model.depth() if isinstance(model, DepthModel) else 0
    result["tuned"] = job.model in data.config.tuned
    result["features"] = prep.features
    result["engineered"] = prep.pipeline.engineered
    return result


def fit_network(
    job: Job,
    config: StudyConfig,
    spec: Any,
    data: Any,
    latency: bool,
    defaults: dict[str, Any] | None = None,
    model_defaults: dict[str, Any] | None = None,
) -> tuple[Any, dict[str, Any]]:
    import torch

    from depthlab.models.base import build_model
    from depthlab.training import run

    family, preset = split_id(job.model)
    # The pipeline's suggestions for this model (a log-mel CNN pools), then the variant's.
    options = {
        **(model_defaults or {}),
        **config.tuned.get(job.model, {}).get("model", {}),
        **({"dropout": 0.0} if job.variant == "noreg" else {}),
    }
    cfg = train_config(job, config, len(data.x_train), defaults)
    torch.manual_seed(job.seed)
    model = build_model(family, spec, preset, **options)
    result, cost = run.fit_network(model, data, cfg, spec.task, latency=latency)
    return model, {**cost, "epochs": cfg.epochs, "best_epoch": result.best_epoch}


def fit_baseline(job: Job, spec: Any, data: Any, latency: bool) -> tuple[Any, dict[str, Any]]:
    from depthlab.models.baselines import make_baseline
    from depthlab.training import run

    model = make_baseline(job.model, spec, job.seed)
    return model, run.fit_baseline(model, data, latency=latency)[1]


def run_threads(job: Job, data: StudyData) -> dict[str, Any]:
    """Training throughput (examples per second) of *job.model* with *job.threads* threads."""
    import torch

    from depthlab.models.base import build_model
    from depthlab.training.loop import Tensors, fit

    ds, _, train, prep = prepared(job, data)
    x = torch.from_numpy(prep.transform(ds.inputs))
    y = torch.from_numpy(prep.transform_targets(ds.targets))
    family, preset = split_id(job.model)
    before = torch.get_num_threads()
    torch.set_num_threads(job.threads)
    try:
        torch.manual_seed(job.seed)
        spec = prep.input_spec(ds.n_classes or 1)
        options = {
            **prep.pipeline.model_options(family, preset),
            **data.config.tuned.get(job.model, {}).get("model", {}),
        }
        model = build_model(family, spec, preset, **options)
        cfg = train_config(job, data.config, defaults=prep.pipeline.train_defaults)
        empty = x[:0]
        result = fit(model, Tensors(x[train], y[train], empty, y[:0]), cfg, spec.task)
    finally:
        torch.set_num_threads(before)
    examples = len(train) * cfg.epochs
    return {
        "threads": job.threads,
        "device": job.device,
        "train_seconds": result.train_seconds,
        "examples_per_second": examples / max(result.train_seconds, 1e-9),
        "cpu_count": os.cpu_count(),
    }
