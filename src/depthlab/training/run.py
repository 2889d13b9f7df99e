"""A training run: train a network on a dataset, keep everything in a folder, load it back.

The run folder holds ``run.json`` (data source, split, model spec, preprocessing statistics,
class names, training config, versions: a :class:`~depthlab.run_record.RunRecord`),
``model.safetensors`` (the weights), ``metrics.json`` (train / validation / test metrics and
cost), ``history.jsonl`` (one line per epoch) and ``checkpoint.safetensors`` (the state to resume
from). Prediction needs only the first two.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from depthlab.config import FeatureConfig, TrainSpec
from depthlab.data.dataset import Dataset
from depthlab.data.load import load_dataset
from depthlab.data.splits import Split, resolve_split
from depthlab.errors import ConfigError, DataError, DepthlabError
from depthlab.evaluate.forward import forward
from depthlab.evaluate.measure import metrics_on, split_metrics
from depthlab.evaluate.tasks import task_info
from depthlab.evaluate.underfit import check, reference_for
from depthlab.models.base import DepthModel, build_model
from depthlab.models.baselines import (
    BASELINES,
    Baseline,
    baseline_class,
    is_baseline,
    make_baseline,
)
from depthlab.models.pipelines import resolve_features
from depthlab.run_record import RunData, RunRecord, RunSplit
from depthlab.training import transfer
from depthlab.training.augment import check_augment
from depthlab.training.checkpoint import load_weights, save_weights
from depthlab.training.distributed import Group
from depthlab.training.distributed import start as start_group
from depthlab.training.fitting import fit_model
from depthlab.training.hooks import Hook, HookSession, split_hooks
from depthlab.training.loop import Tensors
from depthlab.training.mixup import check_mixup
from depthlab.training.preprocess import Preprocessor, examples_for, feature_options
from depthlab.training.record import (
    METRICS_FILE,
    RUN_FILE,
    WEIGHTS,
    parse_record,
    read_history,
    read_metrics,
    read_record,
    versions,
    write_json,
    write_record,
)
from depthlab.training.spec import resolve


@dataclass
class Run:
    """A trained model with what it needs to predict, and how it got there.

    Example:
        >>> import depthlab as dl
        >>> run = dl.train("iris", dl.TrainSpec(train={"epochs": 5}))  # doctest: +SKIP
        >>> run.metrics["test"]["accuracy"]  # doctest: +SKIP
    """

    record: RunRecord
    model: DepthModel | Baseline
    preprocessor: Preprocessor
    history: list[dict[str, Any]] = field(default_factory=list)
    metrics: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None

    @property
    def config(self) -> dict[str, Any]:
        """run.json's content, as plain JSON values (a copy: change the record instead)."""
        return self.record.dump()

    @property
    def task(self) -> str:
        return self.record.data.task

    @property
    def class_names(self) -> tuple[str, ...]:
        return self.record.data.class_names

    @torch.no_grad()
    def outputs(self, inputs: Any) -> np.ndarray:
        """Raw outputs (logits, or scaled regression values; a baseline's class probabilities)."""
        if isinstance(self.model, Baseline):
            return self.model.outputs(self.preprocessor.transform(inputs))
        return forward(self.model, self.preprocessor.transform(inputs)).numpy()

    def predict_proba(self, inputs: Any) -> np.ndarray:
        """Class probabilities, ``(N, K)``."""
        if self.task != "classification":
            raise ConfigError("predict_proba is for classification runs")
        if isinstance(self.model, Baseline):
            return self.outputs(inputs)
        return np.asarray(torch.softmax(torch.from_numpy(self.outputs(inputs)), dim=1).numpy())

    def predict(self, inputs: Any) -> np.ndarray:
        """Class indices for classification, values on the target's scale for regression."""
        out = self.outputs(inputs)
        if self.task == "classification":
            return out.argmax(axis=1)
        if self.task == "forecasting":  # (N, horizon)
            return self.preprocessor.inverse_targets(out)
        return self.preprocessor.inverse_targets(out[:, 0])

    @classmethod
    def load(cls, path: str | Path) -> Run:
        """Load a run folder written by :func:`train` (weights from safetensors only); folders
        of older versions are upgraded as they are read."""
        folder = Path(path)
        record = read_record(folder)
        model = _load_model(folder, record.model)
        prep = Preprocessor.from_dict(record.preprocess)
        return cls(record, model, prep, read_history(folder), read_metrics(folder), folder)


