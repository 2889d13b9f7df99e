"""What the neural identified models share: a torch module in standardised units, wrapped.

A :class:`SeqNet` works on standardised tensors and predicts the next output as the last one plus
a learned increment scaled by the training increments' spread (``delta_scale``), so an untrained
net starts near "nothing changes" and a small sample time does not bury the dynamics:

- ``one_step(y (B, T, n_y), u (B, T, n_u)) -> (B, T - lag, n_y)``: predicts y[:, lag:] from the
  measured outputs (teacher forcing);
- ``simulate(y0 (B, W, n_y), u (B, T, n_u)) -> (B, T - W, n_y)``: predicts y[:, W:] from the W
  measured outputs of y0, then on its own predictions.

:class:`NetModel` holds the module and the training statistics, and turns trajectories into
tensors and back. Training lives in ``depthlab.training.sysid``.
"""

from __future__ import annotations

from abc import abstractmethod

import numpy as np
import torch
from torch import nn

from depthlab.data.control.trajectories import Trajectories
from depthlab.models.sysid.base import Scaler, SysIdModel

CHUNK = 4096  # trajectories per forward pass when predicting


class SeqNet(nn.Module):
    lag: int
    delta_scale: torch.Tensor  # (n_y,)

    def __init__(self, n_y: int) -> None:
        super().__init__()
        self.register_buffer("delta_scale", torch.ones(n_y))

    @abstractmethod
    def one_step(self, y: torch.Tensor, u: torch.Tensor) -> torch.Tensor: ...

    @abstractmethod
    def simulate(self, y0: torch.Tensor, u: torch.Tensor) -> torch.Tensor: ...


class NetModel(SysIdModel):
    """A neural model: ``prepare(train, seed)`` sets statistics and fresh weights; training is
    ``depthlab.training.sysid.fit``."""

    def __init__(self) -> None:
        super().__init__()
        self.module_: SeqNet | None = None
        self.u_scaler_ = Scaler(np.zeros(1), np.ones(1))
        self.y_scaler_ = Scaler(np.zeros(1), np.ones(1))

    @abstractmethod
    def make_module(self, n_y: int, n_u: int) -> SeqNet:
        """A fresh module for *n_y* outputs and *n_u* inputs."""

    def prepare(self, train: Trajectories, seed: int = 0) -> None:
        """Standardisation from *train*, and freshly seeded weights."""
        self.set_dims(train)
        self.u_scaler_, self.y_scaler_ = Scaler.of(train.u), Scaler.of(train.y)
        torch.manual_seed(seed)
        self.module_ = self.make_module(train.n_y, train.n_u)
        steps = np.diff(self.y_scaler_.apply(train.y), axis=1).reshape(-1, train.n_y)
        spread = steps.std(axis=0)
        spread = np.where(spread > 1e-8, spread, 1.0)
        self.module_.delta_scale.copy_(torch.as_tensor(spread, dtype=torch.float32))

    @property
    def module(self) -> SeqNet:
        assert self.module_ is not None, "prepare() or set_state() first"
        return self.module_

    def tensors(self, traj: Trajectories) -> tuple[torch.Tensor, torch.Tensor]:
        """Standardised (y (N, T, n_y), u (N, T, n_u)) as float32 tensors."""
        y = torch.as_tensor(self.y_scaler_.apply(traj.y), dtype=torch.float32)
        u = torch.as_tensor(self.u_scaler_.apply(traj.u), dtype=torch.float32)
        return y, u

    def predict_one_step(self, traj: Trajectories) -> np.ndarray:
        self.check(traj)
        y, u = self.tensors(traj)
        self.module.eval()
        with torch.no_grad():
            parts = [self.module.one_step(y[i : i + CHUNK], u[i : i + CHUNK]) for i in _chunks(y)]
        out = traj.y.copy()
        out[:, self.lag :] = self.y_scaler_.invert(torch.cat(parts).double().numpy())
        return out

    def simulate(self, traj: Trajectories, init_window: int) -> np.ndarray:
        self.check(traj, init_window)
        y, u = self.tensors(traj)
        w = init_window
        self.module.eval()
        with torch.no_grad():
            parts = [
                self.module.simulate(y[i : i + CHUNK, :w], u[i : i + CHUNK]) for i in _chunks(y)
            ]
        out = traj.y.copy()
        out[:, w:] = self.y_scaler_.invert(torch.cat(parts).double().numpy())
        return out

    def get_state(self) -> dict[str, np.ndarray]:
        weights = {f"module.{k}": v.detach().numpy() for k, v in self.module.state_dict().items()}
        scalers = {
            "u_mean": self.u_scaler_.mean,
            "u_std": self.u_scaler_.std,
            "y_mean": self.y_scaler_.mean,
            "y_std": self.y_scaler_.std,
        }
        return {**scalers, **weights}

    def set_state(self, state: dict[str, np.ndarray]) -> None:
        assert self.n_y_ is not None and self.n_u_ is not None, "build with from_config()"
        self.u_scaler_ = Scaler(state["u_mean"], state["u_std"])
        self.y_scaler_ = Scaler(state["y_mean"], state["y_std"])
        self.module_ = self.make_module(self.n_y_, self.n_u_)
        weights = {
            k.removeprefix("module."): torch.as_tensor(np.array(v))
            for k, v in state.items()
            if k.startswith("module.")
        }
        self.module_.load_state_dict(weights)


def _chunks(x: torch.Tensor) -> range:
    return range(0, x.shape[0], CHUNK)
