"""The study's transfer row, run: pretrain on a source task, fine-tune on k target examples per
class, and compare with the same network trained from scratch on those k examples.

One job per network and seed (:func:`depthlab.studies.plan.recipes.transfer_jobs`) pretrains
once, then, for each k of ``transfer_shots``, trains a fine-tuned copy (every layer trainable;
the head at the study's learning rate, the pretrained layers at :data:`FINE_TUNE_LR_RATIO` of
it) and a scratch copy with the same budget on the same k examples per class, and scores both on
the same held-out target examples (every target example not drawn for the largest k). Inputs
are prepared with the source's feature statistics for both, as ``depthlab train --init-from
RUN`` does, so the two differ in their starting weights alone.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import torch

from depthlab.config import StudyConfig
from depthlab.data.dataset import Dataset
from depthlab.data.splits import split_dataset
from depthlab.errors import ConfigError
from depthlab.evaluate.outputs import outputs
from depthlab.models.base import build_model
from depthlab.studies.fitting.data import StudyData, job_spec, subsample, train_config
from depthlab.studies.plan.job import Job, split_id
from depthlab.studies.plan.recipes import recipe_for, shots_of
from depthlab.training.fitting import Tensors, fit_model
from depthlab.training.preprocess import Preprocessor, examples_for
from depthlab.training.transfer import Source

FINE_TUNE_LR_RATIO = 0.1  # pretrained layers move slowly: a few examples should not undo them
FINE_TUNE_FREEZE: str | int | None = None  # every layer trains (see bench/README.md)
FINE_TUNE_STEPS = 200  # optimiser steps on the k examples, fine-tuned and scratch alike
QUICK_FINE_TUNE_STEPS = 50
QUICK_SOURCE_EXAMPLES = 1000  # a quick study pretrains on at most this many source examples


def draw_shots(
    targets: np.ndarray, shots: tuple[int, ...], seed: int
) -> tuple[dict[int, Any], Any]:
    """Training indices for each k (k per class; smaller k are subsets of larger ones) and the
    test indices (every example not drawn for the largest k)."""
    rng = np.random.Generator(np.random.PCG64([seed, 4242]))
    top = max(shots)
    drawn: dict[int, list[np.ndarray]] = {k: [] for k in shots}
    test: list[np.ndarray] = []
    for label in np.unique(targets):
        members = rng.permutation(np.flatnonzero(targets == label))
        if len(members) <= top:
            raise ConfigError(
                f"class {label} of the transfer target has {len(members)} examples; "
                f"k = {top} per class leaves none to test on: lower transfer_shots"
            )
        for k in shots:
            drawn[k].append(members[:k])
        test.append(members[top:])
    return {k: np.sort(np.concatenate(v)) for k, v in drawn.items()}, np.sort(np.concatenate(test))


def few_shot(
    source: Dataset,
    target: Dataset,
    model: str,
    seed: int,
    config: StudyConfig,
    shots: tuple[int, ...] | None = None,
) -> dict[str, Any]:
    """Pretrain *model* (``family:preset``) on *source*, then fine-tune and train from scratch
    on k examples per class of *target* for each k; accuracy of each on the target's held-out
    examples. The study's job and bench/transfer_fsdd.py both call this."""
    if source.task != "classification":
        raise ConfigError("the transfer row compares accuracy: it needs classification data")
    family, preset = split_id(model)
    shots = shots or shots_of(config)
    src = examples_for(source, family, config.features)
    tgt = examples_for(target, family, config.features)
    # Stratified, not the study's split: grouping would hold whole speakers of the source out
    # of pretraining (FSDD: two of four), and the source is only there to learn from.
    split = split_dataset(src, seed=seed, strategy="stratified")
    train = split.train
    if config.quick and len(train) > QUICK_SOURCE_EXAMPLES:
        train = subsample(train, QUICK_SOURCE_EXAMPLES / len(train), seed)
    prep = Preprocessor.fit(src, train, family, config.features)
    x, y = torch.from_numpy(prep.transform(src.inputs)), torch.from_numpy(src.targets)
    spec = prep.input_spec(src.n_classes)
    job = Job("fit", model, seed=seed)
    options = job_spec(job, config, prep.pipeline, (spec, len(train))).options
    cfg = train_config(job, config, len(train), prep.pipeline, spec)
    torch.manual_seed(seed)
    net = build_model(family, spec, preset, **options)
    tensors = Tensors(x[train], y[train], x[split.val], y[split.val])
    fit_model(net, tensors, cfg, cost="size")
    pretrained = Source(
        Path(f"{source.name} (pretrained)"),
        {k: v.detach().clone() for k, v in net.state_dict().items()},
        {"model": net.get_config(), "data": {"class_names": list(src.class_names)}},
    )
    source_accuracy = accuracy(net, x[split.test], y[split.test])

    xt, yt = torch.from_numpy(prep.transform(tgt.inputs)), torch.from_numpy(tgt.targets)
    target_spec = prep.input_spec(tgt.n_classes)
    train_sets, test = draw_shots(tgt.targets, shots, seed)
    steps = QUICK_FINE_TUNE_STEPS if config.quick else FINE_TUNE_STEPS
    rows = []
    for k in shots:
        chosen = train_sets[k]
        epochs = math.ceil(steps / math.ceil(len(chosen) / cfg.batch_size))
        data = Tensors(xt[chosen], yt[chosen], xt[:0], yt[:0])
        row: dict[str, Any] = {"k": k, "n_train": len(chosen)}
        for start in ("finetuned", "scratch"):
            torch.manual_seed(seed)
            copy = build_model(family, target_spec, preset, **options)
            values: dict[str, Any] = {"epochs": epochs, "patience": 0}
            if start == "finetuned":
                pretrained.initialise(copy, FINE_TUNE_FREEZE, tgt.class_names)
                values["fine_tune_lr"] = cfg.lr * FINE_TUNE_LR_RATIO
            tuned = cfg.model_copy(update=values)
            fit_model(copy, data, tuned, cost="size")
            row[start] = accuracy(copy, xt[test], yt[test])
        rows.append(row)
    return {
        "source": {"name": source.name, "n_train": len(train), "accuracy": source_accuracy},
        "target": {"name": target.name, "n_test": len(test), "classes": len(tgt.class_names)},
        "depth": net.depth(),
        "shots": rows,
    }


def accuracy(net: Any, x: Any, y: Any) -> float:
    if len(y) == 0:
        return float("nan")
    return float((outputs(net, x.numpy()).argmax(axis=1) == y.numpy()).mean())


def run_transfer(job: Job, data: StudyData) -> dict[str, Any]:
    """The study job: the recipe of the study's data, then :func:`few_shot`."""
    ds = data.dataset()
    recipe = recipe_for(ds.name, data.config)
    if recipe is None:
        raise ConfigError(f"no transfer recipe for {ds.name}; set transfer_source in the config")
    source, target = recipe.make(ds, data.config)
    result = few_shot(source, target, job.model, job.seed, data.config)
    return {"recipe": recipe.name, "description": recipe.description, **result}
