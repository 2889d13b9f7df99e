"""The front door to training a model on prepared tensors, with its cost measured on request.

:func:`~depthlab.training.run.train` (a run folder), the scikit-learn estimators, a study's jobs
and its timing jobs, and the few-shot transfer measurement all fit through :func:`fit_model`;
the loop it runs for a network is :func:`depthlab.training.loop.fit`, plain code read top to
bottom, and a classical baseline is fitted by scikit-learn.

Example:
    >>> import torch
    >>> from depthlab.config import TrainConfig
    >>> from depthlab.features.spec import InputSpec
    >>> from depthlab.models.base import build_model
    >>> net = build_model("mlp", InputSpec("vector", (4,), 3, "classification"))
    >>> x, y = torch.randn(32, 4), torch.randint(0, 3, (32,))
    >>> fitted = fit_model(net, Tensors(x, y, x[:0], y[:0]), TrainConfig(epochs=2, device="cpu"),
    ...                    cost="size")
    >>> len(fitted.result.history), sorted(fitted.cost)[:2]
    (2, ['flops_per_example', 'parameters'])
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from depthlab.config import TrainConfig
from depthlab.evaluate.cost import (
    count_parameters,
    flops_per_example,
    model_cost,
    peak_memory_mb,
    sklearn_cost,
    sklearn_parameters,
)
from depthlab.models.base import DepthModel
from depthlab.models.baselines import Baseline
from depthlab.training.devices import pick_device
from depthlab.training.hooks import EpochHook
from depthlab.training.loop import FitResult, Tensors, fit
from depthlab.training.record import CHECKPOINT, HISTORY_FILE

__all__ = ["Cost", "Fitted", "Tensors", "fit_model"]

Cost = Literal["full", "size"] | None
"""What :func:`fit_model` measures: ``full`` (parameters, FLOPs, training time, peak memory,
latency at batch 1 and 256), ``size`` (the same without latency) or nothing (None)."""


@dataclass
class Fitted:
    """A fitted model's training story and, when measured, its cost."""

    result: FitResult
    cost: dict[str, Any] = field(default_factory=dict)


def fit_model(
    net: DepthModel | Baseline,
    data: Tensors,
    cfg: TrainConfig,
    *,
    folder: Path | None = None,
    resume: bool = False,
    cost: Cost = None,
    hooks: Sequence[EpochHook] = (),
) -> Fitted:
    """Train *net* on *data* with *cfg* (its task is the network's own): with *folder*, a
    checkpoint and history.jsonl after every epoch there, and ``resume=True`` continues from
    them; *hooks* hear every epoch; *cost* says what to measure. A classical baseline is fitted
    once (no epochs, no hooks)."""
    if isinstance(net, Baseline):
        return _fit_baseline(net, data, cost)
    task = str(net.spec.task)

    def train() -> FitResult:
        return fit(
            net,
            data,
            cfg,
            task,
            checkpoint=folder / CHECKPOINT if folder else None,
            history_path=folder / HISTORY_FILE if folder else None,
            resume=resume,
            on_epoch=hooks,
        )

    if cost is None:
        return Fitted(train())
    device = cfg.device if cfg.device != "auto" else str(pick_device("auto"))
    result, peak_mb = peak_memory_mb(train, device)
    example = data.x_train[0].to(next(net.parameters()).device)
    sizes = (
        model_cost(net, example)
        if cost == "full"
        else {
            "parameters": count_parameters(net),
            "flops_per_example": flops_per_example(net, example),
        }
    )
    return Fitted(result, _with_time(sizes, result.train_seconds, peak_mb))


def _fit_baseline(net: Baseline, data: Tensors, cost: Cost) -> Fitted:
    """A classical baseline fitted and, on request, measured in the keys of a network's cost."""
    started = time.perf_counter()
    if cost is None:
        net.fit(data.x_train.numpy(), data.y_train.numpy())
        return Fitted(FitResult(train_seconds=time.perf_counter() - started, device="cpu"))
    _, peak_mb = peak_memory_mb(lambda: net.fit(data.x_train.numpy(), data.y_train.numpy()))
    result = FitResult(train_seconds=time.perf_counter() - started, device="cpu")
    example = data.x_train[0].reshape(-1).numpy()  # one example, flattened
    sizes = (
        sklearn_cost(net.estimator, example)
        if cost == "full"
        else {"parameters": sklearn_parameters(net.estimator), "flops_per_example": None}
    )
    return Fitted(result, _with_time(sizes, result.train_seconds, peak_mb))


def _with_time(sizes: dict[str, Any], seconds: float, peak_mb: float) -> dict[str, Any]:
    return {**sizes, "train_seconds": round(seconds, 3), "peak_memory_mb": round(peak_mb, 1)}
