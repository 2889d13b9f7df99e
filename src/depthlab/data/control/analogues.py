"""Simulated analogues of nonlinearbenchmark.org's system-identification benchmarks, and a known
linear plant.

- ``duffing`` (Silverbox-like): a forced Duffing oscillator
  ``q'' + DAMPING q' + STIFFNESS q + CUBIC q^3 = u``, output the displacement q.
- ``tanks`` (Cascaded-Tanks-like): water pumped into an upper tank drains through a hole into a
  lower one, ``h1' = PUMP u - K1 sqrt(h1)``, ``h2' = K1 sqrt(h1) - K2 sqrt(h2)``, output h2.
  A tank holds at most ``TANK_TOP``: what the upper one cannot hold overflows, ``OVERFLOW`` of it
  into the lower tank (the rest is lost), and the lower one spills what it cannot hold.
- ``wiener-hammerstein``: a Chebyshev type I low-pass, the static saturation ``tanh``, a
  Chebyshev type II low-pass (scipy.signal), after a one-sample input delay so that ``y[t]`` is
  measured before ``u[t]`` acts (the filters have direct feed-through).
- ``linear``: ``y[t+1] = a1 y[t] + a2 y[t-1] + b1 u[t] + b2 u[t-1]`` with the coefficients of
  ``get_plant("linear").meta["arx"]`` (a = (1.5, -0.7), b = (1.0, 0.5): poles 0.75 +- 0.37i,
  |z| = 0.84): ARX of orders (2, 2) recovers them exactly from noise-free data.

ODEs are integrated with fixed-step RK4 under a zero-order-hold input (deterministic, vectorised
over trajectories, and usable in closed loop, which ``solve_ivp`` per trajectory is not).
"""

from __future__ import annotations

import numpy as np

from depthlab.data.control.dynamics import Dynamics, rk4
from depthlab.data.control.plants import get_plant

DUFFING_DT, DAMPING, STIFFNESS, CUBIC = 0.1, 0.2, 1.0, 1.0
TANKS_DT, PUMP, K1, K2, TANK_TOP, OVERFLOW = 4.0, 0.05, 0.1, 0.1, 10.0, 0.5


def duffing() -> Dynamics:
    """State (q, q_dot), output q; 2 RK4 steps per sample of 0.1 s."""

    def field(x: np.ndarray, u: np.ndarray) -> np.ndarray:
        q, v = x[:, 0], x[:, 1]
        return np.stack([v, u[:, 0] - DAMPING * v - STIFFNESS * q - CUBIC * q**3], axis=1)

    return Dynamics(
        init=lambda rng: rng.uniform(-0.5, 0.5, size=2),
        step=lambda x, u: rk4(field, x, u, DUFFING_DT, substeps=2),
        output=lambda x: x[:, :1].copy(),
    )


def tanks() -> Dynamics:
    """State (h1, h2) in volts of the level sensors, output h2; 2 RK4 steps of 2 s per 4 s
    sample, overflow handled after each."""

    def field(h: np.ndarray, u: np.ndarray) -> np.ndarray:
        root = np.sqrt(np.maximum(h, 0.0))  # RK4 stages may dip below an empty tank
        out1, out2 = K1 * root[:, 0], K2 * root[:, 1]
        return np.stack([PUMP * u[:, 0] - out1, out1 - out2], axis=1)

    def step(h: np.ndarray, u: np.ndarray) -> np.ndarray:
        for _ in range(2):
            h = np.maximum(rk4(field, h, u, TANKS_DT / 2, substeps=1), 0.0)
            spill = np.maximum(h[:, 0] - TANK_TOP, 0.0)
            h = np.stack([h[:, 0] - spill, h[:, 1] + OVERFLOW * spill], axis=1)
            h = np.minimum(h, TANK_TOP)
        return h

    return Dynamics(
        init=lambda rng: rng.uniform(1.0, 6.0, size=2),
        step=step,
        output=lambda h: h[:, 1:].copy(),
        applied=lambda u: np.maximum(u, 0.0),  # a pump cannot suck water back
    )


def _filters() -> tuple[tuple[np.ndarray, ...], tuple[np.ndarray, ...]]:
    from scipy import signal

    first = signal.tf2ss(*signal.cheby1(3, 0.5, 0.3))
    second = signal.tf2ss(*signal.cheby2(3, 40.0, 0.5))
    return first, second


def wiener_hammerstein() -> Dynamics:
    """State (G1's 3 states, G2's 3 states, the previous input), output y = G2(tanh(G1(u)))."""
    (a1, b1, c1, d1), (a2, b2, c2, d2) = _filters()

    def inner(s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        # the nonlinearity's output from the stored states and the delayed input
        w = s[:, 0:3] @ c1.T + s[:, 6:7] @ d1.T  # (N, 1)
        return np.tanh(w), s[:, 3:6]

    def step(s: np.ndarray, u: np.ndarray) -> np.ndarray:
        v, x2 = inner(s)
        x1 = s[:, 0:3] @ a1.T + s[:, 6:7] @ b1.T
        return np.concatenate([x1, x2 @ a2.T + v @ b2.T, u], axis=1)

    def output(s: np.ndarray) -> np.ndarray:
        v, x2 = inner(s)
        return np.asarray(x2 @ c2.T + v @ d2.T)

    return Dynamics(init=lambda rng: np.zeros(7), step=step, output=output)


def linear() -> Dynamics:
    """State (y[t], y[t-1], u[t-1]), output y[t]."""
    arx: dict[str, list[float]] = get_plant("linear").meta["arx"]  # type: ignore[assignment]
    (a1, a2), (b1, b2) = arx["a"], arx["b"]

    def step(s: np.ndarray, u: np.ndarray) -> np.ndarray:
        y_next = a1 * s[:, 0] + a2 * s[:, 1] + b1 * u[:, 0] + b2 * s[:, 2]
        return np.stack([y_next, s[:, 0], u[:, 0]], axis=1)

    return Dynamics(
        init=lambda rng: np.concatenate([rng.uniform(-1.0, 1.0, size=2), [0.0]]),
        step=step,
        output=lambda s: s[:, :1].copy(),
    )
