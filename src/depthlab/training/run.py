"""A training run: train a network on a dataset, keep everything in a folder, load it back.

The run folder holds ``run.json`` (data source, split, model spec, preprocessing statistics,
class names, training config, versions), ``model.safetensors`` (the weights), ``metrics.json``
(train / validation / test metrics and cost), ``history.jsonl`` (one line per epoch) and
``checkpoint.safetensors`` (the state to resume from). Prediction needs only the first two.
"""

from __future__ import annotations

import json
import os
import platform
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from depthlab._version import __version__
from depthlab.config import SplitStrategy, TrainConfig, parse_config
from depthlab.data.dataset import Dataset
from depthlab.errors import ConfigError, DataError
from depthlab.evaluate.forward import forward
from depthlab.models.base import DepthModel, build_model
from depthlab.models.baselines import Baseline, baseline_class, is_baseline, make_baseline
from depthlab.training.augment import check_augment
from depthlab.training.checkpoint import load_weights, save_weights
from depthlab.training.distributed import start as start_group
from depthlab.training.loop import EpochHook, FitResult, Tensors, fit
from depthlab.training.mixup import check_mixup
from depthlab.training.preprocess import Preprocessor, examples_for
from depthlab.training.preprocess import feature_options as feature_options_of

if TYPE_CHECKING:
    from depthlab.track.base import Tracker

RUN_FILE = "run.json"
WEIGHTS = "model.safetensors"
CHECKPOINT = "checkpoint.safetensors"


