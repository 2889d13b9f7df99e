"""Training one model of a study job, through the training API (a network with the study's
settings, or a classical baseline), with its cost."""

from __future__ import annotations

from typing import Any

import torch

from depthlab.config import StudyConfig
from depthlab.features.spec import InputSpec
from depthlab.models.base import build_model
from depthlab.models.baselines import make_baseline
from depthlab.studies.fitting.data import train_config
from depthlab.studies.plan.job import Job, split_id
from depthlab.training import run
from depthlab.training.loop import Tensors


def fit_network(
    job: Job,
    config: StudyConfig,
    spec: InputSpec,
    data: Tensors,
    latency: bool,
    defaults: dict[str, Any] | None = None,
    model_defaults: dict[str, Any] | None = None,
) -> tuple[Any, dict[str, Any]]:
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


def fit_baseline(
    job: Job, spec: InputSpec, data: Tensors, latency: bool
) -> tuple[Any, dict[str, Any]]:
    model = make_baseline(job.model, spec, job.seed)
    return model, run.fit_baseline(model, data, latency=latency)[1]
