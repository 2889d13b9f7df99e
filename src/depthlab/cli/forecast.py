"""``depthlab predict RUN SERIES`` for a forecasting run: the next ``horizon`` values after the end
of SERIES and, where SERIES is long enough, rolling forecasts over it, scored.

SERIES is a table like the training one (its time column and the same value columns), or a
built-in name. It is checked like training data: a gap or NaN is an error naming its time,
unless the run was trained with a ``fill`` option, which is applied the same way here.

The CSV holds one row per forecast value: ``origin`` (the time of the last value the forecast
read), ``time`` (the time it forecasts), ``step`` (1 to horizon), ``forecast`` and ``actual``
(empty beyond the end of SERIES). Rolling forecasts come first, the forecast of the future last.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import typer

from depthlab.cli.predict_output import say_written, write_csv
from depthlab.errors import DataError

if TYPE_CHECKING:
    import pandas as pd

    from depthlab.data.dataset import Dataset
    from depthlab.features.series import Series
    from depthlab.training.run import Run


def read_series(source: str, run: Run, data_dir: Path | None, cache_dir: Path | None) -> Dataset:
    """SERIES as a dataset with the run's columns, in the run's order."""
    from depthlab.data.datasets import is_builtin
    from depthlab.data.load import load_dataset

    columns = [str(c) for c in run.preprocessor.stats["columns"]]
    path = Path(source).expanduser()
    if is_builtin(source) and not path.exists():
        ds = load_dataset(source, data_dir=data_dir, cache_dir=cache_dir)
    elif not path.exists():
        raise DataError(f"no such file or folder: {source}")
    else:
        trained = dict(run.record.data.options)
        options = {
            "task": "forecasting",
            "target": columns[0],
            "time_column": trained.get("time_column"),
        }
        ds = load_dataset(path, **options)
    if ds.modality != "timeseries":
        raise DataError(f"{source} holds {ds.modality} data; give a series like the training one")
    names = list(ds.feature_names)
    missing = [c for c in columns if c not in names]
    if missing:
        raise DataError(f"{source} lacks column(s) {missing}; the model reads {columns}")
    order = [names.index(c) for c in columns]
    return replace(ds, inputs=np.asarray(ds.inputs)[:, order], feature_names=tuple(columns))


def future_times(last: Any, step: int | str, count: int) -> np.ndarray:
    """The *count* times after *last* on a grid of *step* (a number, or a pandas frequency)."""
    if isinstance(step, str):
        import pandas as pd

        return pd.date_range(last, periods=count + 1, freq=step)[1:].to_numpy()
    return np.asarray([last + step * (k + 1) for k in range(count)])


def forecast_rows(
    series: Series, run: Run
) -> tuple[pd.DataFrame, dict[str, Any], np.ndarray, np.ndarray]:
    """The CSV rows, the metrics of the rolling forecasts ({} when SERIES is too short for one
    window with its future), and the next forecast with its times."""
    import pandas as pd

    from depthlab.data.timeseries import time_label
    from depthlab.evaluate.metrics import compute_metrics
    from depthlab.features.series import windows

    stats = run.preprocessor.stats
    lookback, horizon = int(stats["lookback"]), int(stats["horizon"])
    if len(series) < lookback:
        raise DataError(
            f"the series has {len(series)} points; the model reads the last {lookback}, so give "
            f"at least {lookback}"
        )
    frames = []
    metrics: dict[str, Any] = {}
    inputs, actual, _ = windows(series, lookback, horizon)
    steps = np.arange(1, horizon + 1)
    if len(inputs):
        predicted = run.predict(inputs)  # (N, horizon)
        metrics = compute_metrics("forecasting", actual, predicted, mase_scale=stats["naive_mae"])
        positions = np.arange(len(inputs))[:, None] + lookback + steps[None, :] - 1  # (N, H)
        frames.append(
            pd.DataFrame(
                {
                    "origin": np.repeat(
                        series.times[lookback - 1 : lookback - 1 + len(inputs)], horizon
                    ),
                    "time": series.times[positions].ravel(),
                    "step": np.tile(steps, len(inputs)),
                    "forecast": predicted.ravel(),
                    "actual": actual.ravel(),
                }
            )
        )
    last = series.values[-lookback:].T[None].astype(np.float32)  # (1, F, lookback)
    ahead = run.predict(last)[0]  # (horizon,)
    when = future_times(series.times[-1], series.step, horizon)
    frames.append(
        pd.DataFrame(
            {
                "origin": [series.times[-1]] * horizon,
                "time": when,
                "step": steps,
                "forecast": ahead,
                "actual": [np.nan] * horizon,
            }
        )
    )
    table = pd.concat(frames, ignore_index=True)
    for column in ("origin", "time"):
        table[column] = [time_label(t) for t in table[column].to_numpy()]
    return table, metrics, when, ahead


def predict_series(
    run: Run,
    source: str,
    output: Path,
    as_json: bool,
    data_dir: Path | None = None,
    cache_dir: Path | None = None,
) -> None:
    """``depthlab predict`` for a forecasting run (see the module's description)."""
    from depthlab.cli.output import print_metrics
    from depthlab.data.timeseries import time_label
    from depthlab.features.series import check_series

    ds = read_series(source, run, data_dir, cache_dir)
    series = check_series(ds, str(run.preprocessor.stats.get("fill", "none")))
    table, metrics, when, ahead = forecast_rows(series, run)
    write_csv(table, output)
    if say_written(len(table), "forecasts", output, metrics, as_json):
        return
    after = ", ".join(f"{time_label(t)}: {v:.4g}" for t, v in zip(when, ahead, strict=True))
    typer.echo(f"next {len(ahead)} after {time_label(series.times[-1])}: {after}")
    if metrics:
        count = len(table) // len(ahead) - 1
        print_metrics(metrics, (), f"{source}: rolling forecasts from {count:,} windows")
