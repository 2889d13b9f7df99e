"""``n4sid``: a linear state-space model by a subspace method (N4SID with state sequences), numpy.

    x[t + 1] = A x[t] + B u[t],    y[t] = C x[t]        (in standardised units)

With ``p = horizon`` past steps ``z_p(t) = (u[t-p..t-1], y[t-p..t-1])`` and as many future
steps, the future outputs are regressed on the past and the future inputs; the past's part,
``O = L_p Z_p``, equals the extended observability matrix times the states. Its SVD gives the
order-n states ``x(t) = S_n^(-1/2) U_n' L_p z_p(t)``; A, B, C follow by least squares on
consecutive states. The order is chosen on the validation free run. The state at the start of a
free run is read from the last ``p`` measured steps with the same map, so ``lag = p``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from depthlab.data.control.trajectories import Trajectories
from depthlab.errors import ConfigError
from depthlab.models.sysid.base import LinearModel, Scaler, selection_error


def windows(x: np.ndarray, width: int) -> np.ndarray:
    """(N, T - width + 1, width * C): row k holds x[k], ..., x[k + width - 1] flattened."""
    view = np.lib.stride_tricks.sliding_window_view(x, width, axis=1)  # (N, K, C, width)
    return view.transpose(0, 1, 3, 2).reshape(x.shape[0], -1, width * x.shape[2])


class Subspace(LinearModel):
    kind = "n4sid"

    def __init__(self, *, order: int | None = None, horizon: int = 10, max_order: int = 10):
        super().__init__()
        if horizon < 1 or (order is not None and order < 1):
            raise ConfigError("n4sid needs a horizon and an order of at least 1")
        self.order, self.horizon, self.max_order = order, horizon, max_order
        self.p_ = horizon
        self.arrays_: dict[str, np.ndarray] = {}  # A (n, n), B (n, n_u), C (n_y, n), M (n, p*c)

    def params(self) -> dict[str, Any]:
        return {"order": self.order, "horizon": self.horizon, "max_order": self.max_order}

    @property
    def lag(self) -> int:
        return self.p_

    def _scaled(self, traj: Trajectories) -> tuple[np.ndarray, np.ndarray]:
        a = self.arrays_
        u = Scaler(a["u_mean"], a["u_std"]).apply(traj.u)
        return u, Scaler(a["y_mean"], a["y_std"]).apply(traj.y)

    def _past(self, u: np.ndarray, y: np.ndarray) -> np.ndarray:
        """(N, T - p + 1, p * (n_u + n_y)): z_p(t) for t = p .. T."""
        return np.concatenate([windows(u, self.p_), windows(y, self.p_)], axis=-1)

    def fit(
        self, train: Trajectories, val: Trajectories, *, max_lag: int | None = None
    ) -> Subspace:
        self.set_dims(train)
        self.p_ = min(self.horizon, max_lag) if max_lag else self.horizon
        su, sy = Scaler.of(train.u), Scaler.of(train.y)
        self.arrays_ = {"u_mean": su.mean, "u_std": su.std, "y_mean": sy.mean, "y_std": sy.std}
        u, y = self._scaled(train)
        p, steps = self.p_, train.steps
        if steps < 2 * p + 1:
            raise ConfigError(f"n4sid with horizon {p} needs trajectories of {2 * p + 1} steps")
        zp = self._past(u, y)[:, : steps - 2 * p + 1]  # (N, K, p*(n_u+n_y)), t = p .. T - p
        uf = windows(u[:, p:], p)  # (N, K, p * n_u): u[t .. t+p-1]
        yf = windows(y[:, p:], p)  # (N, K, p * n_y)
        reg = np.concatenate([zp, uf], axis=-1).reshape(-1, zp.shape[-1] + uf.shape[-1])
        coef, *_ = np.linalg.lstsq(reg, yf.reshape(-1, yf.shape[-1]), rcond=None)
        lp = coef[: zp.shape[-1]].T  # (p * n_y, p * (n_u + n_y))
        left, sing, _ = np.linalg.svd(lp @ zp.reshape(-1, zp.shape[-1]).T, full_matrices=False)
        usable = int((sing > 1e-9 * sing[0]).sum())
        orders = [self.order] if self.order else range(1, min(self.max_order, usable) + 1)
        best: tuple[float, dict[str, np.ndarray]] | None = None
        for n in orders:
            state_map = (left[:, :n] / np.sqrt(sing[:n])).T @ lp  # (n, p * (n_u + n_y))
            self.arrays_.update(self._system(state_map, zp, u, y))
            score = selection_error(val.y, self.simulate(val, self.p_), self.p_)
            if best is None or score < best[0]:
                best = (score, dict(self.arrays_))
        assert best is not None
        self.arrays_ = best[1]
        return self

    def _system(
        self, state_map: np.ndarray, zp: np.ndarray, u: np.ndarray, y: np.ndarray
    ) -> dict[str, np.ndarray]:
        """A, B, C by least squares on the states of consecutive steps t, t + 1."""
        p, k = self.p_, zp.shape[1]
        x = zp @ state_map.T  # (N, K, n): x(t) for t = p .. p + K - 1
        now, nxt = x[:, :-1].reshape(-1, x.shape[-1]), x[:, 1:].reshape(-1, x.shape[-1])
        u_now = u[:, p : p + k - 1].reshape(-1, u.shape[-1])
        ab, *_ = np.linalg.lstsq(np.concatenate([now, u_now], axis=1), nxt, rcond=None)
        c, *_ = np.linalg.lstsq(
            x.reshape(-1, x.shape[-1]), y[:, p : p + k].reshape(-1, y.shape[-1])
        )
        n = x.shape[-1]
        return {"A": ab[:n].T, "B": ab[n:].T, "C": c.T, "M": state_map}

    def predict_one_step(self, traj: Trajectories) -> np.ndarray:
        self.check(traj)
        a = self.arrays_
        u, y = self._scaled(traj)
        x = self._past(u, y)[:, :-1] @ a["M"].T  # (N, T - p, n): x(t) for t = p .. T - 1
        out = traj.y.copy()
        out[:, self.p_ :] = Scaler(a["y_mean"], a["y_std"]).invert(x @ a["C"].T)
        return out

    def simulate(self, traj: Trajectories, init_window: int) -> np.ndarray:
        self.check(traj, init_window)
        a = self.arrays_
        u, y = self._scaled(traj)
        w = init_window
        z = np.concatenate(
            [u[:, w - self.p_ : w].reshape(traj.n, -1), y[:, w - self.p_ : w].reshape(traj.n, -1)],
            axis=1,
        )  # (N, p * (n_u + n_y)), the same layout as windows()
        x = z @ a["M"].T  # (N, n): the state at step w
        pred = np.empty((traj.n, traj.steps - w, traj.n_y))
        with np.errstate(over="ignore", invalid="ignore"):
            for t in range(w, traj.steps):
                pred[:, t - w] = x @ a["C"].T
                x = x @ a["A"].T + u[:, t] @ a["B"].T
        out = traj.y.copy()
        out[:, w:] = Scaler(a["y_mean"], a["y_std"]).invert(pred)
        return out

    def get_state(self) -> dict[str, np.ndarray]:
        return {**self.arrays_, "p": np.array(self.p_)}

    def set_state(self, state: dict[str, np.ndarray]) -> None:
        self.p_ = int(state["p"])
        self.arrays_ = {k: np.asarray(v) for k, v in state.items() if k != "p"}
