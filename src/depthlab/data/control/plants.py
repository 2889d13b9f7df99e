"""Registry of the control plants: string ids resolved to specs, known without simulating.

Listing imports no simulator; :func:`dynamics` imports the plant's equations on first use.

Example:
    >>> get_plant("pendulum").output_names
    ('cos_theta', 'sin_theta', 'theta_dot')
    >>> [p.name for p in list_plants()][:3]
    ['pendulum', 'cartpole', 'acrobot']
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from depthlab.errors import UnknownNameError, closest

if TYPE_CHECKING:
    from depthlab.data.control.dynamics import Dynamics

PlantKind = Literal["gym", "ode"]


@dataclass(frozen=True)
class PlantSpec:
    """What `depthlab data list` shows about a plant, and the defaults its data is made with.

    ``u_low`` / ``u_high`` bound each input's excitation; ``hold`` is the steps a random step or
    PRBS bit is held; ``band`` the top of a multisine's band as a fraction of Nyquist;
    ``noise_std`` the default measurement noise added to every output (absolute, in the
    outputs' units); ``meta`` facts such as the linear plant's exact coefficients.
    """

    name: str
    kind: PlantKind
    description: str
    dt: float
    input_names: tuple[str, ...]
    output_names: tuple[str, ...]
    state_names: tuple[str, ...]
    u_low: tuple[float, ...]
    u_high: tuple[float, ...]
    excitation: str
    simulator: str  # "module:function" returning a Dynamics, imported on first use
    init_window: int
    n_train: int
    n_val: int
    n_test: int
    steps: int
    hold: int = 5
    band: float = 0.2
    noise_std: float = 0.0
    meta: dict[str, object] = field(default_factory=dict)

    @property
    def n_u(self) -> int:
        return len(self.input_names)

    @property
    def n_y(self) -> int:
        return len(self.output_names)


_PLANTS: dict[str, PlantSpec] = {}


def register(spec: PlantSpec) -> None:
    """Add a plant (a later registration under the same name replaces it)."""
    _PLANTS[spec.name] = spec


def list_plants() -> list[PlantSpec]:
    """Every plant, in registration order."""
    return list(_PLANTS.values())


def is_plant(name: str) -> bool:
    return name in _PLANTS


def get_plant(name: str) -> PlantSpec:
    """The plant called *name*; an unknown name suggests the closest one."""
    try:
        return _PLANTS[name]
    except KeyError:
        raise UnknownNameError(
            f"unknown plant '{name}'.{closest(name, _PLANTS)} Plants: {', '.join(_PLANTS)}"
        ) from None


def dynamics(name: str) -> Dynamics:
    """The equations of plant *name* (imports its simulator)."""
    module_name, func_name = get_plant(name).simulator.split(":")
    make: object = getattr(importlib.import_module(module_name), func_name)
    return make()  # type: ignore[operator,no-any-return]


_CLASSIC = "depthlab.data.control.classic"
_ANALOGUES = "depthlab.data.control.analogues"
for _spec in (
    PlantSpec(
        "pendulum",
        "gym",
        "Pendulum-v1: torque on a pendulum that must be swung up (g = 10, |u| <= 2)",
        0.05,
        ("torque",),
        ("cos_theta", "sin_theta", "theta_dot"),
        ("theta", "theta_dot"),
        (-2.0,),
        (2.0,),
        "random-steps",
        f"{_CLASSIC}:pendulum",
        init_window=10,
        n_train=50,
        n_val=10,
        n_test=20,
        steps=200,
    ),
    PlantSpec(
        "cartpole",
        "gym",
        "CartPole-v1's equations with a continuous force (|u| <= 10 N), never terminated",
        0.02,
        ("force",),
        ("x", "x_dot", "theta", "theta_dot"),
        ("x", "x_dot", "theta", "theta_dot"),
        (-10.0,),
        (10.0,),
        "random-steps",
        f"{_CLASSIC}:cartpole",
        init_window=10,
        n_train=50,
        n_val=10,
        n_test=20,
        steps=200,
    ),
    PlantSpec(
        "acrobot",
        "gym",
        "Acrobot-v1: torque -1, 0 or +1 on the joint of a two-link chain (inputs rounded)",
        0.2,
        ("torque",),
        ("cos_theta1", "sin_theta1", "cos_theta2", "sin_theta2", "theta1_dot", "theta2_dot"),
        ("theta1", "theta2", "theta1_dot", "theta2_dot"),
        (-1.0,),
        (1.0,),
        "random-steps",
        f"{_CLASSIC}:acrobot",
        init_window=10,
        n_train=50,
        n_val=10,
        n_test=20,
        steps=200,
    ),
    PlantSpec(
        "duffing",
        "ode",
        "Silverbox-like forced Duffing oscillator q'' + 0.2 q' + q + q^3 = u, y = q",
        0.1,
        ("force",),
        ("q",),
        ("q", "q_dot"),
        (-2.0,),
        (2.0,),
        "multisine",
        f"{_ANALOGUES}:duffing",
        init_window=50,
        n_train=10,
        n_val=2,
        n_test=4,
        steps=1000,
        band=0.3,
        noise_std=0.005,
    ),
    PlantSpec(
        "tanks",
        "ode",
        "Cascaded-Tanks-like: pump voltage into two tanks in cascade, overflow, y = lower level",
        4.0,
        ("pump",),
        ("level2",),
        ("level1", "level2"),
        (0.0,),
        (10.0,),
        "multisine",
        f"{_ANALOGUES}:tanks",
        init_window=50,
        n_train=8,
        n_val=2,
        n_test=4,
        steps=1024,
        band=0.1,
        noise_std=0.02,
    ),
    PlantSpec(
        "wiener-hammerstein",
        "ode",
        "Wiener-Hammerstein: Chebyshev I low-pass -> tanh -> Chebyshev II low-pass",
        1.0,
        ("u",),
        ("y",),
        ("g1_x0", "g1_x1", "g1_x2", "g2_x0", "g2_x1", "g2_x2", "u_prev"),
        (-2.0,),
        (2.0,),
        "multisine",
        f"{_ANALOGUES}:wiener_hammerstein",
        init_window=50,
        n_train=10,
        n_val=2,
        n_test=4,
        steps=1000,
        band=0.5,
        noise_std=0.005,
    ),
    PlantSpec(
        "linear",
        "ode",
        "known stable 2nd-order ARX y[t+1] = 1.5 y[t] - 0.7 y[t-1] + u[t] + 0.5 u[t-1]",
        1.0,
        ("u",),
        ("y",),
        ("y", "y_prev", "u_prev"),
        (-1.0,),
        (1.0,),
        "prbs",
        f"{_ANALOGUES}:linear",
        init_window=10,
        n_train=10,
        n_val=2,
        n_test=4,
        steps=200,
        hold=1,
        meta={"arx": {"a": [1.5, -0.7], "b": [1.0, 0.5]}},
    ),
):
    register(_spec)
