"""A plant's identification data on demand: fixed, seeded train / validation / test trajectories,
cached; and open-loop simulation of the true plant.

Every trajectory has its own numpy Generator seeded by (seed, split, index), so the test and
validation trajectories do not depend on ``n_train``, and the first k training trajectories of a
larger training set are those of a smaller one (a data-size ladder is nested). Each Generator
draws, in order, the initial state, the excitation and the measurement noise.

Example:
    >>> data = plant_data("linear", n_train=2, steps=50)
    >>> data.train.u.shape, data.train.y.shape, data.test.n
    ((2, 50, 1), (2, 50, 1), 4)
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from depthlab.data.control import cache
from depthlab.data.control.dynamics import Dynamics, Policy, rollout
from depthlab.data.control.excitation import check_excitation, excite
from depthlab.data.control.plants import PlantSpec, dynamics, get_plant
from depthlab.data.control.trajectories import PlantData, Trajectories
from depthlab.errors import DataError

GENERATOR_VERSION = 1  # bump when a plant's equations or the draws change: old caches go stale
SPLIT_INDEX = {"train": 0, "val": 1, "test": 2, "simulate": 3}


def plant_data(
    name: str,
    *,
    excitation: str | None = None,
    seed: int = 0,
    n_train: int | None = None,
    steps: int | None = None,
    cache_dir: str | Path | None = None,
    policy: Policy | None = None,
    noise_std: float | None = None,
) -> PlantData:
    """The identification data of plant *name* (see :func:`plants.list_plants`).

    *excitation* defaults to the plant's (``multisine``, ``prbs``, ``random-steps``, or
    ``expert``, which needs *policy*: a function from outputs (N, n_y) to inputs (N, n_u) run in
    the loop, Gaussian noise added to its inputs). *n_train* and *steps* default to the plant's
    sizes (validation and test counts are fixed per plant); *noise_std* is the measurement noise
    on every output (default: the plant's, zero for the gymnasium plants and ``linear``).
    Results without a policy are cached under ``<cache_dir or the data cache>/control/``.
    """
    spec = get_plant(name)
    chosen = check_excitation(excitation or spec.excitation)
    if (chosen == "expert") != (policy is not None):
        raise DataError(
            "the 'expert' excitation needs a policy, plant_data(name, excitation='expert', "
            "policy=fn) with fn mapping outputs (N, n_y) to inputs (N, n_u); other "
            f"excitations take none (got excitation '{chosen}' and "
            f"{'a' if policy is not None else 'no'} policy)"
        )
    n_train = spec.n_train if n_train is None else n_train
    steps = spec.steps if steps is None else steps
    noise = spec.noise_std if noise_std is None else float(noise_std)
    _check_sizes(spec, seed, n_train, steps, noise)
    key = {"plant": name, "excitation": chosen, "seed": seed, "n_train": n_train}
    key |= {"steps": steps, "noise_std": noise, "version": GENERATOR_VERSION}
    path = cache.cache_path(cache_dir, name, key)
    if policy is None and (cached := cache.load(path)) is not None:
        return cached
    plant = dynamics(name)
    counts = {"train": n_train, "val": spec.n_val, "test": spec.n_test}
    parts = {
        split: _trajectories(
            spec, plant, chosen, (seed, SPLIT_INDEX[split], n), steps, noise, policy
        )
        for split, n in counts.items()
    }
    meta: dict[str, object] = {"noise_std": noise, "version": GENERATOR_VERSION, **spec.meta}
    data = PlantData(
        name, parts["train"], parts["val"], parts["test"], spec.init_window, chosen, seed, meta
    )
    if policy is None:
        cache.save(path, data)
    return data


def simulate(
    name: str,
    u: np.ndarray,
    x0: np.ndarray | None = None,
    *,
    seed: int = 0,
    noise_std: float = 0.0,
) -> Trajectories:
    """Drive plant *name* open-loop with inputs *u* (N, T, n_u), or (T, n_u) for one trajectory,
    from states *x0* (N, n_x) in the order of the plant's ``state_names`` (default: drawn from
    the plant's initial distribution with *seed*). The applied inputs (clipped or rounded as the
    plant does) and the outputs, ``y[:, t]`` before ``u[:, t]`` acts.
    """
    spec = get_plant(name)
    u = np.asarray(u, dtype=np.float64)
    u = u[None] if u.ndim == 2 else u
    if u.ndim != 3 or u.shape[2] != spec.n_u or not np.isfinite(u).all():
        raise DataError(
            f"simulate('{name}') needs finite inputs of shape (N, T, {spec.n_u}) "
            f"({', '.join(spec.input_names)}); got {np.shape(u)}"
        )
    _check_sizes(spec, seed, u.shape[0], u.shape[1], noise_std, window=False)
    plant = dynamics(name)
    rngs = _generators((seed, SPLIT_INDEX["simulate"], u.shape[0]))
    start = np.stack([plant.init(r) for r in rngs]) if x0 is None else np.asarray(x0, float)
    if start.shape != (u.shape[0], len(spec.state_names)) or not np.isfinite(start).all():
        raise DataError(
            f"x0 must hold finite states of shape ({u.shape[0]}, {len(spec.state_names)}) "
            f"({', '.join(spec.state_names)}); got {start.shape}"
        )
    noise = noise_std * np.stack([r.standard_normal((u.shape[1], spec.n_y)) for r in rngs])
    applied, y = rollout(plant, start, inputs=u, output_noise=noise)
    return Trajectories(applied, y, spec.dt, spec.input_names, spec.output_names)


def _generators(stream: tuple[int, int, int]) -> list[np.random.Generator]:
    seed, split, n = stream
    return [np.random.default_rng([seed, split, i]) for i in range(n)]


def _trajectories(
    spec: PlantSpec,
    plant: Dynamics,
    excitation: str,
    stream: tuple[int, int, int],
    steps: int,
    noise_std: float,
    policy: Policy | None,
) -> Trajectories:
    x0, plans, noise = [], [], []
    for rng in _generators(stream):  # per trajectory: initial state, excitation, noise
        x0.append(plant.init(rng))
        plans.append(excite(excitation, rng, steps, spec))
        noise.append(noise_std * rng.standard_normal((steps, spec.n_y)))
    start, plan, measured = np.stack(x0), np.stack(plans), np.stack(noise)
    if policy is None:
        u, y = rollout(plant, start, inputs=plan, output_noise=measured)
    else:
        u, y = rollout(plant, start, policy=policy, input_noise=plan, output_noise=measured)
    return Trajectories(u, y, spec.dt, spec.input_names, spec.output_names)


def _check_sizes(
    spec: PlantSpec, seed: int, n: int, steps: int, noise_std: float, *, window: bool = True
) -> None:
    problems = []
    if not (isinstance(seed, int | np.integer) and seed >= 0):
        problems.append(f"seed must be a non-negative integer, got {seed!r}")
    if n < 1:
        problems.append(f"the number of trajectories must be at least 1, got {n}")
    least = spec.init_window + 1 if window else 1
    if steps < least:
        problems.append(
            f"steps must be at least {least} (the initialisation window + 1), got {steps}"
        )
    if not (np.isfinite(noise_std) and noise_std >= 0):
        problems.append(f"noise_std must be finite and non-negative, got {noise_std}")
    if problems:
        raise DataError(f"plant '{spec.name}': " + "; ".join(problems))