def _load_model(folder: Path, config: dict[str, Any]) -> DepthModel | Baseline:
    baseline = baseline_class(config["family"]) if config.get("kind") == "baseline" else None
    weights = folder / (baseline.file_name if baseline else WEIGHTS)
    if not weights.is_file():
        raise DataError(f"{folder} has no trained model ({weights.name}); train it to the end")
    if baseline:
        return baseline.load(weights, config)
    model = DepthModel.from_config(config)
    load_weights(model, weights)
    return model


@dataclass
class Prepared:
    """A run's data made ready: the examples, their split, the fitted preprocessing, the
    tensors, and the settings resolved against the data's feature pipeline."""

    spec: TrainSpec  # resolved: complete training settings and model options
    ds: Dataset
    parts: Split
    prep: Preprocessor
    x: torch.Tensor
    y: torch.Tensor
    features: FeatureConfig
    split_seed: int
    source: transfer.Source | None
    freeze: transfer.Freeze

    def tensors(self) -> Tensors:
        parts = self.parts
        return Tensors(
            self.x[parts.train], self.y[parts.train], self.x[parts.val], self.y[parts.val]
        )


def train(
    data: str | Path | Dataset,
    spec: TrainSpec | None = None,
    *,
    out: str | Path | None = None,
    resume: bool = False,
    seed: int | None = None,
    hooks: Sequence[Hook] = (),
    distributed: bool = False,
) -> Run:
    """Train the model *spec* describes on *data* (a built-in name, a path read with
    ``spec.data``, or a loaded Dataset) and return the run.

    Settings follow one precedence (:func:`depthlab.training.spec.resolve`): the family's
    preset, the feature pipeline's defaults, then what *spec* sets; an explicit *seed* wins over
    the spec's. The split and the weights' initialisation follow the seed (the split follows
    ``spec.split.seed`` when set: runs of several seeds on one split make an ensemble, see
    :mod:`depthlab.training.ensemble`); ``spec.test_group`` tests on one group, ``spec.fold``
    ``(i, k)`` on fold *i* of *k*; ``spec.init_from`` starts from pretrained weights (see
    :mod:`depthlab.training.transfer`). With *out*, everything is written to that folder, a
    checkpoint after every epoch, and ``resume=True`` continues an interrupted run. *hooks* are
    epoch hooks (callables given each epoch's history record: a tuner's pruning) and run hooks
    (:class:`~depthlab.training.hooks.RunHook`: the trackers of :mod:`depthlab.track`).
    *distributed* trains with DDP on the process group torchrun set up (see
    :mod:`depthlab.training.distributed`); only rank 0 writes *out*.

    Example:
        >>> import depthlab as dl
        >>> spec = dl.TrainSpec(model="cnn", preset="deep", train={"epochs": 5})
        >>> run = dl.train("mnist1d", spec, out="runs/cnn", seed=1)  # doctest: +SKIP
    """
    spec = spec or TrainSpec()
    if seed is not None:  # the explicit argument wins over the spec's own seed
        spec = TrainSpec(train={"seed": seed}).over(spec)
    ready = prepare(data, spec)
    cfg = ready.spec.train
    group = start_group(cfg.device) if distributed else None
    main = group is None or group.main
    torch.manual_seed(cfg.seed)
    net = _build(ready)
    # Recorded only when set: run folders from before transfer compare equal on --resume.
    pretrained = (
        transfer.pretrain(ready.source, net, ready.freeze, ready.ds.class_names)
        if ready.source
        else {}
    )
    record = _record(data, ready, net, pretrained, group)
    folder = Path(out) if out is not None else None
    if folder is not None:
        if main:
            _prepare_folder(folder, record, resume)
        if group is not None:  # the others wait for rank 0's checks and folder
            group.barrier()
        if resume and (folder / METRICS_FILE).is_file():
            return Run.load(folder)  # finished: measuring its cost again would change metrics
    epoch_hooks, run_hooks = split_hooks(hooks)
    # Run hooks start once the folder is checked, and see every epoch after its checkpoint.
    session = HookSession.open(run_hooks if main else (), record.dump(), folder, resume)
    try:
        run = _fit_and_score(
            ready, net, record, folder, resume, [*epoch_hooks, *session.epoch_hooks]
        )
        if folder is not None and main:
            _save(run, folder)
    except BaseException as exc:
        session.close("killed" if isinstance(exc, KeyboardInterrupt) else "failed")
        raise
    session.finish(run)
    return run