@dataclass
class Run:
    """A trained model with what it needs to predict, and how it got there.

    Example:
        >>> import depthlab as dl
        >>> run = dl.train("iris", model="mlp", train_options={"epochs": 5})  # doctest: +SKIP
        >>> run.metrics["test"]["accuracy"]  # doctest: +SKIP
    """

    config: dict[str, Any]
    model: DepthModel | Baseline
    preprocessor: Preprocessor
    history: list[dict[str, Any]] = field(default_factory=list)
    metrics: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None

    @property
    def task(self) -> str:
        return str(self.config["data"]["task"])

    @property
    def class_names(self) -> tuple[str, ...]:
        return tuple(self.config["data"]["class_names"])

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
        """Load a run folder written by :func:`train` (weights from safetensors only)."""
        folder = Path(path)
        config_path = folder / RUN_FILE
        if not config_path.is_file():
            raise DataError(f"{folder} is not a depthlab run folder (no {RUN_FILE})")
        try:
            config = json.loads(config_path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            config = None
        if not isinstance(config, dict) or not {"model", "preprocess"} <= set(config):
            raise DataError(f"{config_path} is not a depthlab run description")
        model = _load_model(folder, config["model"])
        metrics_path, history_path = folder / "metrics.json", folder / "history.jsonl"
        metrics = json.loads(metrics_path.read_text()) if metrics_path.is_file() else {}
        history = (
            [json.loads(line) for line in history_path.read_text().splitlines() if line]
            if history_path.is_file()
            else []
        )
        prep = Preprocessor.from_dict(config["preprocess"])
        return cls(config, model, prep, history, metrics, folder)


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


def versions() -> dict[str, str]:

    return {
        "depthlab": __version__,
        "torch": torch.__version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
    }


def write_json(path: Path, value: Any) -> None:
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(json.dumps(value, indent=2) + "\n", encoding="utf-8")
    os.replace(partial, path)


def train(
    data: str | Path | Dataset,
    model: str = "mlp",
    preset: str = "shallow",
    *,
    out: str | Path | None = None,
    seed: int = 0,
    split_seed: int | None = None,
    model_options: dict[str, Any] | None = None,
    train_options: dict[str, Any] | None = None,
    data_options: dict[str, Any] | None = None,
    resume: bool = False,
    split: SplitStrategy = "auto",
    feature_options: dict[str, Any] | None = None,
    test_group: str | None = None,
    fold: tuple[int, int] | None = None,
    on_epoch: Sequence[EpochHook] = (),
    distributed: bool = False,
    init_from: str | Path | None = None,
    freeze: str | int | None = None,
    track: Sequence[str | Tracker] = (),
) -> Run:
    """Train a *model* family (``preset`` values, then *model_options*) on *data*.

    *data* is a built-in name, a path (read with *data_options*) or a loaded Dataset. The split
    and the weights' initialisation follow *seed* (the split follows *split_seed* when given:
    runs of several seeds on one split make an ensemble, see :mod:`depthlab.training.ensemble`);
    *split* chooses the strategy (``auto``, ``random``, ``stratified``, ``grouped``,
    ``temporal``). With *out*, everything is written to that folder, a checkpoint after every
    epoch, and ``resume=True`` continues an interrupted run.
    *feature_options* (:class:`~depthlab.config.FeatureConfig`) choose and tune the feature
    pipeline (log-mel or MFCC for audio, vocabulary for text, windows for series...).
    *test_group* tests on that group alone (a speaker: leave-one-group-out); *fold* ``(i, k)``
    tests on fold *i* of *k* (see :func:`~depthlab.training.crossval.cross_validate`).
    *on_epoch* callables receive each epoch's history record (trackers, tuners' pruning).
    *distributed* trains with DDP on the process group torchrun set up (see
    :mod:`depthlab.training.distributed`); only rank 0 writes *out*.
    *init_from* (a run folder or a ``.safetensors`` file) starts the network from pretrained
    weights and a run's feature statistics; *freeze* (``"all-but-head"`` or a number of layers)
    keeps part of them fixed; ``train_options={"fine_tune_lr": ...}`` trains the pretrained
    part at its own rate (see :mod:`depthlab.training.transfer`).
    *track* records the run as it trains: ``"tensorboard"`` (event files in ``out/tb``),
    ``"mlflow"`` (``./mlflow.db``) or :class:`~depthlab.track.Tracker` objects.

    Example:
        >>> import depthlab as dl
        >>> run = dl.train("mnist1d", model="cnn", preset="deep", out="runs/cnn")  # doctest: +SKIP
    """
    from depthlab.data.load import load_dataset
    from depthlab.data.splits import resolve_split
    from depthlab.evaluate.measure import split_metrics
    from depthlab.features.registry import resolve_features
    from depthlab.models.base import get_family
    from depthlab.track.base import TrackSession
    from depthlab.training import transfer

    loaded = data if isinstance(data, Dataset) else load_dataset(data, **(data_options or {}))
    source = transfer.Source.open(init_from) if init_from is not None else None
    freeze = transfer.parse_freeze(freeze)
    given = source.feature_options(feature_options) if source else feature_options
    features = feature_options_of(given)  # a source run's own, then the caller's
    ds = examples_for(loaded, model, features)
    baseline = is_baseline(model)
    pipeline = resolve_features(ds.modality, model, features.features)
    defaults: dict[str, Any] = {}
    if not baseline:  # the family's preset, then what suits the pipeline's data
        defaults = {**get_family(model).train_presets.get(preset, {}), **pipeline.train_defaults}
    cfg = parse_config(TrainConfig, {**defaults, "seed": seed, **(train_options or {})})
    split_by = cfg.seed if split_seed is None else split_seed
    parts = resolve_split(ds, seed=split_by, strategy=split, test_group=test_group, fold=fold)
    prep = Preprocessor.fit(ds, parts.train, model, features)
    if source is not None:  # the pretrained layers' inputs, prepared as in pretraining
        prep = source.preprocessor(prep)
    x = torch.from_numpy(prep.transform(ds.inputs))
    y = torch.from_numpy(prep.transform_targets(ds.targets))
    spec = prep.input_spec(ds.n_classes or 1)
    check_augment(cfg.augment, x.dim() - 1)  # before anything is written
    check_mixup(cfg.mixup, spec.task)
    transfer.check_options(init_from, freeze, cfg)
    group = start_group(cfg.device) if distributed else None
    main = group is None or group.main
    torch.manual_seed(cfg.seed)
    # The pipeline's suggestions for the preset (a log-mel CNN pools), then the user's.
    options = {**pipeline.model_options(model, preset), **(model_options or {})}
    net: DepthModel | Baseline = (
        make_baseline(model, spec, cfg.seed, model_options)
        if baseline
        else build_model(model, spec, preset, **options)
    )
    # Recorded only when set: run folders from before transfer compare equal on --resume.
    pretrained = transfer.pretrain(source, net, freeze, ds.class_names) if source else {}
    config = {
        "data": {
            "name": ds.name,
            "source": None if isinstance(data, Dataset) else str(data),
            "options": data_options or {},
            "modality": ds.modality,
            "task": ds.task,
            "class_names": list(ds.class_names),
            "feature_names": list(ds.feature_names),
        },
        "split": {
            "strategy": parts.strategy,
            "requested": split,
            "seed": split_by,
            **parts.sizes(),
            "fingerprint": parts.fingerprint(),
            # Only when set: run folders from before these options compare equal on --resume.
            **({"test_group": test_group} if test_group is not None else {}),
            **({"fold": list(fold)} if fold is not None else {}),
        },
        "features": features.model_dump(mode="json", exclude_defaults=True),
        "model": net.get_config(),
        "preset": preset,
        "train": cfg.model_dump(mode="json"),
        "preprocess": prep.to_dict(),
        "versions": versions(),
        **pretrained,
        **({"distributed": {"world_size": group.world, "backend": group.backend}} if group else {}),
    }
    folder = Path(out) if out is not None else None
    if folder is not None:
        if main:
            _prepare_folder(folder, config, resume)
        if group is not None:  # the others wait for rank 0's checks and folder
            group.barrier()
        if resume and (folder / "metrics.json").is_file():
            return Run.load(folder)  # finished: measuring its cost again would change metrics
    # Trackers start once the folder is checked, and see every epoch after its checkpoint.
    session = TrackSession.open(track if main else (), config, folder, resume)
    hooks = [*on_epoch, *session.hooks]
    try:
        tensors = Tensors(x[parts.train], y[parts.train], x[parts.val], y[parts.val])
        if isinstance(net, Baseline):
            result, cost = fit_baseline(net, tensors)
        else:
            result, cost = fit_network(net, tensors, cfg, ds.task, folder, resume, on_epoch=hooks)
        run = Run(config, net, prep, result.history, {}, folder)
        run.metrics = {
            **split_metrics(run, ds, parts),
            "cost": cost,
            "epochs_run": len(result.history),
            "best_epoch": result.best_epoch,
            "stopped_early": result.stopped_early,
            "device": result.device,
        }
        if folder is not None and main:
            if isinstance(net, Baseline):
                net.save(folder / net.file_name)
            else:
                save_weights(net, folder / WEIGHTS)
            write_json(folder / "metrics.json", run.metrics)
    except BaseException as exc:
        session.close("killed" if isinstance(exc, KeyboardInterrupt) else "failed")
        raise
    session.finish(run)
    return run


def fit_network(
    net: DepthModel,
    tensors: Tensors,
    cfg: TrainConfig,
    task: str,
    folder: Path | None = None,
    resume: bool = False,
    latency: bool = True,
    on_epoch: Sequence[EpochHook] = (),
) -> tuple[FitResult, dict[str, Any]]:
    """Train *net* and measure its cost: parameters, FLOPs, training time, peak memory and,
    with *latency*, inference latency at batch 1 and 256."""
    from depthlab.evaluate.cost import (
        count_parameters,
        flops_per_example,
        model_cost,
        peak_memory_mb,
    )

    result, peak_mb = peak_memory_mb(
        lambda: fit(
            net,
            tensors,
            cfg,
            task,
            checkpoint=folder / CHECKPOINT if folder else None,
            history_path=folder / "history.jsonl" if folder else None,
            resume=resume,
            on_epoch=on_epoch,
        ),
        cfg.device if cfg.device != "auto" else result_device(),
    )
    example = tensors.x_train[0].to(next(net.parameters()).device)
    sizes = (
        model_cost(net, example)
        if latency
        else {
            "parameters": count_parameters(net),
            "flops_per_example": flops_per_example(net, example),
        }
    )
    cost = {
        **sizes,
        "train_seconds": round(result.train_seconds, 3),
        "peak_memory_mb": round(peak_mb, 1),
    }
    return result, cost


def fit_baseline(
    net: Baseline, tensors: Tensors, latency: bool = True
) -> tuple[FitResult, dict[str, Any]]:
    """Fit a classical baseline and measure its cost, in the keys of :func:`fit_network`."""
    from depthlab.evaluate.cost import peak_memory_mb, sklearn_cost, sklearn_parameters

    started = time.perf_counter()
    _, peak_mb = peak_memory_mb(lambda: net.fit(tensors.x_train.numpy(), tensors.y_train.numpy()))
    result = FitResult(train_seconds=time.perf_counter() - started, device="cpu")
    example = tensors.x_train[0].reshape(-1).numpy()  # one example, flattened
    sizes = (
        sklearn_cost(net.estimator, example)
        if latency
        else {"parameters": sklearn_parameters(net.estimator), "flops_per_example": None}
    )
    cost = {
        **sizes,
        "train_seconds": round(result.train_seconds, 3),
        "peak_memory_mb": round(peak_mb, 1),
    }
    return result, cost


def result_device() -> str:
    from depthlab.training.devices import pick_device

    return str(pick_device("auto"))


def _prepare_folder(folder: Path, config: dict[str, Any], resume: bool) -> None:
    existing = folder / RUN_FILE
    if existing.is_file():
        before = json.loads(existing.read_text(encoding="utf-8"))
        keys = ("data", "split", "features", "model", "train")
        now = {k: config[k] for k in keys if k in config}
        if "requested" not in before.get("split", {}) and now["split"]["requested"] == "auto":
            now["split"] = {k: v for k, v in now["split"].items() if k != "requested"}
        if "features" not in before and not now.get("features"):
            now.pop("features", None)
        if "fine_tune_lr" not in before.get("train", {}) and now["train"]["fine_tune_lr"] is None:
            now["train"] = {k: v for k, v in now["train"].items() if k != "fine_tune_lr"}
        same = {k: before.get(k) for k in now} == now
        if not resume:
            raise ConfigError(
                f"{folder} already holds a run; pass --resume to continue it, "
                "or choose another --out"
            )
        if not same:
            raise ConfigError(
                f"{folder} holds a run with other data, model or training settings; "
                "resume it with the same command or choose another --out"
            )
    folder.mkdir(parents=True, exist_ok=True)
    write_json(existing, config)
