"""Opt-in reader of the real nonlinearbenchmark.org files, from a folder the user points at.

depthlab never downloads these files (their data licence is not stated): put the original
files under a folder, in any layout, and name it with ``DEPTHLAB_NLB_DIR`` or ``folder=``. The
splits and initialisation windows follow the ``nonlinear-benchmarks`` 1.0.1 loader:

- ``cascaded-tanks``: ``dataBenchmark.mat`` (uEst, yEst, uVal, yVal, Ts = 4 s); train the
  estimation record's first 700 samples, validation the rest, test the validation record;
  init window 50.
- ``wh-benchmark``: ``WienerHammerBenchMark.mat`` (uBenchMark, yBenchMark, fs); samples
  5,200 to 184,000, the first 100,000 for training (its last quarter held out for validation),
  the rest for testing; init window 50.
- ``silverbox``: ``SNLS80mV.mat`` (V1 input, V2 output, fs = 610.35 Hz); the multisine part,
  samples 40,650 to 127,400, 75 % for training (its last quarter for validation), 25 % for
  testing; init window 50.

Each split is one trajectory (N = 1).

Example (with the files at hand):
    >>> data = benchmark_data("cascaded-tanks", folder="~/nlb")  # doctest: +SKIP
    >>> data.train.u.shape, data.test.u.shape  # doctest: +SKIP
    ((1, 700, 1), (1, 1024, 1))
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from depthlab.data.control.trajectories import PlantData, Trajectories
from depthlab.errors import DataError, UnknownNameError, closest

NLB_DIR_ENV = "DEPTHLAB_NLB_DIR"


@dataclass(frozen=True)
class RealBenchmark:
    name: str
    file_name: str
    init_window: int


BENCHMARKS = {
    b.name: b
    for b in (
        RealBenchmark("cascaded-tanks", "dataBenchmark.mat", 50),
        RealBenchmark("wh-benchmark", "WienerHammerBenchMark.mat", 50),
        RealBenchmark("silverbox", "SNLS80mV.mat", 50),
    )
}


def benchmark_data(name: str, *, folder: str | Path | None = None) -> PlantData:
    """The real benchmark *name* read from *folder* (default ``$DEPTHLAB_NLB_DIR``)."""
    if name not in BENCHMARKS:
        raise UnknownNameError(
            f"unknown real benchmark '{name}'.{closest(name, BENCHMARKS)} "
            f"Real benchmarks: {', '.join(BENCHMARKS)}"
        )
    bench = BENCHMARKS[name]
    path = _find(bench, folder)
    from scipy.io import loadmat

    try:
        mat = loadmat(path)
        splits, dt = _SPLITTERS[name](mat)
    except (OSError, ValueError, KeyError, IndexError) as exc:
        raise DataError(f"cannot read {path} as the {name} benchmark: {exc}") from None
    parts = [
        Trajectories(u.reshape(1, -1, 1), y.reshape(1, -1, 1), dt, ("u",), ("y",))
        for u, y in splits
    ]
    meta: dict[str, object] = {"source": str(path)}
    train, val, test = parts
    return PlantData(name, train, val, test, bench.init_window, "recorded", meta=meta)


def _find(bench: RealBenchmark, folder: str | Path | None) -> Path:
    where = folder or os.environ.get(NLB_DIR_ENV)
    if not where:
        raise DataError(
            f"the real {bench.name} benchmark is read from a folder holding {bench.file_name}: "
            f"set {NLB_DIR_ENV} or pass folder= (depthlab never downloads it)"
        )
    root = Path(where).expanduser()
    found = sorted(root.rglob(bench.file_name)) if root.is_dir() else []
    if not found:
        raise DataError(
            f"no {bench.file_name} under {root} for the real {bench.name} benchmark; put the "
            f"original file there (depthlab never downloads it)"
        )
    return found[0]


Split = tuple[np.ndarray, np.ndarray]


def _column(mat: dict[str, np.ndarray], key: str) -> np.ndarray:
    return np.asarray(mat[key], dtype=np.float64).reshape(-1)


def _hold_out(u: np.ndarray, y: np.ndarray, at: int) -> tuple[Split, Split]:
    return (u[:at], y[:at]), (u[at:], y[at:])


def _tanks(mat: dict[str, np.ndarray]) -> tuple[list[Split], float]:
    u, y = _column(mat, "uEst"), _column(mat, "yEst")
    train, val = _hold_out(u, y, 700)
    return [train, val, (_column(mat, "uVal"), _column(mat, "yVal"))], float(_column(mat, "Ts")[0])


def _wiener_hammerstein(mat: dict[str, np.ndarray]) -> tuple[list[Split], float]:
    u, y = _column(mat, "uBenchMark")[5200:184000], _column(mat, "yBenchMark")[5200:184000]
    (fit_u, fit_y), test = _hold_out(u, y, 100_000)
    train, val = _hold_out(fit_u, fit_y, 75_000)
    return [train, val, test], 1.0 / float(_column(mat, "fs")[0])


def _silverbox(mat: dict[str, np.ndarray]) -> tuple[list[Split], float]:
    u, y = _column(mat, "V1")[40650:127400], _column(mat, "V2")[40650:127400]
    (fit_u, fit_y), test = _hold_out(u, y, int(len(u) * 0.75))
    train, val = _hold_out(fit_u, fit_y, int(len(fit_u) * 0.75))
    return [train, val, test], 1.0 / 610.35


_SPLITTERS = {
    "cascaded-tanks": _tanks,
    "wh-benchmark": _wiener_hammerstein,
    "silverbox": _silverbox,
}
