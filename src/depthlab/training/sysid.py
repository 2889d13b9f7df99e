"""Fitting identified models: closed form for linear ones, the visible loop below for nets.

Two losses (``SysIdTrainConfig.loss``), both MSE in standardised output units:

- ``one-step`` (teacher forcing): windows of ``window`` steps, every output predicted from the
  measured ones before it;
- ``multi-step`` (truncated simulation): windows of ``warmup + horizon`` steps; the model reads
  the measured outputs of the first ``warmup`` steps, then runs ``horizon`` steps on its own
  predictions, and every one of them is scored.

Adam; the learning rate halves after ``lr_patience`` evaluations without improvement; early
stopping after ``patience`` of them, or at ``max_steps`` / ``max_seconds``; the weights of the
best evaluation are kept. The evaluation is the validation free-run error after the
initialisation window (mean over channels of RMSE / std), or the ``val_horizon``-step NRMSE.

Example:
    >>> model = build("narx:shallow")  # doctest: +SKIP
    >>> result = fit(model, data.train, data.val, SysIdTrainConfig(loss="multi-step"),
    ...              init_window=data.init_window)  # doctest: +SKIP
"""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass, field

import numpy as np
import torch

from depthlab.data.control.trajectories import Trajectories
from depthlab.errors import ConfigError
from depthlab.evaluate.sysid import k_step, rms
from depthlab.models.sysid.base import LinearModel, SysIdModel, selection_error
from depthlab.models.sysid.net import NetModel
from depthlab.progress import track


@dataclass(frozen=True)
class SysIdTrainConfig:
    loss: str = "one-step"  # or "multi-step"
    horizon: int = 20  # multi-step: free-run steps scored per window
    warmup: int | None = None  # measured steps before a window's predictions (default: lag)
    window: int = 64  # one-step: steps per window
    batch_size: int = 64
    lr: float = 3e-3
    max_steps: int = 3000
    max_seconds: float = 60.0
    eval_every: int = 100
    patience: int = 6  # evaluations without improvement before stopping
    lr_patience: int = 2  # evaluations without improvement before the rate halves
    val_horizon: int | None = None  # None: validation free run; k: k-step NRMSE
    grad_clip: float = 1.0
    seed: int = 0

    def __post_init__(self) -> None:
        if self.loss not in ("one-step", "multi-step"):
            raise ConfigError(f"loss must be 'one-step' or 'multi-step', got {self.loss!r}")
        if min(self.horizon, self.window, self.batch_size, self.max_steps, self.eval_every) < 1:
            raise ConfigError("horizon, window, batch_size, max_steps, eval_every must be >= 1")


@dataclass
class FitResult:
    model: SysIdModel
    seconds: float
    best_score: float = float("nan")  # validation error of the kept weights
    best_step: int = 0
    steps: int = 0
    history: list[dict[str, float]] = field(default_factory=list)


def fit(
    model: SysIdModel,
    train: Trajectories,
    val: Trajectories,
    config: SysIdTrainConfig | None = None,
    *,
    init_window: int | None = None,
) -> FitResult:
    """Fit *model* on *train*, choosing orders or stopping on *val*; *init_window* is the number
    of measured steps a test trajectory offers (it caps a linear model's lags and starts the
    validation free run; default: the model's lag)."""
    config = config or SysIdTrainConfig()
    start = time.perf_counter()
    if isinstance(model, LinearModel):
        model.fit(train, val, max_lag=init_window)
        window = init_window or model.lag
        score = selection_error(val.y, model.simulate(val, window), window)
        return FitResult(model, time.perf_counter() - start, best_score=score)
    if not isinstance(model, NetModel):
        raise ConfigError(f"cannot train a {type(model).__name__}")
    model.prepare(train, config.seed)
    return _loop(model, train, val, config, init_window or model.lag)


def _validate(model: NetModel, val: Trajectories, config: SysIdTrainConfig, window: int) -> float:
    if config.val_horizon is None:
        return selection_error(val.y, model.simulate(val, window), window)
    err = rms(k_step(model, val, config.val_horizon, window))
    return err if np.isfinite(err) else float("inf")


def _batch(
    data: tuple[torch.Tensor, torch.Tensor], length: int, size: int, rng: np.random.Generator
) -> tuple[torch.Tensor, torch.Tensor]:
    """Random windows: (y (size, length, n_y), u (size, length, n_u))."""
    y, u = data
    rows = torch.as_tensor(rng.integers(0, y.shape[0], size))
    starts = torch.as_tensor(rng.integers(0, y.shape[1] - length + 1, size))
    steps = starts[:, None] + torch.arange(length)  # (size, length)
    return y[rows[:, None], steps], u[rows[:, None], steps]


def _loss(
    model: NetModel, y: torch.Tensor, u: torch.Tensor, config: SysIdTrainConfig, w: int
) -> torch.Tensor:
    net = model.module
    if config.loss == "one-step":
        return torch.mean((net.one_step(y, u) - y[:, net.lag :]) ** 2)
    return torch.mean((net.simulate(y[:, :w], u) - y[:, w:]) ** 2)


def _loop(
    model: NetModel,
    train: Trajectories,
    val: Trajectories,
    config: SysIdTrainConfig,
    init_window: int,
) -> FitResult:
    torch.manual_seed(config.seed)
    rng = np.random.default_rng(config.seed)
    data = model.tensors(train)
    warm = max(config.warmup or model.lag, model.lag)
    length = warm + config.horizon if config.loss == "multi-step" else config.window
    length = min(length, train.steps)
    if config.loss == "multi-step" and length <= warm:
        raise ConfigError(f"training trajectories of {train.steps} steps leave no horizon")
    net = model.module
    optimiser = torch.optim.Adam(net.parameters(), lr=config.lr)
    result = FitResult(model, 0.0, best_score=float("inf"))
    best_state, bad, began = copy.deepcopy(net.state_dict()), 0, time.perf_counter()
    for step in track(range(1, config.max_steps + 1), config.max_steps, f"fit {model.kind}"):
        net.train()
        y, u = _batch(data, length, config.batch_size, rng)
        loss = _loss(model, y, u, config, warm)
        optimiser.zero_grad()
        loss.backward()  # type: ignore[no-untyped-call]
        torch.nn.utils.clip_grad_norm_(net.parameters(), config.grad_clip)
        optimiser.step()
        result.steps = step
        out_of_time = time.perf_counter() - began > config.max_seconds
        if step % config.eval_every and step != config.max_steps and not out_of_time:
            continue
        score = _validate(model, val, config, init_window)
        result.history.append({"step": step, "loss": loss.item(), "val": score})
        if score < result.best_score * (1 - 1e-4):
            result.best_score, result.best_step, bad = score, step, 0
            best_state = copy.deepcopy(net.state_dict())
        else:
            bad += 1
            if bad % config.lr_patience == 0:
                for group in optimiser.param_groups:
                    group["lr"] *= 0.5
        if bad >= config.patience or out_of_time:
            break
    net.load_state_dict(best_state)
    net.eval()
    result.seconds = time.perf_counter() - began
    return result
