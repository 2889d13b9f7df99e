"""What every identified model shares: the prediction interface, standardisation, checks.

Convention (``depthlab.data.control.trajectories``): ``y[:, t]`` is measured at step t, before
``u[:, t]`` acts, so a model predicts ``y[:, t + 1]`` from ``y[:, :t + 1]`` and ``u[:, :t + 1]``.
Every model needs ``lag`` measured steps before its first prediction.

- ``predict_one_step(traj)`` -> (N, T, n_y): step t predicted from the measured past; the first
  ``lag`` steps are the measured outputs, copied (nothing predicts them).
- ``simulate(traj, init_window)`` -> (N, T, n_y): free run; the first ``init_window`` steps are
  the measured outputs, after which the model feeds back its own predictions (it reads only
  ``traj.u`` there).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar

import numpy as np

from depthlab.data.control.trajectories import Trajectories
from depthlab.errors import DataError


class Scaler:
    """Per-channel mean and standard deviation of training data (a constant channel keeps 1)."""

    def __init__(self, mean: np.ndarray, std: np.ndarray) -> None:
        self.mean = np.asarray(mean, dtype=np.float64)  # (C,)
        self.std = np.asarray(std, dtype=np.float64)  # (C,)

    @classmethod
    def of(cls, x: np.ndarray) -> Scaler:
        flat = x.reshape(-1, x.shape[-1])  # (N * T, C)
        std = flat.std(axis=0)
        return cls(flat.mean(axis=0), np.where(std > 1e-12, std, 1.0))

    def apply(self, x: np.ndarray) -> np.ndarray:
        return (x - self.mean) / self.std

    def invert(self, z: np.ndarray) -> np.ndarray:
        return z * self.std + self.mean


def selection_error(y: np.ndarray, yhat: np.ndarray, start: int) -> float:
    """The mean over channels of RMSE / std of ``y`` after *start* (inf when not finite): the
    score a model's choices (orders, early stopping) are made on."""
    truth, pred = y[:, start:], yhat[:, start:]  # (N, T - start, n_y)
    if not np.isfinite(pred).all():
        return float("inf")
    std = truth.reshape(-1, truth.shape[-1]).std(axis=0)
    rmse = np.sqrt(((pred - truth) ** 2).reshape(-1, truth.shape[-1]).mean(axis=0))
    return float(np.mean(rmse / np.where(std > 1e-12, std, 1.0)))


class SysIdModel(ABC):
    """A model of ``y[t + 1]`` given the measured past; see the module docstring."""

    kind: ClassVar[str]
    linear: ClassVar[bool] = False

    def __init__(self) -> None:
        self.n_u_: int | None = None
        self.n_y_: int | None = None

    @property
    @abstractmethod
    def lag(self) -> int:
        """Measured steps needed before the first prediction."""

    @abstractmethod
    def predict_one_step(self, traj: Trajectories) -> np.ndarray:
        """(N, T, n_y): each step predicted from the measured outputs and inputs before it."""

    @abstractmethod
    def simulate(self, traj: Trajectories, init_window: int) -> np.ndarray:
        """(N, T, n_y): the measured outputs of the first *init_window* steps, then a free run
        on the model's own predictions, driven by ``traj.u``."""

    @abstractmethod
    def params(self) -> dict[str, Any]:
        """The constructor's keyword arguments."""

    @abstractmethod
    def get_state(self) -> dict[str, np.ndarray]:
        """The learned arrays (after fitting)."""

    @abstractmethod
    def set_state(self, state: dict[str, np.ndarray]) -> None:
        """Restore what :meth:`get_state` returned (on a model built by :meth:`from_config`)."""

    def get_config(self) -> dict[str, Any]:
        """The kind, the parameters and, once fitted, the channel counts."""
        return {"kind": self.kind, **self.params(), "n_u": self.n_u_, "n_y": self.n_y_}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> SysIdModel:
        options = {k: v for k, v in config.items() if k not in ("kind", "n_u", "n_y")}
        model = cls(**options)
        model.n_u_, model.n_y_ = config.get("n_u"), config.get("n_y")
        return model

    @property
    def fitted(self) -> bool:
        return self.n_y_ is not None

    def check(self, traj: Trajectories, init_window: int | None = None) -> None:
        """Raise DataError when *traj* does not fit this model (channels, length, window)."""
        if not self.fitted:
            raise DataError(f"the {self.kind} model is not fitted yet: fit it before predicting")
        if (traj.n_u, traj.n_y) != (self.n_u_, self.n_y_):
            raise DataError(
                f"the {self.kind} model was fitted on {self.n_u_} inputs and {self.n_y_} outputs; "
                f"these trajectories have {traj.n_u} inputs and {traj.n_y} outputs"
            )
        window = self.lag if init_window is None else init_window
        if window < self.lag:
            raise DataError(
                f"the {self.kind} model needs {self.lag} measured steps before it predicts; "
                f"the initialisation window has {window}"
            )
        if traj.steps <= window:
            raise DataError(
                f"trajectories of {traj.steps} steps are too short: the {self.kind} model needs "
                f"more than {window} (its initialisation window)"
            )

    def set_dims(self, traj: Trajectories) -> None:
        self.n_u_, self.n_y_ = traj.n_u, traj.n_y


class LinearModel(SysIdModel):
    """A model fitted in closed form: ``fit(train, val)`` chooses its orders on *val*."""

    linear = True

    @abstractmethod
    def fit(
        self, train: Trajectories, val: Trajectories, *, max_lag: int | None = None
    ) -> LinearModel:
        """Fit on *train*, choose orders on *val* (lags at most *max_lag*); returns self."""
