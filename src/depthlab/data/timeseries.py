"""Time series, ``(T, F)`` float32 with the series to forecast as targets: statsmodels' sunspots
and the user's own tables.

Column 0 of ``inputs`` is always the series to forecast (equal to ``targets``); any further
columns are covariates the models may read. Missing values stay NaN here: the ``windows`` feature
pipeline reports them (or fills them, when asked) with the time they occur at.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from depthlab.config import DataConfig
from depthlab.data.dataset import Dataset, DatasetInfo
from depthlab.data.download import Fetcher
from depthlab.data.tabular import row_label
from depthlab.errors import DataError

if TYPE_CHECKING:
    import pandas as pd


TIME_NAMES = ("time", "date", "datetime", "timestamp", "year", "month", "period", "ds")


def time_label(value: Any) -> str:
    """A time as a person writes it: ``1950``, ``2021-03-01``, ``2021-03-01 12:00:00``."""
    if isinstance(value, np.datetime64) or hasattr(value, "to_datetime64"):
        import pandas as pd

        stamp = pd.Timestamp(value)
        return stamp.strftime("%Y-%m-%d") if stamp == stamp.normalize() else str(stamp)
    return str(value)


def load_sunspots(fetcher: Fetcher) -> Dataset:
    from statsmodels.datasets import sunspots

    frame = sunspots.load_pandas().data  # YEAR, SUNACTIVITY
    values = frame["SUNACTIVITY"].to_numpy(dtype=np.float64)
    return Dataset(
        name="sunspots",
        modality="timeseries",
        task="forecasting",
        inputs=values.astype(np.float32)[:, None],  # (T, 1)
        targets=values,
        feature_names=("SUNACTIVITY",),
        time_index=frame["YEAR"].to_numpy(dtype=np.int64),
        info=DatasetInfo(
            "Yearly mean sunspot numbers, 1700-2008 (309 years)",
            "statsmodels.datasets.sunspots (SIDC, Royal Observatory of Belgium)",
            "public domain",
            "SIDC-team, World Data Center for the Sunspot Index, Royal Observatory of Belgium",
        ),
    )


def series_dataset(frame: pd.DataFrame, config: DataConfig, path: Path) -> Dataset:
    """A table read as a series: a time column (``time_column``, else one named time, date,
    year...; without one, rows are consecutive steps), the column to forecast (``target``, else
    the only value column) and the other columns as covariates. Rows are sorted by time.

    Example:
        >>> import depthlab as dl
        >>> ds = dl.load_dataset("sales.csv", task="forecasting", target="units")  # doctest: +SKIP
        >>> ds.inputs.shape, ds.feature_names  # doctest: +SKIP
        ((730, 2), ('units', 'price'))
    """
    time = _time_column(frame, config.time_column, path)
    values = [str(c) for c in frame.columns if c != time]
    if config.target is not None:
        if config.target not in values:
            raise DataError(f"{path}: no column '{config.target}' to forecast; columns: {values}")
        target = config.target
    elif len(values) == 1:
        target = values[0]
    else:
        raise DataError(f"{path}: name the column to forecast with --target; columns: {values}")
    columns = [target, *(c for c in values if c != target)]
    numbers = np.empty((len(frame), len(columns)), dtype=np.float64)
    for j, name in enumerate(columns):
        numbers[:, j] = _numeric(frame[name], name, path)
    times = None
    if time is not None:
        times = _parse_times(frame[time], time, path)
        order = np.argsort(times, kind="stable")
        numbers, times = numbers[order], times[order]
    elif frame.empty:
        raise DataError(f"{path} has no rows")
    return Dataset(
        name=path.name,
        modality="timeseries",
        task="forecasting",
        inputs=numbers.astype(np.float32),  # (T, F), column 0 the target
        targets=numbers[:, 0].copy(),
        feature_names=tuple(columns),
        time_index=times,
        info=DatasetInfo(description=f"series {path.name}", source=str(path)),
    )


def _time_column(frame: pd.DataFrame, named: str | None, path: Path) -> str | None:
    if named is not None:
        if named not in frame.columns:
            raise DataError(f"{path}: no time column '{named}'; columns: {list(frame.columns)}")
        return named
    found = [str(c) for c in frame.columns if str(c).lower() in TIME_NAMES]
    if len(found) > 1:
        raise DataError(f"{path}: several time columns {found}; choose one with --time-column")
    return found[0] if found else None


def _numeric(column: pd.Series, name: str, path: Path) -> np.ndarray:
    import pandas as pd

    parsed = pd.to_numeric(column, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    stray = np.flatnonzero(np.isnan(parsed) & column.notna().to_numpy())
    if len(stray):
        row = int(stray[0])
        raise DataError(
            f"{path}: {row_label(path, row)}, column '{name}': '{column.iloc[row]}' is not a "
            "number (series columns must be numeric; name the time column with --time-column)"
        )
    return parsed


def _parse_times(column: pd.Series, name: str, path: Path) -> np.ndarray:
    """Whole numbers (years, steps) as int64, anything else parsed as dates."""
    import pandas as pd

    missing = np.flatnonzero(column.isna().to_numpy())
    if len(missing):
        raise DataError(
            f"{path}: {row_label(path, int(missing[0]))}: the time '{name}' is missing; "
            "every row needs its time"
        )
    if column.dtype.kind in "iu":
        return column.to_numpy(dtype=np.int64)
    if column.dtype.kind == "f":
        values = column.to_numpy(dtype=np.float64)
        if np.all(values == np.round(values)):
            return values.astype(np.int64)
        raise DataError(f"{path}: the time column '{name}' must hold whole numbers or dates")
    parsed = pd.to_datetime(column.astype(str), errors="coerce", format="mixed")
    bad = np.flatnonzero(parsed.isna().to_numpy())
    if len(bad):
        row = int(bad[0])
        raise DataError(
            f"{path}: {row_label(path, row)}: '{column.iloc[row]}' in the time column "
            f"'{name}' is not a date"
        )
    if parsed.dt.tz is not None:  # one clock for the whole series
        parsed = parsed.dt.tz_convert("UTC").dt.tz_localize(None)
    return parsed.to_numpy(dtype="datetime64[ns]")
