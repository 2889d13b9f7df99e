"""A rough duration of a study plan, printed before it runs.

From each network's FLOPs per example (PyTorch's counter) and a per-step overhead, with rates
measured on a 2-core machine training MNIST-1D models (bench/README.md); classical models from
the size of the data. An estimate to plan by, not a promise: the bar's ETA refines it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import torch

from depthlab.evaluate.cost import flops_per_example
from depthlab.models.base import build_model
from depthlab.models.pipelines import resolve_features
from depthlab.studies.fitting.data import StudyData, job_features, prepared, train_config
from depthlab.studies.plan.job import Job, is_network, split_id
from depthlab.studies.plan.ladder import Plan, tune_trials

FLOPS_PER_SECOND_PER_CORE = 2.6e10  # training, forward + backward counted as 3x the forward
SECONDS_PER_STEP = 6e-4  # Python and dispatch overhead of one optimiser step
SECONDS_PER_JOB = 1.0  # setup, measurements, writing the result


def parallel(seconds: Iterable[float], cores: int, workers: int) -> float:
    """Wall seconds of jobs taking *seconds* each, shared by *workers* processes."""
    return sum(seconds) / max(1, min(workers, cores))


def job_seconds(
    plan: Plan, jobs: Sequence[Job], data: StudyData, cores: int, workers: int
) -> dict[Job, float]:
    """Seconds of each of *jobs* in one of *workers* processes on *cores* cores."""
    if not jobs:
        return {}
    ds, split, _, _ = prepared(Job("fit", jobs[0].model, 1.0, plan.seeds[0]), data)
    # Each model reads its own features (audio: log-mel for the CNN, MFCC statistics for the
    # baselines; a fine-tuned encoder its tokenizer's ids): one fitted preprocessor per pipeline.
    fitted: dict[str, Any] = {}
    preps: dict[str, Any] = {}
    for job in sorted({Job("fit", j.model, variant=j.variant) for j in jobs}, key=str):
        family = split_id(job.model)[0] if is_network(job.model) else job.model
        features = job_features(job, plan.config).features
        name = resolve_features(ds.modality, family, features).name
        if name not in fitted:
            fitted[name] = prepared(replace(job, seed=plan.seeds[0]), data)[3]
        preps[job.name] = fitted[name]
    n_outputs = ds.n_classes or 1
    flops = {
        name: _flops(name.partition("+")[0], prep, n_outputs, ds.subset(split.train).inputs)
        for name, prep in preps.items()
    }
    out: dict[Job, float] = {}
    for job in jobs:
        n = math.ceil(len(split.train) * job.fraction)
        if is_network(job.model):
            prep = preps[job.name]
            spec = prep.input_spec(ds.n_classes or 1)
            cfg = train_config(job, plan.config, n, prep.pipeline, spec)
            epochs = cfg.epochs
            steps = epochs * math.ceil(n / cfg.batch_size)
            rate = FLOPS_PER_SECOND_PER_CORE * (job.threads or cores / workers)
            seconds = steps * SECONDS_PER_STEP + 3 * flops[job.name] * n * epochs / rate
        else:
            per = 2e-6 if job.model == "boosting" else 2e-7
            seconds = n * flops[job.name] * max(1, ds.n_classes) * per
        if job.kind == "tune":  # a search: its trials, each a short run of the full data
            seconds *= tune_trials(plan.config)
        out[job] = seconds + SECONDS_PER_JOB
    return out


def _flops(model: str, prep: Any, n_outputs: int, train_inputs: Any) -> float:
    """FLOPs per example of a network; a classical model's number of input features."""
    spec = prep.input_spec(n_outputs)
    if not is_network(model):
        return float(math.prod(spec.shape))
    family, preset = split_id(model)
    net = build_model(family, spec, preset, **prep.pipeline.model_options(family, preset))
    return float(flops_per_example(net, _example(prep, spec, train_inputs)))


def _example(prep: Any, spec: Any, train_inputs: Any) -> torch.Tensor:
    """The example to count FLOPs on: zeros of the input's shape, or for a pretrained encoder's
    token ids (whose batches are cut to their longest text), a long training text's ids (the
    90th percentile of lengths, about the longest of a batch of 16)."""
    if spec.kind != "tokens" or not spec.pretrained:
        return torch.zeros(spec.shape)
    ids = prep.transform(train_inputs)  # (N, L) int64
    lengths = (ids != int(prep.stats.get("pad", 0))).sum(axis=1)
    row = int(np.argsort(lengths)[int(0.9 * (len(lengths) - 1))])
    return torch.from_numpy(ids[row])
