"""The ``windows`` pipeline: windows and their times, splits that do not leak across boundaries,
scaling from training windows only, and the errors (or fills) for gaps, NaN and short series."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import depthlab as dl
from depthlab.data.dataset import Dataset
from depthlab.data.splits import kfold, split_dataset
from depthlab.errors import ConfigError, DataError
from depthlab.features.series import check_series, min_length
from depthlab.training.preprocess import Preprocessor, examples_for


def series(values: np.ndarray, times: np.ndarray | None = None, covariate: bool = False) -> Dataset:
    """A series dataset: column 0 the target, optionally a covariate (the target times 10)."""
    columns = [values, values * 10.0] if covariate else [values]
    return Dataset(
        name="toy",
        modality="timeseries",
        task="forecasting",
        inputs=np.stack(columns, axis=1).astype(np.float32),
        targets=np.asarray(values, dtype=np.float64),
        feature_names=("y", "x")[: len(columns)],
        time_index=times,
    )


def windows_of(ds: Dataset, **options: object) -> Dataset:
    return examples_for(ds, "mlp", options)


def test_windows_hold_the_past_as_inputs_and_the_next_values_as_targets() -> None:
    values = np.arange(40, dtype=np.float64)
    times = np.arange(1900, 1940)
    w = windows_of(series(values, times, covariate=True), lookback=3, horizon=2)
    assert w.inputs.shape == (36, 2, 3) and w.targets.shape == (36, 2)
    np.testing.assert_array_equal(w.inputs[5, 0], [5, 6, 7])
    np.testing.assert_array_equal(w.inputs[5, 1], [50, 60, 70])  # the covariate rides along
    np.testing.assert_array_equal(w.targets[5], [8, 9])
    assert w.time_index[5] == 1908  # the time of the first value forecast
    assert w.targets[-1, -1] == 39  # the last window ends with the series


def test_sunspots_windows_start_after_the_lookback() -> None:
    w = windows_of(dl.load_dataset("sunspots"), lookback=24)
    assert w.inputs.shape == (309 - 24, 1, 24)
    assert w.time_index[0] == 1724 and w.time_index[-1] == 2008
    assert w.task == "forecasting"


@pytest.mark.parametrize("horizon", [1, 3, 5])
def test_a_temporal_split_purges_windows_whose_targets_cross_a_boundary(horizon: int) -> None:
    w = windows_of(series(np.sin(np.arange(300) / 5.0)), lookback=8, horizon=horizon)
    split = split_dataset(w, seed=0)
    assert split.strategy == "temporal"
    last_target = w.time_index + horizon - 1  # the time of each window's last forecast value
    # Every training window's targets end before the first validation target; the same for
    # validation and test.
    assert last_target[split.train].max() < w.time_index[split.val].min()
    assert last_target[split.val].max() < w.time_index[split.test].min()
    purged = len(w) - sum(split.sizes().values())
    assert purged == 2 * (horizon - 1)
    # Exactly horizon - 1 windows before each boundary are dropped, none more.
    assert w.time_index[split.val].min() - w.time_index[split.train].max() == horizon
    for fold in kfold(w, k=3):
        assert last_target[fold.train].max() < w.time_index[fold.test].min()


def test_scaling_is_fitted_on_training_windows_only() -> None:
    values = np.sin(np.arange(200) / 4.0) * 5 + 20
    w = windows_of(series(values, covariate=True), lookback=6, horizon=2)
    split = split_dataset(w, seed=0)
    prep = Preprocessor.fit(w, split.train, "mlp")
    # Wild held-out values change nothing that was fitted.
    wild = values.copy()
    wild[150:] *= 1000.0
    w_wild = windows_of(series(wild, covariate=True), lookback=6, horizon=2)
    again = Preprocessor.fit(w_wild, split.train, "mlp")
    assert again.stats == prep.stats
    # Channel 0 (the target's past) shares the targets' scale: a window's last value and the
    # value after it map to the same numbers.
    x = prep.transform(w.inputs)
    y = prep.transform_targets(w.targets)
    np.testing.assert_allclose(x[1:, 0, -1], y[:-1, 0], atol=1e-5)
    train_x = x[split.train]
    np.testing.assert_allclose(train_x[:, 1].mean(), 0.0, atol=1e-5)
    np.testing.assert_allclose(train_x[:, 1].std(), 1.0, atol=1e-4)
    assert prep.input_spec(1).shape == (2, 6) and prep.input_spec(1).n_outputs == 2


def test_a_gap_is_an_error_naming_the_first_missing_time() -> None:
    times = np.delete(np.arange(1900, 1960), [20, 21, 40])
    ds = series(np.arange(len(times), dtype=np.float64), times)
    with pytest.raises(DataError, match=r"no value at 1920 \(3 missing times\).*fill=ffill"):
        windows_of(ds, lookback=4)


def test_nan_is_an_error_naming_its_time_and_column() -> None:
    values = np.arange(60, dtype=np.float64)
    ds = series(values, np.arange(2000, 2060), covariate=True)
    ds.inputs[33, 1] = np.nan
    with pytest.raises(DataError, match=r"missing value \(NaN\) at 2033 in 'x'"):
        windows_of(ds, lookback=4)


def test_fill_forward_and_interpolate_gaps() -> None:
    times = np.array([0, 1, 2, 4, 5, 6])  # 3 is missing
    values = np.array([np.nan, 1.0, 2.0, 4.0, np.nan, 6.0])
    ds = series(values, times)
    forward = check_series(ds, "ffill")
    # A leading NaN has nothing before it: dropped; the gap and the NaN take the last value.
    np.testing.assert_array_equal(forward.times, [1, 2, 3, 4, 5, 6])
    np.testing.assert_array_equal(forward.target, [1, 2, 2, 4, 4, 6])
    line = check_series(ds, "interpolate")
    np.testing.assert_array_equal(line.target, [1, 2, 3, 4, 5, 6])
    assert forward.step == 1


def test_monthly_dates_with_a_gap_fill_on_the_calendar_grid() -> None:
    dates = pd.date_range("2020-01-01", periods=40, freq="MS").delete(7)
    ds = series(np.arange(39, dtype=np.float64), dates.to_numpy())
    with pytest.raises(DataError, match="no value at 2020-08-01"):
        check_series(ds)
    filled = check_series(ds, "interpolate")
    assert len(filled) == 40 and filled.step == "MS"
    assert filled.target[7] == pytest.approx(6.5)


def test_times_that_repeat_or_go_back_are_errors() -> None:
    ds = series(np.arange(5.0), np.array([1, 2, 2, 3, 4]))
    with pytest.raises(DataError, match="times must increase, but 2 appears twice"):
        check_series(ds)
    ds = series(np.arange(4.0), np.array([1, 3, 2, 4]))
    with pytest.raises(DataError, match="times must increase, but 2 comes after 3"):
        check_series(ds)


def test_too_short_a_series_gives_the_minimum_length() -> None:
    needed = min_length(lookback=24, horizon=3)
    assert needed == 24 + 3 - 1 + 10 + 4
    ds = series(np.arange(needed - 1, dtype=np.float64))
    with pytest.raises(DataError, match=f"has {needed - 1} points.*at least {needed}"):
        windows_of(ds, lookback=24, horizon=3)
    assert len(windows_of(series(np.arange(needed, dtype=np.float64)), lookback=24, horizon=3))


def test_inputs_whose_first_column_is_not_the_target_are_refused() -> None:
    ds = series(np.arange(40.0))
    wrong = Dataset("toy", "timeseries", "forecasting", ds.inputs + 1, ds.targets)
    with pytest.raises(DataError, match="column 0 of a series' inputs must be the series"):
        windows_of(wrong)


def test_a_csv_series_with_dates_and_a_covariate(tmp_path: Path) -> None:
    path = tmp_path / "sales.csv"
    pd.DataFrame(
        {
            "price": [3.0, 2.0, 1.0, 4.0],
            "units": [1, 2, 3, 4],
            "day": ["2021-01-03", "2021-01-01", "2021-01-02", "2021-01-04"],
        }
    ).to_csv(path, index=False)
    ds = dl.load_dataset(path, task="forecasting", target="units", time_column="day")
    assert ds.modality == "timeseries" and ds.feature_names == ("units", "price")
    np.testing.assert_array_equal(ds.targets, [2, 3, 1, 4])  # sorted by day
    np.testing.assert_array_equal(ds.inputs[:, 1], [2.0, 1.0, 3.0, 4.0])
    assert str(ds.time_index[0])[:10] == "2021-01-01"


def test_csv_series_errors_name_the_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("year,units\n2001,1\n2002,two\n2003,3\n", encoding="utf-8")
    with pytest.raises(DataError, match="line 3, column 'units': 'two' is not a number"):
        dl.load_dataset(path, task="forecasting")
    path.write_text("when,units\n2001-01-01,1\nsoon,2\n", encoding="utf-8")
    with pytest.raises(DataError, match="line 3: 'soon' in the time column 'when' is not a date"):
        dl.load_dataset(path, task="forecasting", time_column="when")
    with pytest.raises(ConfigError, match="a time column is for series"):
        dl.load_dataset(path, target="units", time_column="when")
