"""The opt-in reader of the real benchmarks' files: splits as the nonlinear-benchmarks loader
makes them, read from the user's folder only, with clear errors when the files are absent. The
files here are synthetic stand-ins with the original names and variables."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from depthlab.data.control import benchmark_data
from depthlab.errors import DataError, UnknownNameError

scipy_io = pytest.importorskip("scipy.io")


def test_cascaded_tanks_from_a_nested_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "Cascaded_Tanks" / "CascadedTanksFiles"
    folder.mkdir(parents=True)
    ramp = np.arange(1024, dtype=float)[:, None]  # (N, 1) columns, as in the original file
    scipy_io.savemat(
        folder / "dataBenchmark.mat",
        {"uEst": ramp, "yEst": 2 * ramp, "uVal": -ramp, "yVal": -2 * ramp, "Ts": np.array([[4.0]])},
    )
    monkeypatch.setenv("DEPTHLAB_NLB_DIR", str(tmp_path))
    data = benchmark_data("cascaded-tanks")
    assert (data.train.steps, data.val.steps, data.test.steps) == (700, 324, 1024)
    assert data.train.dt == 4.0 and data.init_window == 50
    assert data.val.u[0, 0, 0] == 700 and data.test.y[0, 5, 0] == -10
    assert data.meta["source"].endswith("dataBenchmark.mat")


def test_silverbox_rows_and_splits(tmp_path: Path) -> None:
    n = 131_072
    signal = np.arange(n, dtype=float)[None, :]  # V1 and V2 are rows in the original file
    scipy_io.savemat(tmp_path / "SNLS80mV.mat", {"V1": signal, "V2": signal + 1})
    data = benchmark_data("silverbox", folder=tmp_path)
    total = 127_400 - 40_650
    assert data.train.steps + data.val.steps + data.test.steps == total
    assert data.test.steps == total - int(total * 0.75)
    assert data.train.u[0, 0, 0] == 40_650 and data.train.y[0, 0, 0] == 40_651
    assert data.train.dt == pytest.approx(1 / 610.35)


def test_missing_folder_or_file_says_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DEPTHLAB_NLB_DIR", raising=False)
    with pytest.raises(DataError, match=r"set DEPTHLAB_NLB_DIR .*never downloads"):
        benchmark_data("wh-benchmark")
    with pytest.raises(DataError, match=r"no WienerHammerBenchMark\.mat under"):
        benchmark_data("wh-benchmark", folder=tmp_path)
    with pytest.raises(UnknownNameError, match="Did you mean 'silverbox'"):
        benchmark_data("silverbx", folder=tmp_path)


def test_a_file_without_the_expected_variables_is_a_data_error(tmp_path: Path) -> None:
    scipy_io.savemat(tmp_path / "WienerHammerBenchMark.mat", {"u": np.zeros((10, 1))})
    with pytest.raises(DataError, match=r"cannot read .* as the wh-benchmark benchmark"):
        benchmark_data("wh-benchmark", folder=tmp_path)
