"""Training one model of a study job, through the training API (a network with the study's
settings, or a classical baseline), with its cost."""

from __future__ import annotations

from typing import Any

import torch

from depthlab.config import StudyConfig, TrainConfig
from depthlab.features.registry import Features
from depthlab.features.spec import InputSpec
from depthlab.models.base import build_model
from depthlab.models.baselines import make_baseline
from depthlab.studies.fitting.data import job_spec, train_config
from depthlab.studies.plan.job import Job, split_id
from depthlab.training.fitting import Tensors, fit_model


def fit_network(
    job: Job,
    config: StudyConfig,
    spec: InputSpec,
    data: Tensors,
    latency: bool,
    pipeline: Features | None = None,
) -> tuple[Any, dict[str, Any]]:
    family, preset = split_id(job.model)
    # The pipeline's suggestions for this model (a log-mel CNN pools), the tuned ones, then the
    # variant's.
    shape = (spec, len(data.x_train))
    options = job_spec(job, config, pipeline, shape).options
    if job.variant == "noreg":
        options = {**options, "dropout": 0.0}
    cfg = train_config(job, config, len(data.x_train), pipeline, spec)
    torch.manual_seed(job.seed)
    model = build_model(family, spec, preset, **options)
    fitted = fit_model(model, data, cfg, cost="full" if latency else "size")
    return model, {**fitted.cost, "epochs": cfg.epochs, "best_epoch": fitted.result.best_epoch}


def fit_baseline(
    job: Job, spec: InputSpec, data: Tensors, latency: bool
) -> tuple[Any, dict[str, Any]]:
    model = make_baseline(job.model, spec, job.seed)
    cfg = TrainConfig.model_validate({})
    return model, fit_model(model, data, cfg, cost="full" if latency else "size").cost
