"""The records of a plant: inputs and outputs of N trajectories, and their fixed splits.

Example:
    >>> import numpy as np
    >>> t = Trajectories(u=np.zeros((2, 50, 1)), y=np.ones((2, 50, 3)), dt=0.05)
    >>> t.n, t.steps, t.n_u, t.n_y
    (2, 50, 1, 3)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from depthlab.errors import DataError


@dataclass(frozen=True, eq=False)
class Trajectories:
    """Inputs ``u`` (N, T, n_u) and outputs ``y`` (N, T, n_y), float64, sampled every ``dt``
    seconds: ``y[:, t]`` is measured at step t, before ``u[:, t]`` acts on the plant."""

    u: np.ndarray  # (N, T, n_u)
    y: np.ndarray  # (N, T, n_y)
    dt: float
    input_names: tuple[str, ...] = ()
    output_names: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        u, y = np.asarray(self.u), np.asarray(self.y)
        if u.ndim != 3 or y.ndim != 3:
            raise DataError(
                f"control trajectories need u of shape (N, T, n_u) and y of shape (N, T, n_y); "
                f"got u {u.shape} and y {y.shape}"
            )
        if u.shape[:2] != y.shape[:2]:
            raise DataError(
                f"u and y must hold the same trajectories and steps: u {u.shape[:2]} against "
                f"y {y.shape[:2]} (N, T)"
            )
        for name, values in (("u", u), ("y", y)):
            bad = ~np.isfinite(values)
            if bad.any():
                where = np.argwhere(bad)[0]
                raise DataError(
                    f"{name} holds {int(bad.sum())} NaN or infinite values (first: trajectory "
                    f"{where[0]}, step {where[1]}); remove or interpolate them before training"
                )
        if not self.dt > 0:
            raise DataError(f"the sample time dt must be positive, got {self.dt}")
        object.__setattr__(self, "u", u.astype(np.float64, copy=False))
        object.__setattr__(self, "y", y.astype(np.float64, copy=False))
        channels = (("input_names", u.shape[2], "u"), ("output_names", y.shape[2], "y"))
        for attr, width, stem in channels:
            names = getattr(self, attr) or tuple(f"{stem}{i}" for i in range(width))
            if len(names) != width:
                raise DataError(f"{attr} has {len(names)} names for {width} channels")
            object.__setattr__(self, attr, tuple(names))

    @property
    def n(self) -> int:
        return int(self.u.shape[0])

    @property
    def steps(self) -> int:
        return int(self.u.shape[1])

    @property
    def n_u(self) -> int:
        return int(self.u.shape[2])

    @property
    def n_y(self) -> int:
        return int(self.y.shape[2])

    def take(self, index: np.ndarray | slice) -> Trajectories:
        """The trajectories at *index* (an index array or a slice over N)."""
        return Trajectories(
            self.u[index], self.y[index], self.dt, self.input_names, self.output_names
        )


@dataclass(frozen=True, eq=False)
class PlantData:
    """A plant's fixed train / validation / test trajectories for identification.

    A model may read ``u`` everywhere and ``y`` of the first ``init_window`` steps of a test
    trajectory; it is scored on the steps after the window.
    """

    plant: str
    train: Trajectories
    val: Trajectories
    test: Trajectories
    init_window: int
    excitation: str = ""
    seed: int = 0
    meta: dict[str, object] = field(default_factory=dict)

    def __post_init__(self) -> None:
        parts = (self.train, self.val, self.test)
        if len({(p.n_u, p.n_y) for p in parts}) != 1:
            raise DataError("train, validation and test trajectories must share n_u and n_y")
        if not 0 <= self.init_window < min(p.steps for p in parts):
            raise DataError(
                f"the initialisation window ({self.init_window} steps) must be shorter than "
                f"every trajectory ({min(p.steps for p in parts)} steps)"
            )
