"""The training loop: plain PyTorch, readable top to bottom.

Data lives in tensors on the device when it fits (``in_memory_mb``), otherwise a DataLoader
feeds batches drawn in the same order. Every epoch ends with a validation pass, a line of
history and an atomic checkpoint, so an interrupted run resumes to exactly the same weights.
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn

from depthlab.config import TrainConfig
from depthlab.errors import DepthlabError
from depthlab.evaluate.forward import forward
from depthlab.evaluate.tasks import is_improvement, primary_metric
from depthlab.training import distributed
from depthlab.training.augment import augment, check_augment
from depthlab.training.callbacks import EpochBar, write_history
from depthlab.training.checkpoint import (
    load_checkpoint,
    read_tensors,
    save_checkpoint,
    save_weights,
)
from depthlab.training.devices import pick_device, uses_amp
from depthlab.training.hooks import EpochHook
from depthlab.training.mixup import check_mixup, mix
from depthlab.training.plateau import PlateauLR, Progress
from depthlab.training.transfer import param_groups


class TrainingError(DepthlabError):
    """Training could not go on (the loss diverged)."""


@dataclass
class Tensors:
    """Preprocessed training and validation data (CPU tensors)."""

    x_train: torch.Tensor
    y_train: torch.Tensor
    x_val: torch.Tensor
    y_val: torch.Tensor


@dataclass
class FitResult:
    history: list[dict[str, Any]] = field(default_factory=list)
    best_epoch: int = 0
    stopped_early: bool = False
    train_seconds: float = 0.0
    device: str = "cpu"


def make_optimizer(model: nn.Module, cfg: TrainConfig) -> torch.optim.Optimizer:
    """Frozen parameters left out; with ``fine_tune_lr``, the pretrained part at that rate
    (training/transfer.py)."""
    groups = param_groups(model, cfg)
    if cfg.optimizer == "sgd":
        return torch.optim.SGD(
            groups, lr=cfg.lr, momentum=cfg.momentum, weight_decay=cfg.weight_decay
        )
    return torch.optim.AdamW(groups, lr=cfg.lr, weight_decay=cfg.weight_decay)


def make_scheduler(
    optimizer: torch.optim.Optimizer,
    cfg: TrainConfig,
    steps_per_epoch: int,
    has_validation: bool = True,
) -> torch.optim.lr_scheduler.LRScheduler | None:
    """Schedules step once per batch (the plateau schedule is also told of stalled epochs,
    :mod:`depthlab.training.plateau`)."""
    total = cfg.epochs * steps_per_epoch
    if cfg.schedule == "plateau":
        return PlateauLR(optimizer, total, anneal=not has_validation)
    if cfg.schedule == "onecycle":
        peaks = [group["lr"] for group in optimizer.param_groups]  # a fine-tuning rate too
        return torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=peaks, total_steps=total)
    if cfg.schedule == "cosine":
        return torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=total)
    if cfg.schedule == "step":
        return torch.optim.lr_scheduler.StepLR(
            optimizer, step_size=cfg.step_size * steps_per_epoch, gamma=cfg.gamma
        )
    return None


def batches_of(n: int, batch_size: int, generator: torch.Generator) -> list[torch.Tensor]:
    """A shuffled epoch's index batches; a lone last example is dropped (BatchNorm needs two)."""
    parts = list(torch.split(torch.randperm(n, generator=generator), batch_size))
    if len(parts) > 1 and len(parts[-1]) == 1:
        parts.pop()
    return parts


