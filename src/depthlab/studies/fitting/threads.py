"""The thread-scaling timing job: training throughput of a network with a number of threads."""

from __future__ import annotations

import os
from typing import Any

import torch

from depthlab.models.base import build_model
from depthlab.studies.fitting.data import StudyData, job_spec, prepared, train_config
from depthlab.studies.plan.job import Job, split_id
from depthlab.training.fitting import Tensors, fit_model


def run_threads(job: Job, data: StudyData) -> dict[str, Any]:
    """Training throughput (examples per second) of *job.model* with *job.threads* threads."""
    ds, _, train, prep = prepared(job, data)
    x = torch.from_numpy(prep.transform(ds.inputs))
    y = torch.from_numpy(prep.transform_targets(ds.targets))
    family, preset = split_id(job.model)
    before = torch.get_num_threads()
    torch.set_num_threads(job.threads)
    try:
        torch.manual_seed(job.seed)
        spec = prep.input_spec(ds.n_classes or 1)
        options = job_spec(job, data.config, prep.pipeline, (spec, len(train))).options
        model = build_model(family, spec, preset, **options)
        cfg = train_config(job, data.config, len(train), prep.pipeline, spec)
        empty = x[:0]
        result = fit_model(model, Tensors(x[train], y[train], empty, y[:0]), cfg).result
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
