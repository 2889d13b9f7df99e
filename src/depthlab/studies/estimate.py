"""A rough duration of a study plan, printed before it runs.

From each network's FLOPs per example (PyTorch's counter) and a per-step overhead, with rates
measured on a 2-core machine training MNIST-1D models (bench/README.md); classical models from
the size of the data. An estimate to plan by, not a promise: the bar's ETA refines it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import torch

from depthlab.evaluate.cost import flops_per_example
from depthlab.models.base import build_model
from depthlab.models.pipelines import resolve_features
from depthlab.studies.fitting.data import StudyData, prepared, train_config
from depthlab.studies.plan.job import Job, is_network, split_id
from depthlab.studies.plan.ladder import Plan, tune_trials

FLOPS_PER_SECOND_PER_CORE = 2.6e10  # training, forward + backward counted as 3x the forward
SECONDS_PER_STEP = 6e-4  # Python and dispatch overhead of one optimiser step
SECONDS_PER_JOB = 1.0  # setup, measurements, writing the result


def estimate_seconds(
    plan: Plan, jobs: Sequence[Job], data: StudyData, cores: int, workers: int
) -> float:
    """Wall seconds to run *jobs* of *plan* with *workers* processes on *cores* cores."""
    if not jobs:
        return 0.0
    ds, split, _, _ = prepared(Job("fit", jobs[0].model, 1.0, plan.seeds[0]), data)
    # Each model reads its own features (audio: log-mel for the CNN, MFCC statistics for the
    # baselines): one fitted preprocessor per pipeline.
    fitted: dict[str, Any] = {}
    preps: dict[str, Any] = {}
    for model in sorted({job.model for job in jobs}):
        family = split_id(model)[0] if is_network(model) else model
        name = resolve_features(ds.modality, family, plan.config.features.features).name
        if name not in fitted:
            fitted[name] = prepared(Job("fit", model, 1.0, plan.seeds[0]), data)[3]
        preps[model] = fitted[name]
    flops = {
        model: _flops(model, prep.input_spec(ds.n_classes or 1), prep.pipeline)
        for model, prep in preps.items()
    }
    total = 0.0
    for job in jobs:
        n = math.ceil(len(split.train) * job.fraction)
        if is_network(job.model):
            prep = preps[job.model]
            spec = prep.input_spec(ds.n_classes or 1)
            cfg = train_config(job, plan.config, n, prep.pipeline, spec)
            epochs = cfg.epochs
            steps = epochs * math.ceil(n / cfg.batch_size)
            rate = FLOPS_PER_SECOND_PER_CORE * (job.threads or cores / workers)
            seconds = steps * SECONDS_PER_STEP + 3 * flops[job.model] * n * epochs / rate
        else:
            per = 2e-6 if job.model == "boosting" else 2e-7
            seconds = n * flops[job.model] * max(1, ds.n_classes) * per
        if job.kind == "tune":  # a search: its trials, each a short run of the full data
            seconds *= tune_trials(plan.config)
        total += seconds + SECONDS_PER_JOB
    return total / max(1, min(workers, cores))


def _flops(model: str, spec: Any, pipeline: Any) -> float:
    """FLOPs per example of a network; a classical model's number of input features."""
    if not is_network(model):
        return float(math.prod(spec.shape))
    family, preset = split_id(model)
    net = build_model(family, spec, preset, **pipeline.model_options(family, preset))
    return float(flops_per_example(net, torch.zeros(spec.shape)))
