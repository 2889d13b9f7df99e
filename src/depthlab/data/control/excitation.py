"""Input signals that excite a plant for identification, one trajectory at a time.

Each excitation maps a numpy Generator, a number of steps and the plant's spec to the inputs
(T, n_u) of one trajectory, inside the plant's range ``[u_low, u_high]``:

- ``multisine``: a sum of cosines on every frequency bin ``k / T`` up to ``band`` times Nyquist,
  random phases, scaled to fill the range;
- ``prbs``: a maximum-length pseudo-random binary sequence (scipy.signal.max_len_seq, random
  start state) between the range's ends, each bit held ``hold`` steps;
- ``random-steps``: piecewise constant, a uniform level in the range held ``hold`` steps;
- ``expert``: a policy in the loop; what is drawn here is the Gaussian noise added to its inputs
  (standard deviation a tenth of the range's half width). The policy itself is an argument of
  :func:`depthlab.data.control.generate.plant_data`.

Example:
    >>> import numpy as np
    >>> from depthlab.data.control.plants import get_plant
    >>> u = excite("random-steps", np.random.default_rng(0), 20, get_plant("pendulum"))
    >>> u.shape, bool(np.all(np.abs(u) <= 2.0))
    ((20, 1), True)
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from depthlab.data.control.plants import PlantSpec
from depthlab.errors import UnknownNameError, closest

EXPERT_NOISE = 0.1  # the expert's input noise, as a share of the range's half width


def _range(spec: PlantSpec) -> tuple[np.ndarray, np.ndarray]:
    low, high = np.asarray(spec.u_low, dtype=np.float64), np.asarray(spec.u_high, dtype=np.float64)
    return (high + low) / 2, (high - low) / 2  # centre, half width, each (n_u,)


def multisine(rng: np.random.Generator, steps: int, spec: PlantSpec) -> np.ndarray:
    centre, half = _range(spec)
    bins = np.arange(1, max(2, int(spec.band * steps / 2) + 1))  # frequencies k / T
    t = np.arange(steps)[:, None]
    columns = []
    for _ in range(spec.n_u):
        phases = rng.uniform(0.0, 2 * np.pi, size=bins.size)
        s = np.cos(2 * np.pi * t * bins[None, :] / steps + phases).sum(axis=1)
        columns.append(s / np.abs(s).max())
    return np.asarray(centre + half * np.stack(columns, axis=1))


def prbs(rng: np.random.Generator, steps: int, spec: PlantSpec) -> np.ndarray:
    from scipy.signal import max_len_seq

    centre, half = _range(spec)
    bits_needed = -(-steps // spec.hold)
    nbits = int(min(32, max(4, np.ceil(np.log2(bits_needed + 1)))))
    columns = []
    for _ in range(spec.n_u):
        state = rng.integers(0, 2, size=nbits)
        state[0] = 1 if not state.any() else state[0]  # the all-zero state never leaves zero
        bits = max_len_seq(nbits, state=state, length=bits_needed)[0]
        columns.append(np.repeat(2.0 * bits - 1.0, spec.hold)[:steps])
    return np.asarray(centre + half * np.stack(columns, axis=1))


def random_steps(rng: np.random.Generator, steps: int, spec: PlantSpec) -> np.ndarray:
    centre, half = _range(spec)
    blocks = -(-steps // spec.hold)
    levels = rng.uniform(-1.0, 1.0, size=(blocks, spec.n_u))
    return centre + half * np.repeat(levels, spec.hold, axis=0)[:steps]


def expert_noise(rng: np.random.Generator, steps: int, spec: PlantSpec) -> np.ndarray:
    _, half = _range(spec)
    return EXPERT_NOISE * half * rng.standard_normal((steps, spec.n_u))


Excitation = Callable[[np.random.Generator, int, PlantSpec], np.ndarray]
EXCITATIONS: dict[str, Excitation] = {
    "multisine": multisine,
    "prbs": prbs,
    "random-steps": random_steps,
    "expert": expert_noise,
}


def check_excitation(name: str) -> str:
    """*name* if it is an excitation; an unknown name suggests the closest one."""
    if name not in EXCITATIONS:
        raise UnknownNameError(
            f"unknown excitation '{name}'.{closest(name, EXCITATIONS)} "
            f"Excitations: {', '.join(EXCITATIONS)}"
        )
    return name


def excite(name: str, rng: np.random.Generator, steps: int, spec: PlantSpec) -> np.ndarray:
    """The inputs (T, n_u) of one trajectory excited by *name* (for ``expert``, the noise added
    to the policy's inputs)."""
    return EXCITATIONS[check_excitation(name)](rng, steps, spec)
