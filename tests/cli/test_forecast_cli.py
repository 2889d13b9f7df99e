"""Forecasting from the command line: train on a series, evaluate with a forecast plot, predict
the values after the end of a series, and one-line errors for bad series."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import depthlab as dl

Cli = Callable[..., Any]


def assert_one_line_error(result: Any, *fragments: str) -> None:
    assert result.code == 2, (result.code, result.out, result.err)
    assert "Traceback" not in result.err + result.out
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.err
    assert all(fragment in lines[0] for fragment in fragments), lines[0]


def write_sales(path: Path, months: int = 120, start: str = "2010-01-01") -> pd.DataFrame:
    """Monthly units with a yearly season, a price covariate and the date first."""
    t = np.arange(months)
    frame = pd.DataFrame(
        {
            "month": pd.date_range(start, periods=months, freq="MS").strftime("%Y-%m-%d"),
            "units": 50 + 10 * np.sin(2 * np.pi * t / 12) + 0.1 * t,
            "price": 2.0 + 0.1 * np.cos(t),
        }
    )
    frame.to_csv(path, index=False, float_format="%.4f")
    return frame


@pytest.fixture(scope="module")
def sunspots_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("sunspots") / "run"
    dl.train(
        "sunspots", dl.TrainSpec(model="arima", features={"lookback": 12, "horizon": 2}), out=folder
    )
    return folder


def test_predict_forecasts_the_years_after_the_series(
    cli: Cli, sunspots_run: Path, tmp_path: Path
) -> None:
    out = tmp_path / "next.csv"
    result = cli("predict", str(sunspots_run), "sunspots", "--output", str(out))
    assert result.code == 0, result.err
    assert "next 2 after 2008: 2009:" in result.out
    table = pd.read_csv(out)
    future = table[table["actual"].isna()]
    assert future["time"].tolist() == [2009, 2010] and future["step"].tolist() == [1, 2]
    run = dl.Run.load(sunspots_run)
    last = dl.load_dataset("sunspots").inputs[-12:].T[None]  # (1, 1, 12): 1997-2008
    np.testing.assert_allclose(future["forecast"], run.predict(last)[0], rtol=1e-5)
    # Rolling forecasts over the whole series come first, each with its actual value.
    rolling = table[table["actual"].notna()]
    assert rolling["time"].iloc[0] == 1712 and rolling["origin"].iloc[0] == 1711
    assert len(rolling) == 2 * (309 - 12 - 2 + 1)


def test_predict_json_scores_the_rolling_forecasts(
    cli: Cli, sunspots_run: Path, tmp_path: Path
) -> None:
    result = cli("predict", str(sunspots_run), "sunspots", "-o", str(tmp_path / "p.csv"), "--json")
    assert result.code == 0, result.err
    metrics = json.loads(result.out)
    assert {"rmse", "mae", "mase", "rmse_per_step"} <= set(metrics)
    assert metrics["rmse_per_step"][0] < metrics["rmse_per_step"][1]  # further is harder


def test_evaluate_draws_the_test_period(cli: Cli, sunspots_run: Path, tmp_path: Path) -> None:
    plot = tmp_path / "forecast.png"
    result = cli("evaluate", str(sunspots_run), "--plot", str(plot), "--json")
    assert result.code == 0, result.err
    assert json.loads(result.out)["mase"] > 0
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and plot.stat().st_size > 10_000


def test_a_plot_of_a_classification_run_is_refused(cli: Cli, tmp_path: Path) -> None:
    dl.train("iris", dl.TrainSpec(model="logistic"), out=tmp_path / "iris")
    result = cli("evaluate", str(tmp_path / "iris"), "--plot", str(tmp_path / "f.png"))
    assert_one_line_error(result, "--plot draws forecasts", "classification")


def test_train_and_predict_on_a_csv_series(cli: Cli, tmp_path: Path) -> None:
    csv = tmp_path / "sales.csv"
    write_sales(csv)
    run = tmp_path / "run"
    args = ["--task", "forecasting", "--target", "units", "--lookback", "12", "--horizon", "3"]
    result = cli("train", "--data", str(csv), "--model", "linear", *args, "--out", str(run), "-q")
    assert result.code == 0, result.err
    recent = tmp_path / "recent.csv"
    write_sales(recent, months=20, start="2020-01-01")
    out = tmp_path / "p.csv"
    result = cli("predict", str(run), str(recent), "-o", str(out))
    assert result.code == 0, result.err
    future = pd.read_csv(out).tail(3)
    assert future["time"].tolist() == ["2021-09-01", "2021-10-01", "2021-11-01"]
    assert future["actual"].isna().all()
    assert "rolling forecasts from 6 windows" in result.out


def test_a_series_too_short_to_forecast_from(cli: Cli, sunspots_run: Path, tmp_path: Path) -> None:
    short = tmp_path / "short.csv"
    pd.DataFrame({"YEAR": np.arange(2000, 2005), "SUNACTIVITY": np.arange(5.0)}).to_csv(short)
    result = cli("predict", str(sunspots_run), str(short), "-o", str(tmp_path / "p.csv"))
    assert_one_line_error(result, "has 5 points", "at least 12")


def test_gaps_are_errors_unless_filled(cli: Cli, tmp_path: Path) -> None:
    csv = tmp_path / "gappy.csv"
    frame = write_sales(csv)
    frame.drop(index=[30, 31]).to_csv(csv, index=False)
    args = ["--data", str(csv), "--task", "forecasting", "--target", "units", "--model", "ridge"]
    result = cli("train", *args, "--out", str(tmp_path / "a"))
    assert_one_line_error(result, "no value at 2012-07-01", "2 missing times", "fill=")
    result = cli("train", *args, "--feature", "fill=interpolate", "--out", str(tmp_path / "b"))
    assert result.code == 0, result.err
    # predict fills a new series the way training did
    result = cli("predict", str(tmp_path / "b"), str(csv), "-o", str(tmp_path / "p.csv"))
    assert result.code == 0, result.err
    assert "next 1 after 2019-12-01: 2020-01-01" in result.out
