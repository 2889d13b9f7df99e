"""gymnasium's classic control, as numpy equations vectorised over trajectories.

The equations, constants and integrators are those of gymnasium 1.3.0's ``Pendulum-v1``,
``CartPole-v1`` and ``Acrobot-v1`` (``gymnasium/envs/classic_control``), stepped in float64
for N trajectories at once: 10,000 transitions take milliseconds instead of the env's Python
loop. tests/data/control/test_classic_parity.py steps the real environments beside them.

Two departures, both for identification:

- ``cartpole`` takes a continuous force in newtons, clipped to +-10 N (the env pushes with
  exactly +-10 N), and never terminates: past the env's 12-degree or 2.4 m limits the pole
  falls and swings and the cart keeps rolling, by the same equations.
- ``acrobot`` rounds the input to the env's torques -1, 0, +1.
"""

from __future__ import annotations

import numpy as np

from depthlab.data.control.dynamics import Dynamics, rk4

# Pendulum-v1: g, m, l, dt, torque and speed limits.
PENDULUM_G, PENDULUM_DT, MAX_TORQUE, MAX_SPEED = 10.0, 0.05, 2.0, 8.0
# CartPole-v1.
GRAVITY, MASS_CART, MASS_POLE, HALF_LENGTH, FORCE_MAG, TAU = 9.8, 1.0, 0.1, 0.5, 10.0, 0.02
# Acrobot-v1 ("book" dynamics).
ACROBOT_DT, MAX_VEL_1, MAX_VEL_2 = 0.2, 4 * np.pi, 9 * np.pi


def pendulum() -> Dynamics:
    """Pendulum-v1: state (theta, theta_dot), output (cos theta, sin theta, theta_dot)."""

    def step(x: np.ndarray, u: np.ndarray) -> np.ndarray:
        th, thdot = x[:, 0], x[:, 1]
        # gym: 3g/(2l) sin th + 3/(m l^2) u with m = l = 1; semi-implicit Euler, speed clipped
        newthdot = thdot + (3 * PENDULUM_G / 2 * np.sin(th) + 3.0 * u[:, 0]) * PENDULUM_DT
        newthdot = np.clip(newthdot, -MAX_SPEED, MAX_SPEED)
        return np.stack([th + newthdot * PENDULUM_DT, newthdot], axis=1)

    return Dynamics(
        init=lambda rng: rng.uniform([-np.pi, -1.0], [np.pi, 1.0]),
        step=step,
        output=lambda x: np.stack([np.cos(x[:, 0]), np.sin(x[:, 0]), x[:, 1]], axis=1),
        applied=lambda u: np.clip(u, -MAX_TORQUE, MAX_TORQUE),
    )


def cartpole() -> Dynamics:
    """CartPole-v1 with a continuous force: state and output (x, x_dot, theta, theta_dot)."""
    total_mass = MASS_CART + MASS_POLE
    polemass_length = MASS_POLE * HALF_LENGTH

    def step(s: np.ndarray, u: np.ndarray) -> np.ndarray:
        x, x_dot, theta, theta_dot = s.T
        cos, sin = np.cos(theta), np.sin(theta)
        temp = (u[:, 0] + polemass_length * theta_dot**2 * sin) / total_mass
        theta_acc = (GRAVITY * sin - cos * temp) / (
            HALF_LENGTH * (4.0 / 3.0 - MASS_POLE * cos**2 / total_mass)
        )
        x_acc = temp - polemass_length * theta_acc * cos / total_mass
        # the env's default "euler" integrator: positions move with the old velocities
        return np.stack(
            [
                x + TAU * x_dot,
                x_dot + TAU * x_acc,
                theta + TAU * theta_dot,
                theta_dot + TAU * theta_acc,
            ],
            axis=1,
        )

    return Dynamics(
        init=lambda rng: rng.uniform(-0.05, 0.05, size=4),
        step=step,
        output=lambda s: s.copy(),
        applied=lambda u: np.clip(u, -FORCE_MAG, FORCE_MAG),
    )


def _acrobot_derivatives(s: np.ndarray, torque: np.ndarray) -> np.ndarray:
    m1 = m2 = 1.0
    l1, lc1, lc2, i1, i2, g = 1.0, 0.5, 0.5, 1.0, 1.0, 9.8
    th1, th2, dth1, dth2 = s.T
    a = torque[:, 0]
    d1 = m1 * lc1**2 + m2 * (l1**2 + lc2**2 + 2 * l1 * lc2 * np.cos(th2)) + i1 + i2
    d2 = m2 * (lc2**2 + l1 * lc2 * np.cos(th2)) + i2
    phi2 = m2 * lc2 * g * np.cos(th1 + th2 - np.pi / 2.0)
    phi1 = (
        -m2 * l1 * lc2 * dth2**2 * np.sin(th2)
        - 2 * m2 * l1 * lc2 * dth2 * dth1 * np.sin(th2)
        + (m1 * lc1 + m2 * l1) * g * np.cos(th1 - np.pi / 2)
        + phi2
    )
    ddth2 = (a + d2 / d1 * phi1 - m2 * l1 * lc2 * dth1**2 * np.sin(th2) - phi2) / (
        m2 * lc2**2 + i2 - d2**2 / d1
    )
    ddth1 = -(d2 * ddth2 + phi1) / d1
    return np.stack([dth1, dth2, ddth1, ddth2], axis=1)


def _wrap(angle: np.ndarray) -> np.ndarray:
    return (angle + np.pi) % (2 * np.pi) - np.pi


def acrobot() -> Dynamics:
    """Acrobot-v1: state (theta1, theta2, dtheta1, dtheta2), output (cos theta1, sin theta1,
    cos theta2, sin theta2, dtheta1, dtheta2), one RK4 step of 0.2 s per action."""

    def step(s: np.ndarray, u: np.ndarray) -> np.ndarray:
        ns = rk4(_acrobot_derivatives, s, u, ACROBOT_DT, substeps=1)
        return np.stack(
            [
                _wrap(ns[:, 0]),
                _wrap(ns[:, 1]),
                np.clip(ns[:, 2], -MAX_VEL_1, MAX_VEL_1),
                np.clip(ns[:, 3], -MAX_VEL_2, MAX_VEL_2),
            ],
            axis=1,
        )

    def output(s: np.ndarray) -> np.ndarray:
        th1, th2 = s[:, 0], s[:, 1]
        return np.stack(
            [np.cos(th1), np.sin(th1), np.cos(th2), np.sin(th2), s[:, 2], s[:, 3]], axis=1
        )

    return Dynamics(
        init=lambda rng: rng.uniform(-0.1, 0.1, size=4).astype(np.float32).astype(np.float64),
        step=step,
        output=output,
        applied=lambda u: np.clip(np.round(u), -1.0, 1.0),
    )
