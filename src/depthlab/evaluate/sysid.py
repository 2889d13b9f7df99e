"""Scores of an identified model on test trajectories.

- one-step NRMSE: RMSE of the one-step predictions after the initialisation window, per channel,
  divided by the channel's std (over the test outputs), then the RMS over channels;
- k-step NRMSE (k = 10, 50): from every start s (s >= the window), the model reads the measured
  outputs of the ``warmup`` steps up to s and runs free for k steps; the error is that of the
  k-th prediction, normalised as above;
- free-run RMSE (data units) after the initialisation window, and the fit index
  ``100 (1 - ||y - yhat|| / ||y - mean y||)`` per channel;
- share of diverged rollouts: a free run with a non-finite value or one farther than 10 ranges
  from the data's span ``[min - 10 r, max + 10 r]`` (r = max - min per channel). Free-run errors
  are computed with predictions clipped to that band, so one blow-up stays a finite, large error;
- :func:`ratio_to_best_linear`: a metric divided by the best linear model's.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field

import numpy as np

from depthlab.data.control.trajectories import Trajectories
from depthlab.errors import DataError
from depthlab.models.sysid.base import SysIdModel

MAX_WINDOWS = 8192  # k-step starts per score; more are thinned evenly


def channel_std(y: np.ndarray) -> np.ndarray:
    """(n_y,): the std of each channel over every trajectory and step (1 when constant)."""
    std = y.reshape(-1, y.shape[-1]).std(axis=0)
    return np.where(std > 1e-12, std, 1.0)


def nrmse(y: np.ndarray, yhat: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """(n_y,): RMSE per channel over every leading axis, divided by *scale* (n_y,)."""
    err = (yhat - y).reshape(-1, y.shape[-1])
    return np.sqrt((err**2).mean(axis=0)) / scale


def rms(values: np.ndarray) -> float:
    """The root mean square over channels (the research's NRMSE over all channels)."""
    return float(np.sqrt(np.mean(np.asarray(values) ** 2)))


def fit_index(y: np.ndarray, yhat: np.ndarray) -> np.ndarray:
    """(n_y,): 100 (1 - ||y - yhat|| / ||y - mean y||) per channel (100 is a perfect fit)."""
    flat, pred = y.reshape(-1, y.shape[-1]), yhat.reshape(-1, y.shape[-1])
    spread = np.linalg.norm(flat - flat.mean(axis=0), axis=0)
    return 100.0 * (1.0 - np.linalg.norm(flat - pred, axis=0) / np.where(spread > 0, spread, 1.0))


def band(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(lo, hi) per channel: the data's span widened by 10 ranges on each side."""
    flat = y.reshape(-1, y.shape[-1])
    lo, hi = flat.min(axis=0), flat.max(axis=0)
    reach = 10.0 * np.maximum(hi - lo, 1e-12)
    return lo - reach, hi + reach


def clip_to_band(y: np.ndarray, yhat: np.ndarray) -> np.ndarray:
    """*yhat* with non-finite values and values outside :func:`band` of *y* moved to its edge."""
    lo, hi = band(y)
    inside = np.where(np.isnan(yhat), hi, yhat)
    return np.asarray(np.clip(inside, lo, hi))


def diverged(y: np.ndarray, yhat: np.ndarray) -> np.ndarray:
    """(N,) bool: rollouts with a non-finite prediction or one outside :func:`band` of *y*."""
    lo, hi = band(y)
    bad = ~np.isfinite(yhat) | (yhat < lo) | (yhat > hi)  # (N, T, n_y)
    return np.asarray(bad.reshape(bad.shape[0], -1).any(axis=1))


def k_step(model: SysIdModel, traj: Trajectories, k: int, warmup: int) -> np.ndarray:
    """(n_y,): the k-step NRMSE per channel (see the module docstring)."""
    if traj.steps < warmup + k:
        raise DataError(f"{traj.steps}-step trajectories are too short for {k}-step predictions")
    width = warmup + k
    u = np.lib.stride_tricks.sliding_window_view(traj.u, width, axis=1)  # (N, S, n_u, width)
    y = np.lib.stride_tricks.sliding_window_view(traj.y, width, axis=1)  # (N, S, n_y, width)
    u = u.transpose(0, 1, 3, 2).reshape(-1, width, traj.n_u)  # (N * S, width, n_u)
    y = y.transpose(0, 1, 3, 2).reshape(-1, width, traj.n_y)
    step = -(-len(y) // MAX_WINDOWS)
    windows = Trajectories(u[::step], y[::step], traj.dt)
    pred = model.simulate(windows, warmup)[:, -1]  # (M, n_y): the k-th prediction
    pred = clip_to_band(traj.y, pred)
    return nrmse(windows.y[:, -1], pred, channel_std(traj.y))


@dataclass
class SysIdScores:
    one_step_nrmse: float
    k_step_nrmse: dict[int, float]
    free_run_rmse: float
    fit_index: float
    diverged_share: float
    by_channel: dict[str, list[float]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def score(
    model: SysIdModel,
    test: Trajectories,
    init_window: int,
    *,
    ks: Iterable[int] = (10, 50),
    warmup: int | None = None,
) -> SysIdScores:
    """Every metric of the module docstring for *model* on *test*; k-step predictions warm up
    on *warmup* measured steps (default: the initialisation window)."""
    w, std = init_window, channel_std(test.y)
    truth = test.y[:, w:]
    one = nrmse(truth, model.predict_one_step(test)[:, w:], std)
    run = model.simulate(test, w)
    clipped = clip_to_band(test.y, run[:, w:])
    run_rmse = nrmse(truth, clipped, np.ones(test.n_y))
    fits = fit_index(truth, clipped)
    k_scores = {
        k: k_step(model, test, k, warmup or w) for k in ks if test.steps >= (warmup or w) + k
    }
    return SysIdScores(
        one_step_nrmse=rms(one),
        k_step_nrmse={k: rms(v) for k, v in k_scores.items()},
        free_run_rmse=rms(run_rmse),
        fit_index=float(fits.mean()),
        diverged_share=float(diverged(test.y, run).mean()),
        by_channel={
            "one_step_nrmse": one.tolist(),
            "free_run_rmse": run_rmse.tolist(),
            "fit_index": fits.tolist(),
            **{f"{k}_step_nrmse": v.tolist() for k, v in k_scores.items()},
        },
    )


def ratio_to_best_linear(
    results: Mapping[str, Mapping[str, float]], linear: Iterable[str], metric: str
) -> dict[str, float]:
    """*metric* of every model in *results* (model id -> metrics) divided by the lowest value
    among the *linear* ids (below 1: better than the best linear model)."""
    base = min(results[m][metric] for m in linear if m in results)
    return {m: float(r[metric] / base) if base > 0 else float("inf") for m, r in results.items()}
