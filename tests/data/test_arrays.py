"""NumPy ``.npz`` files (``X``, ``y`` and optional extras) through ``load_dataset``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import depthlab as dl
from depthlab.errors import ConfigError, DataError


def save(path: Path, **arrays: Any) -> Path:
    np.savez(path, **arrays)
    return path


@pytest.mark.parametrize(
    ("shape", "modality"),
    [((12, 5), "tabular"), ((12, 2, 30), "sequence"), ((12, 3, 8, 6), "image")],
)
def test_rank_gives_the_modality(tmp_path: Path, shape: tuple[int, ...], modality: str) -> None:
    rng = np.random.default_rng(0)
    x = rng.random(shape)
    y = np.arange(12) % 3
    ds = dl.load_dataset(save(tmp_path / "a.npz", X=x, y=y))
    assert ds.modality == modality and ds.task == "classification"
    assert ds.class_names == ("0", "1", "2") and ds.targets.tolist() == y.tolist()
    assert ds.example_shape == shape[1:]
    if modality == "tabular":
        assert isinstance(ds.inputs, pd.DataFrame)
        assert ds.feature_names == ("x0", "x1", "x2", "x3", "x4")
        assert np.allclose(ds.inputs.to_numpy(), x)
    else:
        assert ds.inputs.dtype == np.float32 and np.allclose(ds.inputs, x)


def test_groups_class_names_and_feature_names(tmp_path: Path) -> None:
    path = save(
        tmp_path / "g.npz",
        X=np.arange(24, dtype=np.float64).reshape(8, 3),
        y=np.array([0, 1, 2, 0, 1, 2, 0, 1]),
        groups=np.array(["p", "p", "q", "q", "r", "r", "s", "s"]),
        class_names=np.array(["low", "mid", "high"]),
        feature_names=np.array(["a", "b", "c"]),
    )
    ds = dl.load_dataset(path)
    assert ds.class_names == ("low", "mid", "high")
    assert ds.targets.tolist() == [0, 1, 2, 0, 1, 2, 0, 1]
    assert ds.feature_names == ("a", "b", "c") and list(ds.inputs.columns) == ["a", "b", "c"]
    assert ds.groups is not None and ds.groups.tolist()[2:4] == ["q", "q"]
    split = dl.split_dataset(ds, seed=0, val_fraction=0.2, test_fraction=0.25)
    assert split.strategy == "grouped"
    assert not set(ds.groups[split.train]) & set(ds.groups[split.test])


def test_class_names_keep_an_absent_class(tmp_path: Path) -> None:
    """Named classes stay indexed as given, even when one has no examples."""
    y = np.array([0, 2, 0, 2, 0, 2])
    path = save(tmp_path / "c.npz", X=np.ones((6, 2)), y=y, class_names=np.array(["a", "b", "c"]))
    ds = dl.load_dataset(path)
    assert ds.class_names == ("a", "b", "c") and ds.targets.tolist() == y.tolist()


def test_regression_and_task_override(tmp_path: Path) -> None:
    x = np.linspace(0, 1, 20).reshape(10, 2)
    ds = dl.load_dataset(save(tmp_path / "r.npz", X=x, y=np.linspace(0.5, 3.3, 10)))
    assert ds.task == "regression" and ds.targets.dtype == np.float64
    counts = save(tmp_path / "k.npz", X=x, y=np.array([1, 2, 3, 1, 2, 3, 1, 2, 3, 1]))
    assert dl.load_dataset(counts).task == "classification"
    forced = dl.load_dataset(counts, task="regression")
    assert forced.task == "regression" and forced.targets[:3].tolist() == [1.0, 2.0, 3.0]


def test_missing_values_in_x_are_kept(tmp_path: Path) -> None:
    x = np.ones((4, 2))
    x[1, 0] = np.nan
    ds = dl.load_dataset(save(tmp_path / "m.npz", X=x, y=np.array([0, 1, 0, 1])))
    assert np.isnan(ds.inputs.iloc[1, 0]) and ds.inputs.isna().sum().sum() == 1


@pytest.mark.parametrize(
    ("arrays", "message"),
    [
        ({"X": np.ones((3, 2))}, r"lacks array\(s\) \['y'\]"),
        ({"X": np.ones((3, 2)), "y": np.array([0, 1])}, "X has 3 rows but y has 2"),
        ({"X": np.ones(4), "y": np.array([0, 1, 0, 1])}, "2, 3 or 4 dimensions, not 1"),
        ({"X": np.array([["a"], ["b"]]), "y": np.array([0, 1])}, "X must be numeric"),
        ({"X": np.array([[1.0], [np.inf]]), "y": np.array([0, 1])}, "infinite"),
        ({"X": np.ones((3, 2)), "y": np.array([0, 0, 0])}, "single class"),
        (
            {"X": np.ones((3, 2)), "y": np.array([0.5, np.nan, 1.5])},
            "row 2: the target 'y' is missing",
        ),
    ],
)
def test_invalid_arrays(tmp_path: Path, arrays: dict[str, np.ndarray], message: str) -> None:
    with pytest.raises(DataError, match=message):
        dl.load_dataset(save(tmp_path / "bad.npz", **arrays))


def test_not_an_npz(tmp_path: Path) -> None:
    path = tmp_path / "fake.npz"
    path.write_bytes(b"definitely not a zip archive")
    with pytest.raises(DataError, match=r"cannot read .*fake\.npz"):
        dl.load_dataset(path)


@pytest.mark.parametrize("option", [{"target": "y"}, {"resize": (2, 2)}, {"categorical": ["x0"]}])
def test_option_not_for_arrays(tmp_path: Path, option: dict[str, object]) -> None:
    path = save(tmp_path / "a.npz", X=np.ones((4, 2)), y=np.array([0, 1, 0, 1]))
    with pytest.raises(ConfigError, match=r"do not apply to a NumPy file \(valid: task\)"):
        dl.load_dataset(path, **option)