def feed(
    data: Tensors, order: list[torch.Tensor], device: torch.device, in_memory: bool
) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """Yield (inputs, targets) batches in *order*, from device tensors or through a DataLoader."""
    if in_memory:
        x, y = data.x_train, data.y_train  # already on the device
        for idx in order:
            idx = idx.to(device)
            yield x[idx], y[idx]
        return
    from torch.utils.data import DataLoader, TensorDataset

    loader = DataLoader(
        TensorDataset(data.x_train, data.y_train),
        batch_sampler=[idx.tolist() for idx in order],
        pin_memory=device.type == "cuda",
        # Its own generator: a DataLoader draws a base seed per epoch, which would otherwise
        # come from the global RNG and shift dropout away from the in-memory path's.
        generator=torch.Generator(),
    )
    for xb, yb in loader:
        yield xb.to(device, non_blocking=True), yb.to(device, non_blocking=True)


@torch.no_grad()
def evaluate(
    model: nn.Module, x: torch.Tensor, y: torch.Tensor, task: str, device: torch.device
) -> dict[str, float]:
    """Loss and the primary metric on (x, y), in evaluation mode."""
    outputs = forward(model, x)
    if task == "classification":
        loss = nn.functional.cross_entropy(outputs, y).item()
        return {"loss": loss, "accuracy": (outputs.argmax(1) == y).float().mean().item()}
    # (B, 1) outputs against (B,) regression targets, (B, horizon) against (B, horizon) forecasts
    mse = nn.functional.mse_loss(outputs.reshape(y.shape), y).item()
    return {"loss": mse, "rmse": math.sqrt(mse)}


@dataclass
class _Loop:
    """What one call of :func:`fit` sets up before its first epoch."""

    model: nn.Module
    data: Tensors
    cfg: TrainConfig
    task: str
    device: torch.device
    group: distributed.Group | None
    in_memory: bool
    generator: torch.Generator
    optimizer: torch.optim.Optimizer
    scheduler: torch.optim.lr_scheduler.LRScheduler | None
    forward: nn.Module
    loss_fn: nn.Module
    autocast: contextlib.AbstractContextManager[Any]

    @property
    def main(self) -> bool:
        """Only rank 0 writes files and shows progress."""
        return self.group is None or self.group.main


def fit(
    model: nn.Module,
    data: Tensors,
    cfg: TrainConfig,
    task: str,
    checkpoint: Path | None = None,
    history_path: Path | None = None,
    resume: bool = False,
    on_epoch: Sequence[EpochHook] = (),
) -> FitResult:
    """Train *model* on *data*; with *checkpoint*, save after every epoch and resume from it.

    Each of *on_epoch* is called with the epoch's record (``epoch``, ``train_loss``, ``val_*``,
    ``lr``, ``seconds``) after the checkpoint is written: a tracker logs it, a tuner may raise
    to prune the trial (the checkpoint is already safe). Called through
    :func:`depthlab.training.fitting.fit_model`, the front door.
    """
    loop = _set_up(model, data, cfg, task)
    result = FitResult(device=str(loop.device))
    state: dict[str, Any] = {"epoch": 0, "best": None, "best_epoch": 0, "bad_epochs": 0}
    best_weights: dict[str, torch.Tensor] | None = None
    if resume and checkpoint is not None and checkpoint.is_file():
        state, best_weights = _resume(loop, checkpoint, result)

    first = cfg.epochs if state.get("stopped_early") else state["epoch"]
    bar = EpochBar(cfg.epochs, state["epoch"], quiet=not loop.main)
    try:
        for epoch in range(first, cfg.epochs):
            started = time.perf_counter()
            record = train_epoch(loop, epoch, checkpoint)
            if len(loop.data.x_val):
                val = evaluate(model, loop.data.x_val, loop.data.y_val, task, loop.device)
                record.update({f"val_{k}": v for k, v in val.items()})
            record["lr"] = loop.optimizer.param_groups[0]["lr"]
            result.train_seconds += time.perf_counter() - started
            record["seconds"] = round(result.train_seconds, 3)
            result.history.append(record)
            bar.update(record)
            improved = _improved(loop, record, state, epoch)
            if improved:
                best_weights = {k: v.detach().clone() for k, v in model.state_dict().items()}
                if checkpoint is not None and loop.main:
                    save_weights(model, checkpoint.with_name("best.safetensors"))
            stop = _should_stop(loop, record, state, improved, result.train_seconds)
            state["epoch"] = epoch + 1
            _save_epoch(loop, state, result, checkpoint, history_path, stop)
            for hook in on_epoch if loop.main else ():
                hook(record)
            if stop:
                state["stopped_early"] = True
                break
    finally:
        bar.close()
    if best_weights is not None and cfg.keep == "best":
        model.load_state_dict(best_weights)
    result.best_epoch = (cfg.keep == "best" and state["best_epoch"]) or state["epoch"]
    result.stopped_early = bool(state.get("stopped_early")) or result.stopped_early
    return result


