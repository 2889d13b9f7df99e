"""What every fitting job starts from: the study's data (loaded once per process), the training
indices of a job's fraction, a preprocessor fitted on them, and the job's training settings."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from depthlab.config import FeatureConfig, StudyConfig, TrainConfig, TrainSpec
from depthlab.config_io import parse_config
from depthlab.data.dataset import Dataset
from depthlab.data.load import load_dataset
from depthlab.data.splits import Split, split_dataset
from depthlab.features.registry import Features
from depthlab.features.spec import InputSpec
from depthlab.studies.plan.job import FINE_TUNE, Job, is_network, split_id
from depthlab.training.preprocess import Preprocessor, examples_for
from depthlab.training.spec import resolve

# A network's cap on epochs allows at least this many optimiser steps: a small training
# fraction's epochs are short, and it should not hit the cap before it converges.
MIN_STEPS = 300
THREAD_EPOCHS = 2  # a thread-scaling job times this many epochs on the full training set
# The features of a fine-tuning job: the sentence encoder's own token ids (depthlab train
# --fine-tune's; depthlab.features.encoder_tokens).
FINE_TUNE_FEATURES = "encoder-tokens"


# Datasets loaded in this process, by source and options: a worker loads its data once.
_LOADED: dict[str, Dataset] = {}


@dataclass(frozen=True)
class StudyData:
    """Where the study's data comes from (cheap to send to a worker), the study settings, and
    the study's folder (where searches keep their trials)."""

    source: str
    config: StudyConfig
    folder: str | None = None

    def dataset(self) -> Dataset:
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


def job_spec(
    job: Job,
    config: StudyConfig,
    pipeline: Features | None = None,
    shape: tuple[InputSpec, int] | None = None,
) -> TrainSpec:
    """The model and training settings of a network *job* before the study's budget: the
    family's preset, then what the feature *pipeline* suggests (small batches for short series,
    pooling for a log-mel CNN), then a tuned configuration (study --tuned), through the one
    precedence of :func:`depthlab.training.spec.resolve`; the preset sized to *shape* (input spec,
    training examples of the job's fraction) when given."""
    family, preset = split_id(job.model)
    # A search tuned the frozen encoder's head, not the fine-tuning recipe.
    tuned = {} if job.variant == FINE_TUNE else config.tuned.get(job.model, {})
    layer = TrainSpec(train=tuned.get("train", {}), options=tuned.get("model", {}))
    return resolve(
        TrainSpec(model=family, preset=preset), tuned=layer, pipeline=pipeline, shape=shape
    )


def train_config(
    job: Job,
    config: StudyConfig,
    n_train: int | None = None,
    pipeline: Features | None = None,
    input_spec: InputSpec | None = None,
) -> TrainConfig:
    """The training settings of *job* (:func:`job_spec`), then the study's budget: every network
    trains until converged under its cap of epochs (the study's --epochs when given, for every
    model alike), the same with --quick."""
    shape = (input_spec, n_train) if input_spec is not None and n_train else None
    values = job_spec(job, config, pipeline, shape).train
    epochs = config.epochs or values.epochs
    if job.kind == "threads":
        epochs = THREAD_EPOCHS
    elif job.variant == FINE_TUNE:  # its recipe's few epochs; the study's --epochs only cuts
        epochs = min(epochs, values.epochs)
    elif n_train:
        epochs = max(epochs, math.ceil(MIN_STEPS / math.ceil(n_train / values.batch_size)))
    if job.kind == "tune":  # a search's trial: its share of the cap of the run it stands for
        epochs = max(1, math.ceil(epochs * config.tune_budget))
    budget: dict[str, Any] = {
        "epochs": epochs,
        "seed": job.seed,
        "device": job.device if job.kind == "threads" else "cpu",
    }
    if job.variant == "noreg":
        budget["weight_decay"] = 0.0
    return parse_config(TrainConfig, {**values.model_dump(), **budget})


def prepared(job: Job, data: StudyData) -> tuple[Dataset, Split, np.ndarray, Preprocessor]:
    """The dataset, its split for this seed, the training indices of this fraction, and a
    preprocessor fitted on them."""
    family = split_id(job.model)[0] if is_network(job.model) else job.model
    options = job_features(job, data.config)
    ds = examples_for(data.dataset(), family, options)
    split = split_dataset(ds, seed=job.seed, strategy=data.config.split)
    train = subsample(split.train, job.fraction, job.seed, recent=ds.task == "forecasting")
    return ds, split, train, Preprocessor.fit(ds, train, family, options)


def job_features(job: Job, config: StudyConfig) -> FeatureConfig:
    """The study's feature options for *job*; a fine-tuning job reads the encoder's token ids."""
    if job.variant == FINE_TUNE:
        return config.features.model_copy(update={"features": FINE_TUNE_FEATURES})
    return config.features
