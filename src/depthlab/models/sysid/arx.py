"""``arx``: a linear ARX model fitted by least squares.

    y[t + 1] = sum_i A_i y[t - i] + sum_j B_j u[t - j] + c,   i < na, j < nb

in the data's own units (least squares does not need standardising). With ``na``/``nb`` unset,
the orders are chosen among ``orders`` by the *validation free-run* error (mean over channels of
RMSE / std after the longest candidate lag), or by the one-step error with
``select="one-step"``.

Example:
    >>> model = ARX(na=2, nb=2).fit(train, val)  # doctest: +SKIP
    >>> model.A_.shape, model.B_.shape  # (na, n_y, n_y), (nb, n_y, n_u)  # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any

import numpy as np

from depthlab.data.control.trajectories import Trajectories
from depthlab.errors import ConfigError
from depthlab.models.sysid.base import LinearModel, selection_error


def regressors(y: np.ndarray, u: np.ndarray, na: int, nb: int) -> np.ndarray:
    """(N, T - lag, na * n_y + nb * n_u + 1): row r holds the regressors of step t = lag - 1 + r
    (outputs y[t], y[t - 1], ..., inputs u[t], u[t - 1], ..., then 1) that predict y[t + 1]."""
    lag, steps = max(na, nb), y.shape[1]
    ys = [y[:, lag - 1 - i : steps - 1 - i] for i in range(na)]  # each (N, T - lag, n_y)
    us = [u[:, lag - 1 - j : steps - 1 - j] for j in range(nb)]  # each (N, T - lag, n_u)
    ones = np.ones((*y.shape[:1], steps - lag, 1))
    return np.concatenate([*ys, *us, ones], axis=-1)


class ARX(LinearModel):
    kind = "arx"

    def __init__(
        self,
        *,
        na: int | None = None,
        nb: int | None = None,
        orders: tuple[int, ...] = (1, 2, 3, 4, 6, 8),
        select: str = "free-run",
    ) -> None:
        super().__init__()
        if select not in ("free-run", "one-step"):
            raise ConfigError(f"ARX select must be 'free-run' or 'one-step', got {select!r}")
        self.na, self.nb, self.orders, self.select = na, nb, tuple(orders), select
        self.theta_: np.ndarray | None = None  # (na * n_y + nb * n_u + 1, n_y)
        self.na_, self.nb_ = na or 1, nb or 1

    def params(self) -> dict[str, Any]:
        return {"na": self.na, "nb": self.nb, "orders": list(self.orders), "select": self.select}

    @property
    def lag(self) -> int:
        return max(self.na_, self.nb_)

    def fit(self, train: Trajectories, val: Trajectories, *, max_lag: int | None = None) -> ARX:
        self.set_dims(train)
        cap = max_lag if max_lag is not None else max(self.orders)
        nas = [self.na] if self.na else [o for o in self.orders if o <= cap]
        nbs = [self.nb] if self.nb else [o for o in self.orders if o <= cap]
        if not nas or not nbs:
            raise ConfigError(f"no ARX order in {self.orders} fits a lag of at most {cap}")
        start = max(max(nas), max(nbs))
        best: tuple[float, np.ndarray, int, int] | None = None
        for na in nas:
            for nb in nbs:
                theta = self._least_squares(train, na, nb)
                if len(nas) * len(nbs) == 1:
                    best = (0.0, theta, na, nb)
                    break
                self.theta_, self.na_, self.nb_ = theta, na, nb
                score = self._score(val, start)
                if best is None or score < best[0]:
                    best = (score, theta, na, nb)
        assert best is not None
        _, self.theta_, self.na_, self.nb_ = best
        return self

    def _least_squares(self, train: Trajectories, na: int, nb: int) -> np.ndarray:
        phi = regressors(train.y, train.u, na, nb)  # (N, T - lag, p)
        target = train.y[:, max(na, nb) :]  # (N, T - lag, n_y)
        theta, *_ = np.linalg.lstsq(
            phi.reshape(-1, phi.shape[-1]), target.reshape(-1, target.shape[-1]), rcond=None
        )
        return np.asarray(theta)

    def _score(self, val: Trajectories, start: int) -> float:
        if self.select == "one-step":
            return selection_error(val.y, self.predict_one_step(val), start)
        return selection_error(val.y, self.simulate(val, start), start)

    @property
    def A_(self) -> np.ndarray:
        """(na, n_y, n_y): the output coefficients, A_[i] multiplying y[t - i]."""
        assert self.theta_ is not None and self.n_y_ is not None
        block = self.theta_[: self.na_ * self.n_y_]  # (na * n_y, n_y)
        return block.reshape(self.na_, self.n_y_, self.n_y_).transpose(0, 2, 1)

    @property
    def B_(self) -> np.ndarray:
        """(nb, n_y, n_u): the input coefficients, B_[j] multiplying u[t - j]."""
        assert self.theta_ is not None and self.n_y_ is not None and self.n_u_ is not None
        block = self.theta_[self.na_ * self.n_y_ : -1]  # (nb * n_u, n_y)
        return block.reshape(self.nb_, self.n_u_, self.n_y_).transpose(0, 2, 1)

    @property
    def c_(self) -> np.ndarray:
        assert self.theta_ is not None
        return self.theta_[-1]

    def predict_one_step(self, traj: Trajectories) -> np.ndarray:
        self.check(traj)
        assert self.theta_ is not None
        out = traj.y.copy()  # (N, T, n_y)
        out[:, self.lag :] = regressors(traj.y, traj.u, self.na_, self.nb_) @ self.theta_
        return out

    def simulate(self, traj: Trajectories, init_window: int) -> np.ndarray:
        self.check(traj, init_window)
        assert self.theta_ is not None
        out = traj.y.copy()  # (N, T, n_y); steps from init_window on are overwritten
        a, b, c = self.A_, self.B_, self.c_
        with np.errstate(over="ignore", invalid="ignore"):
            for t in range(init_window - 1, traj.steps - 1):
                nxt = c + sum(out[:, t - i] @ a[i].T for i in range(self.na_))  # (N, n_y)
                nxt = nxt + sum(traj.u[:, t - j] @ b[j].T for j in range(self.nb_))
                out[:, t + 1] = nxt
        return out

    def get_state(self) -> dict[str, np.ndarray]:
        assert self.theta_ is not None
        return {"theta": self.theta_, "orders": np.array([self.na_, self.nb_])}

    def set_state(self, state: dict[str, np.ndarray]) -> None:
        self.theta_ = np.asarray(state["theta"], dtype=np.float64)
        self.na_, self.nb_ = (int(v) for v in state["orders"])