def _set_up(model: nn.Module, data: Tensors, cfg: TrainConfig, task: str) -> _Loop:
    """The device, the data on it, the seeded generator, optimiser, schedule and loss."""
    group = distributed.current()  # DDP under torchrun (training/distributed.py), else None
    device = group.device if group is not None else pick_device(cfg.device)
    check_augment(cfg.augment, data.x_train.dim() - 1)
    check_mixup(cfg.mixup, task)
    model.to(device)
    in_memory = data.x_train.numel() * data.x_train.element_size() <= cfg.in_memory_mb * 2**20
    if in_memory:
        data = Tensors(data.x_train.to(device), data.y_train.to(device), data.x_val, data.y_val)
    generator = torch.Generator().manual_seed(cfg.seed)
    optimizer = make_optimizer(model, cfg)
    steps_per_epoch = len(batches_of(len(data.x_train), cfg.batch_size, torch.Generator()))
    scheduler = make_scheduler(optimizer, cfg, steps_per_epoch, len(data.x_val) > 0)
    forward: nn.Module = torch.compile(model) if cfg.compile else model  # type: ignore[assignment]
    if group is not None:
        from torch.nn.parallel import DistributedDataParallel

        forward = DistributedDataParallel(
            forward, device_ids=[group.local_rank] if device.type == "cuda" else None
        )
    loss_fn = nn.CrossEntropyLoss() if task == "classification" else nn.MSELoss()
    autocast = (
        torch.autocast(device.type, dtype=torch.bfloat16)
        if uses_amp(device, cfg.amp)
        else contextlib.nullcontext()
    )
    return _Loop(
        model, data, cfg, task, device, group, in_memory, generator, optimizer, scheduler,
        forward, loss_fn, autocast,
    )  # fmt: skip


def _resume(
    loop: _Loop, checkpoint: Path, result: FitResult
) -> tuple[dict[str, Any], dict[str, torch.Tensor] | None]:
    """The loop's state, history and best weights so far, from *checkpoint*."""
    state = load_checkpoint(checkpoint, loop.model, loop.optimizer, loop.generator)
    if loop.scheduler is not None:
        loop.scheduler.load_state_dict(state["scheduler"])
    result.history = state["history"]
    result.train_seconds = state["train_seconds"]
    best_path = checkpoint.with_name("best.safetensors")
    if not best_path.is_file():
        return state, None
    return state, {k: v.to(loop.device) for k, v in read_tensors(best_path).items()}