def prepare(data: str | Path | Dataset, spec: TrainSpec) -> Prepared:
    """Load *data*, frame its examples for the model, split them, fit the preprocessing on the
    training part and resolve the settings; every check that needs no training runs here,
    before anything is written."""
    if {"val_fraction", "test_fraction"} & spec.split.model_fields_set:
        raise ConfigError(
            "a training run holds out 15% for validation and 15% for testing; the split's "
            "val_fraction and test_fraction are options of split_dataset, not of train"
        )
    options = spec.data.model_dump(exclude_unset=True)
    loaded = data if isinstance(data, Dataset) else load_dataset(data, **options)
    source = transfer.Source.open(spec.init_from) if spec.init_from is not None else None
    freeze = transfer.parse_freeze(spec.freeze)
    given = spec.features.model_dump(exclude_unset=True)
    features = feature_options(source.feature_options(given) if source else given)
    ds = examples_for(loaded, spec.model, features)  # a source run's features, then the spec's
    pipeline = resolve_features(ds.modality, spec.model, features.features)
    resolved = resolve(spec, pipeline=pipeline)
    cfg = resolved.train
    split_seed = spec.split.seed if "seed" in spec.split.model_fields_set else cfg.seed
    parts = resolve_split(
        ds, seed=split_seed, strategy=spec.split.strategy, test_group=spec.test_group,
        fold=spec.fold,
    )  # fmt: skip
    prep = Preprocessor.fit(ds, parts.train, spec.model, features)
    if source is not None:  # the pretrained layers' inputs, prepared as in pretraining
        prep = source.preprocessor(prep)
    # The preset sized to the inputs and the training examples (models/base.py, sized).
    shape = (prep.input_spec(ds.n_classes or 1), len(parts.train))
    resolved = resolve(spec, pipeline=pipeline, shape=shape)
    cfg = resolved.train
    x = torch.from_numpy(prep.transform(ds.inputs))
    y = torch.from_numpy(prep.transform_targets(ds.targets))
    check_augment(cfg.augment, x.dim() - 1)  # before anything is written
    check_mixup(cfg.mixup, ds.task)
    transfer.check_options(spec.init_from, freeze, cfg, pretrained=bool(shape[0].pretrained))
    return Prepared(resolved, ds, parts, prep, x, y, features, split_seed, source, freeze)


def _build(ready: Prepared) -> DepthModel | Baseline:
    """The network (the pipeline's options for the preset, then the given ones) or baseline."""
    spec, input_spec = ready.spec, ready.prep.input_spec(ready.ds.n_classes or 1)
    if is_baseline(spec.model):
        return make_baseline(spec.model, input_spec, spec.train.seed, spec.options or None)
    return build_model(spec.model, input_spec, spec.preset, **spec.options)


def _record(
    data: str | Path | Dataset,
    ready: Prepared,
    net: DepthModel | Baseline,
    pretrained: dict[str, Any],
    group: Group | None,
) -> RunRecord:
    """What run.json says of this run."""
    ds, parts, spec = ready.ds, ready.parts, ready.spec
    return RunRecord(
        data=RunData(
            name=ds.name,
            source=None if isinstance(data, Dataset) else str(data),
            options=spec.data.model_dump(mode="json", exclude_unset=True),
            modality=ds.modality,
            task=ds.task,
            class_names=tuple(ds.class_names),
            feature_names=tuple(ds.feature_names),
        ),
        split=RunSplit(
            strategy=parts.strategy,
            requested=spec.split.strategy,
            seed=ready.split_seed,
            **parts.sizes(),
            fingerprint=parts.fingerprint(),
            test_group=spec.test_group,
            fold=spec.fold,
        ),
        features=ready.features,
        model=net.get_config(),
        preset=spec.preset,
        train=spec.train,
        preprocess=ready.prep.to_dict(),
        versions=versions(),
        **pretrained,
        distributed={"world_size": group.world, "backend": group.backend} if group else None,
    )


