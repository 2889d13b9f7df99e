"""Training one model of a study job, through the training API (a network with the study's
settings, or a classical baseline with its options), with its cost and the settings it trained
with."""

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

# (the trained model, its cost, the settings it trained with: {"model": ..., "train": ...})
Trained = tuple[Any, dict[str, Any], dict[str, Any]]


def fit_network(
    job: Job,
    config: StudyConfig,
    spec: InputSpec,
    data: Tensors,
    latency: bool,
    pipeline: Features | None = None,
) -> Trained:
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
    cost = {**fitted.cost, "epochs": cfg.epochs, "best_epoch": fitted.result.best_epoch}
    settings = {"model": options, "train": cfg.model_dump(mode="json", exclude={"seed"})}
    return model, cost, settings


def fit_baseline(
    job: Job, config: StudyConfig, spec: InputSpec, data: Tensors, latency: bool
) -> Trained:
    """A classical baseline with the options a search chose for it (none: its defaults)."""
    options = dict(config.tuned.get(job.model, {}).get("model", {}))
    model = make_baseline(job.model, spec, job.seed, options)
    cfg = TrainConfig.model_validate({})
    cost = fit_model(model, data, cfg, cost="full" if latency else "size").cost
    return model, cost, {"model": dict(model.options)}
