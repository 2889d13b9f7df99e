"""Seeded splits: reproducible, disjoint, and true to their strategy."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import depthlab as dl
from depthlab.data.dataset import Dataset
from depthlab.data.splits import Split, kfold, split_dataset
from depthlab.errors import ConfigError

# Guards cross-machine and cross-version reproducibility: a change of numpy, scikit-learn or of
# the split code that moves any index changes this value. Update it only deliberately.
IRIS_SEED0_FINGERPRINT = "6dd3651e53ae32cb"


@pytest.fixture(scope="module")
def fsdd(mirror: Path) -> Dataset:
    return dl.load_dataset("fsdd", data_dir=mirror)


def assert_partition(split: Split, n: int) -> None:
    parts = [split.train, split.val, split.test]
    for part in parts:
        assert np.array_equal(part, np.sort(part))
    joined = np.concatenate(parts)
    assert len(joined) == len(np.unique(joined)), "the parts overlap"
    assert np.array_equal(np.sort(joined), np.arange(n)), "the parts do not cover the data"


def toy(n: int, *, classes: list[int] | None = None, groups: list[str] | None = None) -> Dataset:
    targets = np.array(classes if classes is not None else [i % 2 for i in range(n)])
    return Dataset(
        name="toy",
        modality="sequence",
        task="classification",
        inputs=np.zeros((n, 1, 4), dtype=np.float32),
        targets=targets.astype(np.int64),
        class_names=tuple(str(c) for c in range(int(targets.max()) + 1)),
        groups=None if groups is None else np.array(groups),
    )


def test_golden_iris_fingerprint() -> None:
    split = split_dataset(dl.load_dataset("iris"), seed=0)
    assert split.strategy == "stratified"
    assert split.sizes() == {"train": 104, "val": 23, "test": 23}
    assert split.fingerprint() == IRIS_SEED0_FINGERPRINT


def test_same_seed_same_indices_regardless_of_global_rng() -> None:
    ds = dl.load_dataset("iris")
    np.random.seed(1)
    first = split_dataset(ds, seed=7)
    np.random.seed(2)
    np.random.random(100)
    second = split_dataset(ds, seed=7)
    for part in ("train", "val", "test"):
        assert np.array_equal(getattr(first, part), getattr(second, part))
    assert first.fingerprint() == second.fingerprint()


def test_same_seed_same_indices_in_a_fresh_process(fsdd: Dataset, mirror: Path) -> None:
    code = (
        "import random, numpy as np, depthlab as dl\n"
        "np.random.seed(99); random.seed(99)\n"
        "print(dl.split_dataset(dl.load_dataset('iris'), seed=3).fingerprint())\n"
        f"fsdd = dl.load_dataset('fsdd', data_dir={str(mirror)!r})\n"
        "print(dl.split_dataset(fsdd, seed=3).fingerprint())\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=120
    )
    assert result.returncode == 0, result.stderr
    iris_here = split_dataset(dl.load_dataset("iris"), seed=3).fingerprint()
    fsdd_here = split_dataset(fsdd, seed=3).fingerprint()
    assert result.stdout.split() == [iris_here, fsdd_here]


@pytest.mark.parametrize("name", ["iris", "diabetes", "sentiment"])
def test_different_seeds_differ(name: str) -> None:
    ds = dl.load_dataset(name)
    prints = {split_dataset(ds, seed=seed).fingerprint() for seed in range(4)}
    assert len(prints) == 4


@pytest.mark.parametrize(
    ("name", "strategy"),
    [("iris", "stratified"), ("diabetes", "random"), ("sunspots", "temporal")],
)
def test_auto_strategy_and_partition(name: str, strategy: str) -> None:
    ds = dl.load_dataset(name)
    split = split_dataset(ds, seed=5, val_fraction=0.2, test_fraction=0.1)
    assert split.strategy == strategy
    assert_partition(split, len(ds))
    assert abs(split.sizes()["test"] - 0.1 * len(ds)) <= 1
    assert abs(split.sizes()["val"] - 0.2 * len(ds)) <= 1


def test_stratified_keeps_class_proportions() -> None:
    ds = dl.load_dataset("breast-cancer")  # 212 malignant, 357 benign
    split = split_dataset(ds, seed=11, strategy="stratified")
    overall = np.bincount(ds.targets) / len(ds)
    for part in (split.train, split.val, split.test):
        share = np.bincount(ds.targets[part], minlength=2) / len(part)
        assert np.abs(share - overall).max() < 0.02


def test_zero_validation_fraction() -> None:
    ds = dl.load_dataset("wine")
    split = split_dataset(ds, seed=0, val_fraction=0.0, test_fraction=0.25)
    assert len(split.val) == 0
    assert_partition(split, len(ds))


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4])
def test_grouped_split_never_shares_a_speaker(fsdd: Dataset, seed: int) -> None:
    split = split_dataset(fsdd, seed=seed)
    assert split.strategy == "grouped"
    assert_partition(split, len(fsdd))
    speakers = [set(fsdd.groups[part]) for part in (split.train, split.val, split.test)]
    assert all(speakers), "every part holds at least one speaker"
    assert not speakers[0] & speakers[1]
    assert not speakers[0] & speakers[2]
    assert not speakers[1] & speakers[2]


def test_grouped_split_depends_on_the_seed(fsdd: Dataset) -> None:
    tests = {tuple(sorted(set(fsdd.groups[split_dataset(fsdd, seed=s).test]))) for s in range(8)}
    assert len(tests) > 1


def test_temporal_split_is_ordered() -> None:
    ds = dl.load_dataset("sunspots")
    split = split_dataset(ds, seed=0)
    assert split.strategy == "temporal"
    assert split.train.max() < split.val.min()
    assert split.val.max() < split.test.min()
    assert split.test[-1] == len(ds) - 1
    years = ds.time_index
    assert years[split.train].max() < years[split.val].min() <= years[split.val].max()
    assert split.fingerprint() == split_dataset(ds, seed=1).fingerprint()


def test_mnist1d_keeps_its_official_test_set() -> None:
    ds = dl.load_dataset("mnist1d")
    for seed in (0, 1):
        split = split_dataset(ds, seed=seed, test_fraction=0.3)
        assert np.array_equal(split.test, np.arange(4000, 5000))
        assert split.strategy == "official test + stratified"
        assert_partition(split, len(ds))
        assert split.val.max() < 4000
        # val_fraction is a share of the whole set; test_fraction has no say over the official test
        assert abs(len(split.val) - 0.15 * 5000) <= 1
    assert split_dataset(ds, seed=0).fingerprint() != split_dataset(ds, seed=1).fingerprint()


@pytest.mark.parametrize(
    ("name", "strategy"),
    [("iris", "stratified"), ("diabetes", "random"), ("iris", "random")],
)
def test_kfold_test_folds_partition_the_data(name: str, strategy: str) -> None:
    ds = dl.load_dataset(name)
    folds = kfold(ds, k=5, seed=0, strategy=strategy)
    assert len(folds) == 5
    tests = np.concatenate([fold.test for fold in folds])
    assert np.array_equal(np.sort(tests), np.arange(len(ds)))
    for fold in folds:
        assert fold.strategy == strategy and len(fold.val) == 0
        assert_partition(fold, len(ds))
    again = kfold(ds, k=5, seed=0, strategy=strategy)
    assert [f.fingerprint() for f in folds] == [f.fingerprint() for f in again]
    other = kfold(ds, k=5, seed=1, strategy=strategy)
    assert [f.fingerprint() for f in folds] != [f.fingerprint() for f in other]
    if strategy == "stratified":
        for fold in folds:
            assert np.bincount(ds.targets[fold.test]).tolist() == [10, 10, 10]


def test_kfold_grouped_folds_are_group_disjoint(fsdd: Dataset) -> None:
    folds = kfold(fsdd, k=5, seed=2)
    tests = np.concatenate([fold.test for fold in folds])
    assert np.array_equal(np.sort(tests), np.arange(len(fsdd)))
    for fold in folds:
        assert fold.strategy == "grouped"
        assert not set(fsdd.groups[fold.train]) & set(fsdd.groups[fold.test])
        assert len(set(fsdd.groups[fold.test])) == 1


def test_kfold_temporal_tests_on_later_points() -> None:
    ds = dl.load_dataset("sunspots")
    folds = kfold(ds, k=4)
    tests = [fold.test for fold in folds]
    assert len(np.unique(np.concatenate(tests))) == sum(len(t) for t in tests)
    assert tests[-1][-1] == len(ds) - 1
    for fold in folds:
        assert fold.strategy == "temporal"
        assert fold.train.max() < fold.test.min()


def test_grouped_needs_enough_groups() -> None:
    ds = toy(12, groups=["a"] * 6 + ["b"] * 6)
    with pytest.raises(ConfigError, match="2 groups"):
        split_dataset(ds, strategy="grouped")
    with pytest.raises(ConfigError, match="at least 3 groups"):
        kfold(ds, k=3, strategy="grouped")
    with pytest.raises(ConfigError, match="no groups"):
        split_dataset(toy(12), strategy="grouped")
    # with two groups, auto falls back to a stratified split
    assert split_dataset(ds).strategy == "stratified"


@pytest.mark.parametrize(("val", "test"), [(0.5, 0.5), (0.7, 0.4)])
def test_fractions_must_leave_training_data(val: float, test: float) -> None:
    with pytest.raises(ConfigError, match="training"):
        split_dataset(dl.load_dataset("iris"), val_fraction=val, test_fraction=test)


def test_bad_split_options_are_config_errors() -> None:
    ds = dl.load_dataset("iris")
    with pytest.raises(ConfigError, match="test_fraction"):
        split_dataset(ds, test_fraction=0.0)
    with pytest.raises(ConfigError, match="strategy"):
        split_dataset(ds, strategy="shuffled")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="k-fold"):
        kfold(ds, k=1)


def test_stratified_needs_classes() -> None:
    ds = dl.load_dataset("diabetes")
    with pytest.raises(ConfigError, match="stratified split needs classes"):
        split_dataset(ds, strategy="stratified")
    with pytest.raises(ConfigError, match="stratified split needs classes"):
        kfold(ds, strategy="stratified")


def test_stratified_rejects_a_class_with_one_example() -> None:
    ds = toy(21, classes=[0] * 10 + [1] * 10 + [2])
    with pytest.raises(ConfigError, match="class '2' has a single example"):
        split_dataset(ds, strategy="stratified")
    assert_partition(split_dataset(ds, strategy="random"), 21)


def test_grouped_split_keeps_a_group_for_validation_and_training() -> None:
    ds = Dataset(
        name="three",
        modality="tabular",
        task="classification",
        inputs=np.zeros((30, 1)),
        targets=np.arange(30) % 2,
        class_names=("a", "b"),
        groups=np.repeat(["x", "y", "z"], 10),
    )
    for seed in range(5):
        split = split_dataset(ds, strategy="grouped", test_fraction=0.6, seed=seed)
        assert split.sizes() == {"train": 10, "val": 10, "test": 10}
