"""``windows``: a series becomes forecasting examples, ``lookback`` steps in, ``horizon`` out.

A ``(T, F)`` series (column 0 of ``inputs`` is the series to forecast, the others are
covariates) becomes ``N = T - lookback - horizon + 1`` windows: inputs ``(N, F, lookback)``, the
next ``horizon`` values of the target as targets ``(N, horizon)``, and as ``time_index`` the time
of each window's first forecast step. Models read a window as a ``(F, lookback)`` sequence.

Scaling is fitted on the training windows only: each channel is standardised, and channel 0 (the
target's past) with the very statistics the preprocessor uses for the targets, so a window's last
value and its forecast share one scale (persistence and ARIMA read it there).

Times must be strictly increasing on a regular grid (integers such as years, or dates with a
frequency pandas can infer). A missing time (a gap) or a NaN is an error naming the first bad
time, unless ``fill`` says how to fill it: ``ffill`` carries the last value forward and never looks
ahead; ``interpolate`` draws a straight line across the gap, so a window ending inside a filled gap
has seen the value after it. Leading gaps cannot be filled and are dropped (with ``interpolate``,
trailing ones too).

Splits: a temporal split (the default for forecasting) purges ``horizon - 1`` windows before
each boundary, so no training window's targets reach into the validation or test period
(:mod:`depthlab.data.splits`).

Example:
    >>> import depthlab as dl
    >>> from depthlab.training.preprocess import examples_for
    >>> windows = examples_for(dl.load_dataset("sunspots"), "mlp", {"lookback": 12})
    >>> windows.inputs.shape, windows.targets.shape, int(windows.time_index[0])
    ((297, 1, 12), (297, 1), 1712)
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from depthlab.data.timeseries import time_label
from depthlab.errors import ConfigError, DataError
from depthlab.features.registry import Features, Stats, register_features
from depthlab.features.spec import InputSpec

if TYPE_CHECKING:
    from depthlab.config import FeatureConfig
    from depthlab.data.dataset import Dataset

log = logging.getLogger(__name__)

EPS = 1e-8  # as the preprocessor's target standardisation, so channel 0 matches it exactly
# Windows a series must yield beyond the purged ones: enough for train, validation and test.
MIN_WINDOWS = 10
FREQ_SAMPLES = 64  # triples of dates whose frequency is inferred when the whole index has gaps
SPARSE = 100  # a grid with this many steps per time is not the data's grid


@dataclass(frozen=True)
class Series:
    """A checked series on a regular grid: values ``(T, F)`` (column 0 the target), the target
    ``(T,)`` and times ``(T,)`` (positions when the data has none); ``step`` is the grid's step
    (an integer, or a pandas frequency string for dates)."""

    values: np.ndarray
    target: np.ndarray
    times: np.ndarray
    step: int | str

    def __len__(self) -> int:
        return len(self.target)


def check_series(ds: Dataset, fill: str = "none") -> Series:
    """*ds* (a ``(T, F)`` series) on a regular grid with every value present: gaps and NaN are
    errors naming the first bad time, or are filled as *fill* says (``ffill``, ``interpolate``)."""
    values = np.asarray(ds.inputs, dtype=np.float64)
    target = np.asarray(ds.targets, dtype=np.float64)
    if values.ndim != 2 or target.ndim != 1 or len(values) != len(target):
        raise DataError(
            f"{ds.name}: a series needs inputs (T, F) and targets (T,), not "
            f"{values.shape} and {target.shape}"
        )
    same = np.isclose(values[:, 0], target, rtol=1e-6, atol=1e-6, equal_nan=True)
    if not same.all():
        raise DataError(
            f"{ds.name}: column 0 of a series' inputs must be the series to forecast (the "
            f"targets); they differ at {time_label(_times(ds)[int(np.argmin(same))])}"
        )
    times = _times(ds)
    grid, step = regular_grid(times, ds.name)
    if len(grid) > len(times):  # missing times: rows of NaN, for the checks below to find
        rows = np.searchsorted(grid, times)
        full = np.full((len(grid), values.shape[1]), np.nan)
        full[rows] = values
        values, times = full, grid
        target = values[:, 0].copy()
        missing = np.setdiff1d(np.arange(len(grid)), rows)
        if fill == "none":
            raise DataError(
                f"{ds.name}: the series has a gap: no value at {time_label(grid[missing[0]])} "
                f"({len(missing)} missing time{'s' * (len(missing) > 1)}); add the rows or "
                "fill them with --feature fill=ffill or fill=interpolate"
            )
    bad = ~np.isfinite(values)
    if bad.any():
        row, column = (int(i) for i in np.argwhere(bad)[0])
        if fill == "none":
            names = ds.feature_names or tuple(f"column {i}" for i in range(values.shape[1]))
            raise DataError(
                f"{ds.name}: the series has a missing value (NaN) at {time_label(times[row])} "
                f"in '{names[column]}' ({int(bad.any(axis=1).sum())} time(s) with NaN); fix the "
                "data or fill it with --feature fill=ffill or fill=interpolate"
            )
        values, times = _filled(values, times, fill, ds.name)
        target = values[:, 0].copy()
    return Series(values, target, times, step)


def _times(ds: Dataset) -> np.ndarray:
    if ds.time_index is None:
        return np.arange(len(ds.targets), dtype=np.int64)
    return np.asarray(ds.time_index)


def regular_grid(times: np.ndarray, name: str) -> tuple[np.ndarray, int | str]:
    """Every time of the regular grid from the first time to the last, and its step; an error
    when times repeat, go back, or do not sit on one grid."""
    if len(times) < 2:
        return times, 1
    steps = np.diff(times)
    zero = steps.astype(np.int64) if np.issubdtype(times.dtype, np.datetime64) else steps
    if (zero <= 0).any():
        i = int(np.flatnonzero(zero <= 0)[0])
        problem = "appears twice" if zero[i] == 0 else f"comes after {time_label(times[i])}"
        raise DataError(
            f"{name}: times must increase, but {time_label(times[i + 1])} {problem}; "
            "sort the rows and drop duplicates"
        )
    if np.issubdtype(times.dtype, np.datetime64):
        return _date_grid(times, name)
    if not np.issubdtype(times.dtype, np.integer):
        raise DataError(f"{name}: series times must be integers (years...) or dates")
    step = int(np.gcd.reduce(steps))  # the coarsest grid holding every time
    if (times[-1] - times[0]) // step > SPARSE * len(times):
        raise DataError(f"{name}: times are not on a regular grid (their common step is {step})")
    return np.arange(times[0], times[-1] + 1, step, dtype=times.dtype), step


def _date_grid(times: np.ndarray, name: str) -> tuple[np.ndarray, str]:
    """The coarsest regular date grid holding every date: the frequency pandas infers, one of
    short runs (gaps hide the whole index's), a calendar one (monthly, quarterly, yearly), business
    days, or the greatest common step."""
    import pandas as pd

    index = pd.DatetimeIndex(times)
    candidates: set[Any] = {"MS", "ME", "QS", "QE", "YS", "YE", "B"}
    if len(index) >= 3:
        starts = np.unique(np.linspace(0, len(index) - 3, FREQ_SAMPLES).astype(int))
        with warnings.catch_warnings():
            # pandas 3 announces an offset instead of a string; either is a frequency below.
            warnings.simplefilter("ignore", DeprecationWarning)
            warnings.simplefilter("ignore", FutureWarning)
            candidates.add(pd.infer_freq(index))
            candidates |= {pd.infer_freq(index[i : i + 3]) for i in starts}
    common = np.gcd.reduce(np.diff(times).astype(np.int64))
    candidates.add(pd.Timedelta(int(common), unit="ns"))
    span = (index[-1] - index[0]) / len(index)
    best: tuple[pd.DatetimeIndex, str] | None = None
    for freq in candidates - {None}:
        step: Any = pd.tseries.frequencies.to_offset(freq)
        # Two steps' length: one calendar month can be 28 days.
        if span / ((index[0] + step * 2 - index[0]) / 2) > SPARSE:
            continue  # far finer than the data: not its grid
        grid = pd.date_range(index[0], index[-1], freq=step)
        if len(grid) and index.isin(grid).all() and (best is None or len(grid) < len(best[0])):
            best = (grid, step.freqstr)
    if best is None:
        raise DataError(
            f"{name}: the series' dates are not on a regular grid (daily, monthly...); "
            "give one row per step"
        )
    return best[0].to_numpy(dtype=times.dtype), best[1]


def _filled(
    values: np.ndarray, times: np.ndarray, fill: str, name: str
) -> tuple[np.ndarray, np.ndarray]:
    import pandas as pd

    frame = pd.DataFrame(values)
    if fill == "ffill":
        frame = frame.ffill()
    else:
        frame = frame.interpolate(method="linear", limit_area="inside")
    complete = frame.notna().all(axis=1).to_numpy()
    if not complete.any():
        raise DataError(f"{name}: no time has a value in every column; nothing to fill from")
    # What cannot be filled: the start (nothing before it), and the end with interpolate.
    first, last = int(np.argmax(complete)), len(complete) - int(np.argmax(complete[::-1]))
    kept = frame.to_numpy()[first:last]
    dropped = first + len(values) - last
    log.info(
        "%s: filled %d missing value(s) with %s%s",
        name,
        int(np.isnan(values[first:last]).sum()),
        fill,
        f"; dropped {dropped} time(s) at the ends that cannot be filled" if dropped else "",
    )
    return kept, times[first:last]


def min_length(lookback: int, horizon: int) -> int:
    """The shortest series that trains: ``MIN_WINDOWS`` windows beyond the ``horizon - 1``
    purged before each of the two split boundaries."""
    return lookback + horizon - 1 + MIN_WINDOWS + 2 * (horizon - 1)


def windows(
    series: Series, lookback: int, horizon: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every window of *series*: inputs ``(N, F, lookback)``, targets ``(N, horizon)`` and the
    time of each first forecast step ``(N,)``; ``N`` is 0 when the series is too short."""
    n = len(series) - lookback - horizon + 1
    if n <= 0:
        width = series.values.shape[1]
        return np.zeros((0, width, lookback), np.float32), np.zeros((0, horizon)), series.times[:0]
    view = np.lib.stride_tricks.sliding_window_view(
        series.values, lookback, axis=0
    )  # (T-L+1, F, L)
    inputs = np.ascontiguousarray(view[:n], dtype=np.float32)
    ahead = np.lib.stride_tricks.sliding_window_view(series.target[lookback:], horizon)
    return inputs, np.array(ahead[:n], dtype=np.float64), series.times[lookback : lookback + n]


def window_examples(ds: Dataset, options: FeatureConfig) -> Dataset:
    """*ds* (a series) as forecasting windows; a dataset of windows already is left as it is."""
    if ds.modality != "timeseries":
        raise ConfigError(f"windows are for time series, not {ds.modality} data")
    if np.ndim(ds.inputs) == 3:
        return ds
    series = check_series(ds, options.fill)
    lookback, horizon = options.lookback, options.horizon
    needed = min_length(lookback, horizon)
    if len(series) < needed:
        raise DataError(
            f"{ds.name}: the series has {len(series)} points; lookback {lookback} and horizon "
            f"{horizon} need at least {needed} ({MIN_WINDOWS} windows to split); lower "
            "--lookback or give a longer series"
        )
    inputs, targets, times = windows(series, lookback, horizon)
    return replace(
        ds,
        task="forecasting",
        inputs=inputs,
        targets=targets,
        time_index=times,
        groups=None,
        sample_ids=(),
        test_indices=None,
    )


def fit_windows(part: Dataset, options: FeatureConfig) -> Stats:
    inputs = np.asarray(part.inputs, dtype=np.float64)  # (N, F, L)
    targets = np.asarray(part.targets, dtype=np.float64)  # (N, H)
    if inputs.ndim != 3 or targets.ndim != 2:
        raise ConfigError("the windows pipeline needs a series framed by its examples step")
    mean = inputs.mean(axis=(0, 2))
    std = inputs.std(axis=(0, 2)) + EPS
    mean[0], std[0] = float(targets.mean()), float(targets.std() + EPS)
    # MASE's scale: the one-step naive forecast's mean absolute error over the training targets.
    naive = np.abs(targets[:, 0] - inputs[:, 0, -1])
    stats: Stats = {
        "lookback": int(inputs.shape[2]),
        "horizon": int(targets.shape[1]),
        "columns": list(part.feature_names) or [f"x{i}" for i in range(inputs.shape[1])],
        "mean": mean.tolist(),
        "std": std.tolist(),
        "naive_mae": float(naive.mean()) if len(naive) else None,
        "fill": options.fill,
    }
    if part.time_index is not None and len(part.time_index) >= 2:
        _, stats["step"] = regular_grid(np.asarray(part.time_index), part.name)
    return stats


def transform_windows(inputs: Any, stats: Stats) -> np.ndarray:
    array = np.asarray(inputs, dtype=np.float32)
    expected = (len(stats["mean"]), int(stats["lookback"]))
    if array.ndim != 3 or array.shape[1:] != expected:
        raise DataError(
            f"windows have shape {array.shape[1:]}; the model reads {expected} (features, "
            "lookback): give a series, which depthlab cuts into windows"
        )
    mean = np.asarray(stats["mean"], dtype=np.float32)[None, :, None]
    std = np.asarray(stats["std"], dtype=np.float32)[None, :, None]
    return np.asarray((array - mean) / std, dtype=np.float32)


def windows_spec(stats: Stats, n_outputs: int, task: str) -> InputSpec:
    shape = (len(stats["mean"]), int(stats["lookback"]))
    return InputSpec("sequence", shape, int(stats["horizon"]), task)


register_features(
    Features(
        "windows",
        ("timeseries",),
        "sequence",
        fit_windows,
        transform_windows,
        windows_spec,
        "the last `lookback` steps of every column, standardised, (F, lookback); the next "
        "`horizon` values as targets",
        window_examples,
        # Series are short (sunspots: 200 training windows): small batches and more epochs; the
        # best validation epoch is kept. Chosen on sunspots' validation windows (bench/README.md).
        train_defaults={"batch_size": 32, "epochs": 100},
    ),
    defaults={"timeseries": {"*": "windows"}},
)