def train_epoch(loop: _Loop, epoch: int, checkpoint: Path | None) -> dict[str, Any]:
    """One pass over the shuffled training batches: the epoch's record so far."""
    cfg, task, group = loop.cfg, loop.task, loop.group
    loop.model.train()
    total, count = 0.0, 0
    order = batches_of(len(loop.data.x_train), cfg.batch_size, loop.generator)
    if group is not None:  # every rank a share of every batch, none left empty
        order = [group.shard(idx) for idx in order if len(idx) >= 2 * group.world]
    for step, (xb, yb) in enumerate(feed(loop.data, order, loop.device, loop.in_memory)):
        if cfg.augment != "none":
            xb = augment(xb, cfg.augment, loop.generator)
        if cfg.mixup > 0:
            xb, partner, lam = mix(xb, yb, cfg.mixup, loop.generator)
        with loop.autocast:
            out = loop.forward(xb)
            loss = loop.loss_fn(
                out.float() if task == "classification" else out.float().reshape(yb.shape), yb
            )
            if cfg.mixup > 0:
                loss = lam * loss + (1.0 - lam) * loop.loss_fn(out.float(), partner)
        # Read once a step, for the check and the mean: a Python float is far cheaper to
        # test than torch.isfinite's tensor (bench/README.md, train_overhead.py).
        value = loss.item()
        if group is not None:  # the same value on every rank: all stop, or none
            value = group.mean(value)
        if not math.isfinite(value):
            raise TrainingError(
                f"the loss became {value} at epoch {epoch + 1}, step {step + 1}; "
                "lower the learning rate (--lr) or keep gradient clipping on"
                + (f"; the last good checkpoint is {checkpoint}" if checkpoint else "")
            )
        loop.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if cfg.grad_clip > 0:
            nn.utils.clip_grad_norm_(loop.model.parameters(), cfg.grad_clip)
        loop.optimizer.step()
        if loop.scheduler is not None:
            loop.scheduler.step()
        total += value * len(yb)
        count += len(yb)
    return {"epoch": epoch + 1, "train_loss": total / max(count, 1)}


def _improved(loop: _Loop, record: dict[str, Any], state: dict[str, Any], epoch: int) -> bool:
    """Whether this epoch's validation score is the best yet, a tie broken by a lower validation
    loss (*state* keeps count): on a small validation set the score ties for many epochs, and
    the first of them is an under-trained model."""
    score = record.get(f"val_{primary_metric(loop.task)}")
    loss = record.get("val_loss", math.inf)
    tie = score is not None and score == state["best"] and loss < state.get("best_loss", math.inf)
    if score is not None and (tie or is_improvement(loop.task, score, state["best"])):
        state.update(best=score, best_loss=loss, best_epoch=epoch + 1, bad_epochs=0)
        return True
    if score is not None:  # without validation data there is nothing to stop on
        state["bad_epochs"] += 1
    return False


def _should_stop(
    loop: _Loop, record: dict[str, Any], state: dict[str, Any], improved: bool, seconds: float
) -> bool:
    """The stopping rule after an epoch: *patience* epochs without progress (for the plateau
    schedule, a new best loss counts too, and half the patience cuts the rate), or the time cap.
    """
    cfg = loop.cfg
    if cfg.max_minutes is not None and seconds >= 60.0 * cfg.max_minutes:
        return True
    if "val_loss" not in record:  # without validation data there is nothing to stop on
        return False
    if not isinstance(loop.scheduler, PlateauLR) or cfg.patience == 0:
        return cfg.patience > 0 and state["bad_epochs"] >= cfg.patience
    progress = Progress(**state.get("progress", {}))
    progress.update(improved, record["val_loss"])
    if progress.since_reduce >= max(1, cfg.patience // 2):
        loop.scheduler.reduce()
        progress.since_reduce = 0
    state["progress"] = vars(progress)
    return progress.stalled >= cfg.patience


def _save_epoch(
    loop: _Loop,
    state: dict[str, Any],
    result: FitResult,
    checkpoint: Path | None,
    history_path: Path | None,
    stop: bool,
) -> None:
    """history.jsonl and the checkpoint, written by rank 0 after every epoch."""
    if not loop.main:
        return
    write_history(history_path, result.history)
    if checkpoint is not None:
        save_checkpoint(
            checkpoint,
            loop.model,
            loop.optimizer,
            loop.generator,
            {
                **state,
                "scheduler": loop.scheduler.state_dict() if loop.scheduler else None,
                "history": result.history,
                "train_seconds": result.train_seconds,
                "stopped_early": stop,
            },
        )
