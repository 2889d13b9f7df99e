"""A plant as a discrete-time system stepping N trajectories at once, and the one loop that runs it
open-loop (inputs given) or closed-loop (a policy reads the measured outputs).

Every plant of :mod:`depthlab.data.control.plants` is a :class:`Dynamics`: ``init`` draws one
trajectory's initial state, ``step`` maps states (N, n_x) and inputs (N, n_u) to the next states,
``output`` reads the outputs (N, n_y) of states and ``applied`` is what the actuator really does
with a requested input (clipping to the torque limit, rounding to the discrete torques, ...).

Example:
    >>> import numpy as np
    >>> d = Dynamics(
    ...     init=lambda rng: np.zeros(1),
    ...     step=lambda x, u: 0.5 * x + u,
    ...     output=lambda x: x,
    ... )
    >>> u, y = rollout(d, np.zeros((1, 1)), inputs=np.ones((1, 3, 1)))
    >>> y[0, :, 0].tolist()
    [0.0, 1.0, 1.5]
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from depthlab.errors import DataError

Policy = Callable[[np.ndarray], np.ndarray]  # outputs (N, n_y) -> inputs (N, n_u) or (N,)


def _as_is(u: np.ndarray) -> np.ndarray:
    return u


@dataclass(frozen=True)
class Dynamics:
    """The equations of a plant, vectorised over trajectories."""

    init: Callable[[np.random.Generator], np.ndarray]  # one initial state (n_x,)
    step: Callable[[np.ndarray, np.ndarray], np.ndarray]  # (N, n_x), (N, n_u) -> (N, n_x)
    output: Callable[[np.ndarray], np.ndarray]  # (N, n_x) -> (N, n_y)
    applied: Callable[[np.ndarray], np.ndarray] = _as_is  # requested -> applied input (N, n_u)


def rollout(
    dynamics: Dynamics,
    x0: np.ndarray,
    *,
    inputs: np.ndarray | None = None,
    policy: Policy | None = None,
    input_noise: np.ndarray | None = None,
    output_noise: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Run the plant from states *x0* (N, n_x); the applied inputs (N, T, n_u) and the outputs
    (N, T, n_y), ``y[:, t]`` measured before ``u[:, t]`` acts.

    Open loop: *inputs* (N, T, n_u). Closed loop: *policy* reads the outputs of every step and
    *input_noise* (N, T, n_u) is added to what it asks for (the expert in the loop with noise).
    *output_noise* (N, T, n_y) is measurement noise: added to the outputs recorded, and seen by
    the policy.
    """
    if (inputs is None) == (policy is None):
        raise DataError("a rollout needs either inputs (open loop) or a policy (closed loop)")
    plan = inputs if inputs is not None else input_noise
    if plan is None:
        raise DataError("a closed-loop rollout needs its input noise (zeros for none)")
    steps = plan.shape[1]
    x = np.array(x0, dtype=np.float64)
    us, ys = [], []
    for t in range(steps):
        y = dynamics.output(x)  # (N, n_y)
        if output_noise is not None:
            y = y + output_noise[:, t]
        wanted = plan[:, t] if policy is None else _ask(policy, y, plan.shape[2]) + plan[:, t]
        u = dynamics.applied(np.asarray(wanted, dtype=np.float64))  # (N, n_u)
        ys.append(y)
        us.append(u)
        x = dynamics.step(x, u)
    return np.stack(us, axis=1), np.stack(ys, axis=1)


def _ask(policy: Policy, y: np.ndarray, n_u: int) -> np.ndarray:
    u = np.asarray(policy(y.copy()), dtype=np.float64)
    if u.ndim == 1 and n_u == 1:
        u = u[:, None]
    if u.shape != (y.shape[0], n_u) or not np.isfinite(u).all():
        raise DataError(
            f"the policy must map outputs of shape {y.shape} to finite inputs of shape "
            f"({y.shape[0]}, {n_u}); it returned {u.shape}"
            + ("" if np.isfinite(u).all() else " with NaN or infinite values")
        )
    return u


def rk4(
    f: Callable[[np.ndarray, np.ndarray], np.ndarray],
    x: np.ndarray,
    u: np.ndarray,
    dt: float,
    substeps: int,
) -> np.ndarray:
    """Integrate ``dx/dt = f(x, u)`` over *dt* with *substeps* classical Runge-Kutta steps, the
    input held constant (zero-order hold)."""
    h = dt / substeps
    for _ in range(substeps):
        k1 = f(x, u)
        k2 = f(x + 0.5 * h * k1, u)
        k3 = f(x + 0.5 * h * k2, u)
        k4 = f(x + h * k3, u)
        x = x + h / 6.0 * (k1 + 2 * k2 + 2 * k3 + k4)
    return x
