"""The forecast figure: actual values against a model's forecasts over a stretch of time (the
test period of ``depthlab evaluate RUN --plot FILE``; any forecasts in the study report).

One line of actual values, one of the forecasts one step ahead and, for a horizon above 1, one
of the forecasts ``horizon`` steps ahead (each drawn at the time it forecasts), so how far ahead
a model stays useful shows at a glance. Built on an Agg canvas without pyplot
(:mod:`depthlab.report.canvas`).

Example:
    >>> import numpy as np
    >>> years = np.arange(1979, 2009)
    >>> actual = np.sin(years / 2.0)[:, None]  # (N, horizon)
    >>> uri = forecast_uri(years, actual, actual + 0.1, title="sunspots, test period")
    >>> uri.startswith("data:image/png;base64,")
    True
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from depthlab.errors import ConfigError
from depthlab.report import canvas

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from depthlab.data.dataset import Dataset
    from depthlab.data.splits import Split
    from depthlab.training.run import Run

ACTUAL, FIRST, LAST = "#333333", "#d95f02", "#1b9e77"
FORMATS = (".png", ".svg", ".pdf")


def forecast_figure(
    times: np.ndarray, actual: np.ndarray, predicted: np.ndarray, *, title: str = ""
) -> Figure:
    """Actual against forecast values of windows whose first forecast step falls at *times*.

    *actual* and *predicted* are ``(N, horizon)`` (or ``(N,)`` for one step); the step-``h``
    forecast of window ``i`` is drawn at the time ``h - 1`` steps after ``times[i]``, read off
    *times* (consecutive windows step one time apart).
    """
    actual = np.asarray(actual, dtype=np.float64).reshape(len(times), -1)
    predicted = np.asarray(predicted, dtype=np.float64).reshape(actual.shape)
    horizon = actual.shape[1]
    fig, (ax,) = canvas.new_figure(width=7.5, height=3.2)
    x = np.asarray(times)
    # The actual series over the whole stretch: every window's first step, then the last
    # window's later steps, at the times that follow (extended by the usual step).
    tail = _later(x, horizon - 1)
    ax.plot(
        np.concatenate([x, tail]),
        np.concatenate([actual[:, 0], actual[-1, 1:]]),
        color=ACTUAL,
        linewidth=1.6,
        label="actual",
    )
    rmse = float(np.sqrt(np.mean((predicted[:, 0] - actual[:, 0]) ** 2)))
    ax.plot(
        x,
        predicted[:, 0],
        color=FIRST,
        linewidth=1.4,
        linestyle="--",
        marker="o" if len(x) <= 60 else None,
        markersize=3,
        label=f"1 step ahead (RMSE {rmse:.4g})",
    )
    if horizon > 1:
        shifted = np.concatenate([x, tail])[horizon - 1 :]
        rmse_h = float(np.sqrt(np.mean((predicted[:, -1] - actual[:, -1]) ** 2)))
        ax.plot(
            shifted,
            predicted[:, -1],
            color=LAST,
            linewidth=1.2,
            linestyle=":",
            label=f"{horizon} steps ahead (RMSE {rmse_h:.4g})",
        )
    ax.set_xlabel("time")
    ax.legend(fontsize=8, frameon=False)
    if title:
        ax.set_title(title, fontsize=10)
    return fig


def _later(times: np.ndarray, count: int) -> np.ndarray:
    """*count* times after the last of *times*, at its usual step."""
    if count == 0 or len(times) < 2:
        return times[:0]
    step = times[-1] - times[-2]
    return np.asarray([times[-1] + step * (k + 1) for k in range(count)], dtype=times.dtype)


def forecast_uri(
    times: np.ndarray, actual: np.ndarray, predicted: np.ndarray, *, title: str = ""
) -> str:
    """:func:`forecast_figure` as a PNG data URI, for the HTML report."""
    return canvas.to_uri(forecast_figure(times, actual, predicted, title=title))


def held_out_forecasts(run: Run, ds: Dataset, split: Split) -> tuple[np.ndarray, Any, Any]:
    """Times, actual values and *run*'s forecasts of the test windows of *ds* (windows)."""
    test = ds.subset(split.test)
    times = test.time_index if test.time_index is not None else np.asarray(split.test)
    return times, np.asarray(test.targets), run.predict(test.inputs)


def save_forecast_plot(run: Run, ds: Dataset, split: Split, path: Path) -> Path:
    """Draw *run*'s forecasts of the test period of *ds* (its windows, split as in training)
    to *path* (PNG, SVG or PDF, from the suffix)."""
    if run.task != "forecasting":
        raise ConfigError(f"--plot draws forecasts; this run does {run.task}")
    if path.suffix.lower() not in FORMATS:
        raise ConfigError(f"--plot {path}: give a file ending in {', '.join(FORMATS)}")
    times, actual, predicted = held_out_forecasts(run, ds, split)
    family = run.record.family
    title = f"{run.record.data.name}: {family} ({run.record.preset or ''}), test period"
    fig = forecast_figure(times, actual, predicted, title=title)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=canvas.DPI * 1.5)
    except OSError as exc:
        raise ConfigError(f"cannot write {path}: {exc}; choose another --plot file") from None
    return path
