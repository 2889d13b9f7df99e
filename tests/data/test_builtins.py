"""Every built-in dataset loads with the documented size, shape, types and labels."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

import depthlab as dl
from depthlab.data.dataset import Dataset
from depthlab.data.datasets import get_spec, list_datasets

BUILTINS = (
    "mnist1d",
    "mnist1d-shuffled",
    "digits",
    "iris",
    "wine",
    "breast-cancer",
    "diabetes",
    "fsdd",
    "sentiment",
    "sunspots",
    "movielens-100k",
)
SPEAKERS = ("george", "jackson", "nicolas", "theo", "yweweler")


@pytest.fixture(scope="module")
def mnist1d_load() -> tuple[Dataset, dict[str, object]]:
    """Load once, recording the global random states around the load."""
    np.random.seed(1234)
    random.seed(1234)
    states: dict[str, object] = {"np": np.random.get_state(), "py": random.getstate()}
    ds = dl.load_dataset("mnist1d")
    states.update(np_after=np.random.get_state(), py_after=random.getstate())
    return ds, states


@pytest.fixture(scope="module")
def mnist1d(mnist1d_load: tuple[Dataset, dict[str, object]]) -> Dataset:
    return mnist1d_load[0]


@pytest.fixture(scope="module")
def canonical() -> dict[str, np.ndarray]:
    """The reference generator of the mnist1d package, with its default arguments."""
    from mnist1d.data import get_dataset_args, make_dataset

    return make_dataset(get_dataset_args())


@pytest.fixture(scope="module")
def fsdd(mirror: Path) -> Dataset:
    return dl.load_dataset("fsdd", data_dir=mirror)


def test_registry_lists_every_builtin_in_order() -> None:
    assert [spec.name for spec in list_datasets()] == list(BUILTINS)


@pytest.mark.parametrize(
    "name", ["digits", "iris", "wine", "breast-cancer", "diabetes", "sentiment", "sunspots"]
)
def test_registry_entry_agrees_with_the_loaded_dataset(name: str) -> None:
    spec, ds = get_spec(name), dl.load_dataset(name)
    assert (ds.name, ds.modality, ds.task) == (spec.name, spec.modality, spec.task)
    assert ds.n_classes == (spec.classes or 0)
    assert ds.info.license and ds.info.source


def test_mnist1d_matches_the_reference_generator(
    mnist1d: Dataset, canonical: dict[str, np.ndarray]
) -> None:
    x = np.concatenate([canonical["x"], canonical["x_test"]]).astype(np.float32)[:, None, :]
    y = np.concatenate([canonical["y"], canonical["y_test"]])
    assert mnist1d.inputs.shape == (5000, 1, 40)
    assert mnist1d.inputs.dtype == np.float32
    assert mnist1d.targets.dtype == np.int64
    assert np.array_equal(mnist1d.inputs, x)
    assert np.array_equal(mnist1d.targets, y)
    assert np.array_equal(mnist1d.test_indices, np.arange(4000, 5000))
    assert mnist1d.class_names == tuple(str(d) for d in range(10))
    assert mnist1d.example_shape == (1, 40)


def test_mnist1d_leaves_the_global_random_state_alone(
    mnist1d_load: tuple[Dataset, dict[str, object]],
) -> None:
    # the mnist1d package seeds numpy's and Python's global generators itself (seed 42)
    states = mnist1d_load[1]
    np_before, np_after = states["np"], states["np_after"]
    assert isinstance(np_before, tuple) and isinstance(np_after, tuple)
    assert np_after[0] == np_before[0]
    assert np.array_equal(np_after[1], np_before[1])
    assert np_after[2:] == np_before[2:]
    assert states["py_after"] == states["py"]


def test_mnist1d_shuffled_is_one_fixed_permutation_of_positions(mnist1d: Dataset) -> None:
    shuffled = dl.load_dataset("mnist1d-shuffled")
    assert shuffled.inputs.shape == (5000, 1, 40)
    assert np.array_equal(shuffled.targets, mnist1d.targets)
    assert np.array_equal(shuffled.test_indices, mnist1d.test_indices)
    canon, shuf = mnist1d.inputs[:, 0, :], shuffled.inputs[:, 0, :]
    perm = []
    for j in range(40):
        # which canonical position holds exactly this shuffled column, in every row
        matches = np.flatnonzero((canon == shuf[:, [j]]).all(axis=0))
        assert len(matches) == 1, f"position {j} matches {len(matches)} canonical positions"
        perm.append(int(matches[0]))
    assert sorted(perm) == list(range(40))
    assert perm != list(range(40))
    assert np.array_equal(canon[:, perm], shuf)


def test_digits() -> None:
    ds = dl.load_dataset("digits")
    assert ds.inputs.shape == (1797, 1, 8, 8)
    assert ds.inputs.dtype == np.float32
    assert ds.inputs.min() == 0.0 and ds.inputs.max() == 1.0
    assert ds.targets.dtype == np.int64
    assert set(np.unique(ds.targets)) == set(range(10))
    from sklearn.datasets import load_digits

    assert np.allclose(ds.inputs[:, 0] * 16.0, load_digits().images)


@pytest.mark.parametrize(
    ("name", "rows", "features", "counts"),
    [
        ("iris", 150, 4, {"setosa": 50, "versicolor": 50, "virginica": 50}),
        ("wine", 178, 13, {"class_0": 59, "class_1": 71, "class_2": 48}),
        ("breast-cancer", 569, 30, {"malignant": 212, "benign": 357}),
    ],
)
def test_classification_tables(name: str, rows: int, features: int, counts: dict[str, int]) -> None:
    ds = dl.load_dataset(name)
    assert ds.modality == "tabular" and ds.task == "classification"
    assert ds.inputs.shape == (rows, features)
    assert len(ds.feature_names) == features
    assert list(ds.inputs.columns) == list(ds.feature_names)
    assert all(dtype == np.float64 for dtype in ds.inputs.dtypes)
    assert ds.targets.dtype == np.int64
    assert ds.class_counts() == counts


def test_diabetes_is_regression() -> None:
    ds = dl.load_dataset("diabetes")
    assert ds.task == "regression"
    assert ds.inputs.shape == (442, 10)
    assert ds.targets.dtype == np.float64
    assert np.isfinite(ds.targets).all()
    assert ds.n_classes == 0 and ds.class_counts() == {}
    assert len(np.unique(ds.targets)) > 100


def test_fsdd_from_the_mirror(fsdd: Dataset, mirror: Path) -> None:
    import soundfile

    assert len(fsdd) == 2500
    assert fsdd.modality == "audio" and fsdd.sample_rate == 8000
    assert fsdd.class_counts() == {str(d): 250 for d in range(10)}
    speakers, per_speaker = np.unique(fsdd.groups, return_counts=True)
    assert tuple(speakers) == SPEAKERS
    assert per_speaker.tolist() == [500] * 5
    for wave, target, group, sample_id in zip(
        fsdd.inputs, fsdd.targets, fsdd.groups, fsdd.sample_ids, strict=True
    ):
        digit, speaker, _ = sample_id.split("_")
        assert (int(digit), speaker) == (target, group)
        assert wave.ndim == 1 and wave.dtype == np.float32 and len(wave) > 0
    assert max(float(np.abs(w).max()) for w in fsdd.inputs) <= 1.0
    reference, rate = soundfile.read(mirror / "fsdd" / "recordings" / fsdd.sample_ids[7])
    assert rate == 8000
    assert np.allclose(fsdd.inputs[7], reference, atol=1e-6)


def test_sentiment() -> None:
    ds = dl.load_dataset("sentiment")
    assert len(ds) == 2000 and ds.modality == "text"
    assert all(isinstance(t, str) and t.strip() for t in ds.inputs)
    sources, counts = np.unique(ds.groups, return_counts=True)
    assert tuple(sources) == ("amazon", "imdb") and counts.tolist() == [1000, 1000]
    assert set(np.unique(ds.targets)) == {0, 1}
    assert ds.class_names == ("negative", "positive")
    assert ds.inputs[1] == "Good case, Excellent value." and ds.targets[1] == 1


def test_sunspots() -> None:
    ds = dl.load_dataset("sunspots")
    assert ds.task == "forecasting" and ds.modality == "timeseries"
    assert ds.inputs.shape == (309, 1) and ds.inputs.dtype == np.float32
    assert np.array_equal(ds.time_index, np.arange(1700, 2009))
    assert ds.targets.dtype == np.float64
    assert np.allclose(ds.inputs[:, 0], ds.targets)
    assert (ds.targets >= 0).all()


def test_mnist1d_cache_returns_what_the_generator_makes(
    tmp_path: Path, canonical: dict[str, np.ndarray]
) -> None:
    from depthlab.data.sequence import cached_mnist1d

    first = cached_mnist1d(tmp_path, shuffle_seq=False)  # generated, then written
    [written] = (tmp_path / "mnist1d").glob("*.npz")
    second = cached_mnist1d(tmp_path, shuffle_seq=False)  # read back
    for key in ("x", "y", "x_test", "y_test"):
        assert np.array_equal(first[key], canonical[key])
        assert np.array_equal(second[key], canonical[key])
    written.write_bytes(b"not a zip")  # a damaged cache is generated again
    assert np.array_equal(cached_mnist1d(tmp_path, shuffle_seq=False)["x"], canonical["x"])
