"""Classical experts from python-control: LQR on CartPole, energy shaping + LQR on Pendulum.

Both are callables ``obs -> action`` in the environment's own units, built from gymnasium 1.3.0's
equations (below) linearised about the upright equilibrium; ``control.dlqr`` gives the gain of
the *discrete* model, which for these Euler-integrated plants is the exact linearisation of the
step map (no separate discretisation of a continuous design).

CartPole-v1 (g = 9.8, cart m_c = 1, pole m_p = 0.1, half-length l = 0.5, tau = 0.02 s, force
F = +-10 N, M = m_c + m_p; Euler steps of x, x', th, th')::

    tmp  = (F + m_p l th'^2 sin th) / M
    th'' = (g sin th - cos th tmp) / (l (4/3 - m_p cos^2 th / M))
    x''  = tmp - m_p l th'' cos th / M

Linearised at th = 0: ``th'' = g/d th - F/(M d)`` and ``x'' = F/M - m_p l th''/M`` with
``d = l (4/3 - m_p/M)``; ``A_d = I + tau A``, ``B_d = tau B``. Q = diag(1, 1, 10, 1), R = 0.1;
the action is the sign of the LQR force: 1 (push right) when ``-K s > 0``, else 0.

Pendulum-v1 (g = 10, m = l = 1, dt = 0.05 s, |u| <= 2, |th'| <= 8; semi-implicit Euler)::

    th'_{t+1} = th'_t + dt (a sin th_t + b u_t),   a = 3 g / (2 l),  b = 3 / (m l^2)
    th_{t+1}  = th_t + dt th'_{t+1}

Linearised at th = 0: ``A_d = [[1 + dt^2 a, dt], [dt a, 1]]``, ``B_d = [[dt^2 b], [dt b]]``;
Q = diag(1, 0.1), R = 0.001 (the environment's cost). Away from the top the expert pumps
energy, ``u = k (E_top - E) th'`` with ``E = th'^2 / 2 + a cos th``, ``E_top = a``, k = 0.5
(a full push from rest); it switches to LQR when |th| < 0.8 and |th'| < 2.

Example::

    expert = make_expert("CartPole-v1")
    action = expert(obs)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from depthlab.errors import require
from depthlab.models.control.envs import env_info

Expert = Callable[[np.ndarray], Any]


def _dlqr(a: np.ndarray, b: np.ndarray, q: np.ndarray, r: np.ndarray) -> np.ndarray:
    require("control", "control")
    import control

    gain, _, _ = control.dlqr(a, b, q, r)
    return np.asarray(gain, dtype=np.float64)


def cartpole_model() -> tuple[np.ndarray, np.ndarray]:
    """(A_d, B_d) of CartPole-v1 linearised upright; state (x, x', th, th'), input force."""
    g, m_cart, m_pole, half, tau = 9.8, 1.0, 0.1, 0.5, 0.02
    total = m_cart + m_pole
    denom = half * (4.0 / 3.0 - m_pole / total)
    a = np.zeros((4, 4))
    b = np.zeros((4, 1))
    a[0, 1] = a[2, 3] = 1.0
    a[3, 2] = g / denom
    b[3, 0] = -1.0 / (total * denom)
    a[1, 2] = -m_pole * half * a[3, 2] / total
    b[1, 0] = 1.0 / total - m_pole * half * b[3, 0] / total
    return np.eye(4) + tau * a, tau * b


def pendulum_model() -> tuple[np.ndarray, np.ndarray]:
    """(A_d, B_d) of Pendulum-v1 linearised upright; state (th, th'), input torque."""
    dt, a, b = 0.05, 3 * 10.0 / 2.0, 3.0
    return (
        np.array([[1.0 + dt * dt * a, dt], [dt * a, 1.0]]),
        np.array([[dt * dt * b], [dt * b]]),
    )


class CartPoleLQR:
    """Bang-bang LQR on CartPole-v1: action 1 when the LQR force is positive, else 0."""

    def __init__(self) -> None:
        a, b = cartpole_model()
        self.gain_ = _dlqr(a, b, np.diag([1.0, 1.0, 10.0, 1.0]), np.array([[0.1]]))

    def __call__(self, obs: np.ndarray) -> int:
        force = -float(self.gain_[0] @ np.asarray(obs, dtype=np.float64))
        return 1 if force > 0 else 0


class PendulumSwingUp:
    """Energy-shaping swing-up with an LQR catch near the top (Pendulum-v1)."""

    a = 15.0  # 3 g / (2 l)
    max_torque = 2.0

    def __init__(self, *, k: float = 0.5, switch_angle: float = 0.8, switch_speed: float = 2.0):
        self.k = k
        self.switch_angle = switch_angle
        self.switch_speed = switch_speed
        a, b = pendulum_model()
        self.gain_ = _dlqr(a, b, np.diag([1.0, 0.1]), np.array([[0.001]]))

    def __call__(self, obs: np.ndarray) -> np.ndarray:
        cos, sin, speed = (float(v) for v in obs)
        angle = float(np.arctan2(sin, cos))  # in (-pi, pi], 0 upright
        if abs(angle) < self.switch_angle and abs(speed) < self.switch_speed:
            u = -float(self.gain_[0] @ np.array([angle, speed]))
        elif abs(speed) < 1e-3:
            u = self.max_torque  # at rest the energy law gives nothing: kick
        else:
            energy = 0.5 * speed * speed + self.a * cos
            u = self.k * (self.a - energy) * speed
        return np.array([np.clip(u, -self.max_torque, self.max_torque)], dtype=np.float32)


EXPERTS: dict[str, Callable[[], Expert]] = {
    "CartPole-v1": CartPoleLQR,
    "Pendulum-v1": PendulumSwingUp,
}


def make_expert(env_id: str) -> Expert:
    """The expert controller of *env_id* (unknown ids raise ``UnknownNameError``)."""
    env_info(env_id)
    return EXPERTS[env_id]()