def _fit_and_score(
    ready: Prepared,
    net: DepthModel | Baseline,
    record: RunRecord,
    folder: Path | None,
    resume: bool,
    hooks: list[Any],
) -> Run:
    """Train *net* (cost measured), then score it on every part of the split."""
    fitted = fit_model(
        net, ready.tensors(), ready.spec.train, folder=folder, resume=resume, cost="full",
        hooks=hooks,
    )  # fmt: skip
    result = fitted.result
    run = Run(record, net, ready.prep, result.history, {}, folder)
    run.metrics = {
        **split_metrics(run, ready.ds, ready.parts),
        "cost": fitted.cost,
        "epochs_run": len(result.history),
        "best_epoch": result.best_epoch,
        "stopped_early": result.stopped_early,
        "device": result.device,
    }
    if not is_baseline(ready.spec.model):
        run.metrics["underfitting"] = _underfitting(ready, run)
    if getattr(net, "chosen_", None):  # logistic's C, chosen on the training data
        run.metrics["chosen"] = net.chosen_
    return run


def _underfitting(ready: Prepared, run: Run) -> dict[str, Any] | None:
    """The under-fitting flag (:mod:`depthlab.evaluate.underfit`): the simplest classical model
    of the data fitted on the run's training examples, its training score against the
    network's; None when it is not worse, or when that model cannot be fitted on the same
    examples (another framing of the data, a pretrained network's inputs)."""
    ds, parts = ready.ds, ready.parts
    reference = reference_for(ds.modality, ds.task)
    metric = task_info(ds.task).study_metric
    if ready.source is not None or ds.task not in BASELINES.get(reference, ()):
        return None
    spec = TrainSpec(
        model=reference,
        features=ready.features.model_dump(exclude_unset=True),
        train={"seed": ready.spec.train.seed},
    )
    try:
        examples = examples_for(ds, reference, ready.features)
        if len(examples) != len(ds):
            return None
        prep = Preprocessor.fit(examples, parts.train, reference, ready.features)
    except DepthlabError:  # the network's feature options do not suit the classical model
        return None
    baseline = make_baseline(reference, prep.input_spec(ds.n_classes or 1), spec.train.seed)
    x = torch.from_numpy(prep.transform(examples.inputs))
    y = torch.from_numpy(prep.transform_targets(examples.targets))
    fit_model(baseline, Tensors(x[parts.train], y[parts.train], x[:0], y[:0]), spec.train)
    fitted = Run(run.record, baseline, prep, [], {}, None)
    reference_train = metrics_on(fitted, examples.subset(parts.train)).get(metric)
    train = run.metrics.get("train", {}).get(metric)
    model, preset = ready.spec.model, ready.spec.preset
    name = "linear network" if model == "linear" else f"{preset} {model.upper()}"
    return check(model, train, reference, reference_train, metric, name)


def _save(run: Run, folder: Path) -> None:
    """The trained model and metrics.json (run.json is already there)."""
    if isinstance(run.model, Baseline):
        run.model.save(folder / run.model.file_name)
    else:
        save_weights(run.model, folder / WEIGHTS)
    write_json(folder / METRICS_FILE, run.metrics)


def _prepare_folder(folder: Path, record: RunRecord, resume: bool) -> None:
    """Check *folder* is new, or holds this very run to resume; write run.json."""
    existing = folder / RUN_FILE
    if existing.is_file():
        if not resume:
            raise ConfigError(
                f"{folder} already holds a run; pass --resume to continue it, "
                "or choose another --out"
            )
        if not _same_run(existing, record):
            raise ConfigError(
                f"{folder} holds a run with other data, model or training settings; "
                "resume it with the same command or choose another --out"
            )
    folder.mkdir(parents=True, exist_ok=True)
    write_record(folder, record)


def _same_run(existing: Path, record: RunRecord) -> bool:
    """Whether run.json *existing* describes *record*'s run; older folders are upgraded first,
    so options added since compare as they were read."""
    try:
        before = parse_record(json.loads(existing.read_text(encoding="utf-8")), existing)
    except (DataError, UnicodeDecodeError, json.JSONDecodeError):
        return False
    return before.settings() == record.settings()
