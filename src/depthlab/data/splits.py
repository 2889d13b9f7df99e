"""Seeded, reproducible splits: the same seed gives the same indices on every run and machine.

Strategies: ``random``; ``stratified`` (class proportions kept); ``grouped`` (no group, e.g. a
speaker, in two splits); ``temporal`` (train, then validation, then test, in time order);
``auto`` picks temporal for forecasting, grouped when the data has at least three groups,
stratified for classification, random otherwise. A dataset with an official test set
(MNIST-1D) keeps it, and validation is carved out of its training part; ``official`` asks for
that test set outright (FSDD's: recordings 0-4 of every speaker and digit), where ``auto`` would
group by speaker. :func:`hold_out_group` tests on one group (leave-one-group-out).
"""

from __future__ import annotations

import hashlib
import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from depthlab.config import SplitConfig, SplitStrategy
from depthlab.config_io import parse_config
from depthlab.data.dataset import Dataset
from depthlab.errors import ConfigError, closest

log = logging.getLogger(__name__)

MIN_GROUPS = 3
FOLD_VAL_FRACTION = 0.15  # of a fold's training part, for early stopping and the best epoch


@dataclass(frozen=True)
class Split:
    """Index arrays into a dataset, disjoint, each sorted."""

    train: np.ndarray
    val: np.ndarray
    test: np.ndarray
    strategy: str
    seed: int

    def sizes(self) -> dict[str, int]:
        return {"train": len(self.train), "val": len(self.val), "test": len(self.test)}

    def fingerprint(self) -> str:
        """A short hash of the indices, to show that two runs used the same split."""
        digest = hashlib.sha256()
        for part in (self.train, self.val, self.test):
            digest.update(np.ascontiguousarray(part, dtype="<i8").tobytes())
            digest.update(b"|")
        return digest.hexdigest()[:16]


def resolve_strategy(ds: Dataset, strategy: SplitStrategy) -> SplitStrategy:
    if strategy == "stratified" and ds.task != "classification":
        raise ConfigError(
            f"{ds.name}: a stratified split needs classes, but the task is {ds.task}; "
            "use strategy='random'"
        )
    if strategy == "official" and ds.test_indices is None:
        raise ConfigError(f"{ds.name} has no official test set; choose another split strategy")
    if strategy != "auto":
        return strategy
    if ds.task == "forecasting":
        return "temporal"
    if ds.groups is not None:
        if len(np.unique(ds.groups)) >= MIN_GROUPS:
            return "grouped"
        log.debug("%s: fewer than %d groups, so the split ignores them", ds.name, MIN_GROUPS)
    return "stratified" if ds.task == "classification" else "random"


def split_dataset(
    ds: Dataset,
    *,
    seed: int = 0,
    val_fraction: float = 0.15,
    test_fraction: float = 0.15,
    strategy: SplitStrategy = "auto",
) -> Split:
    """Train / validation / test indices for *ds*.

    Example:
        >>> import depthlab as dl
        >>> split = dl.split_dataset(dl.load_dataset("iris"), seed=0)
        >>> split.sizes()
        {'train': 104, 'val': 23, 'test': 23}
    """
    cfg = parse_config(
        SplitConfig,
        {
            "seed": seed,
            "val_fraction": val_fraction,
            "test_fraction": test_fraction,
            "strategy": strategy,
        },
    )
    if cfg.val_fraction + cfg.test_fraction >= 1.0:
        raise ConfigError("val_fraction + test_fraction must leave some data for training")
    chosen = resolve_strategy(ds, cfg.strategy)
    everything = np.arange(len(ds))
    if chosen == "temporal":
        return _temporal(len(ds), cfg, purge_of(ds))
    if chosen == "grouped":
        return _grouped(ds, cfg)
    if chosen == "official":
        chosen = "stratified" if ds.task == "classification" else "random"
    if ds.test_indices is not None:
        # The official test set stays; val_fraction is of the whole dataset.
        test = np.sort(ds.test_indices)
        rest = np.setdiff1d(everything, test)
        train, val = _carve(ds, rest, [math.ceil(cfg.val_fraction * len(ds))], chosen, cfg.seed)
        return Split(train, val, test, f"official test + {chosen}", cfg.seed)
    sizes = [math.ceil(cfg.test_fraction * len(ds)), math.ceil(cfg.val_fraction * len(ds))]
    train, test, val = _carve(ds, everything, sizes, chosen, cfg.seed)
    return Split(train, val, test, chosen, cfg.seed)


def _carve(
    ds: Dataset, indices: np.ndarray, sizes: list[int], strategy: str, seed: int
) -> list[np.ndarray]:
    """Carve parts of the given *sizes* out of *indices*: ``[rest, part 1, part 2, ...]``.

    One shuffle (per class when stratified) serves every part. Plain NumPy (PCG64 from the
    seed) rather than scikit-learn's splitters: the same indices on every machine, and a
    million examples split in a few hundredths of a second.
    """
    if sum(sizes) >= len(indices) or min(sizes) < 0:
        raise ConfigError(
            f"{ds.name}: cannot hold out {sum(sizes)} of {len(indices)} examples and keep some "
            "for training; lower val_fraction / test_fraction"
        )
    rng = np.random.default_rng(seed)
    part = np.zeros(len(indices), dtype=np.int8)  # 0 rest, i for part i
    if strategy != "stratified":
        _assign(part, rng.permutation(len(indices)), sizes)
    else:
        labels = ds.targets[indices]
        counts = np.bincount(labels)
        present = np.flatnonzero(counts)
        if counts[present].min() < 2:
            rare = ds.class_names[int(present[np.argmin(counts[present])])]
            raise ConfigError(
                f"{ds.name}: class '{rare}' has a single example, too few for a stratified "
                "split; add examples or use strategy='random'"
            )
        left = counts[present].copy()
        shares = []
        for size in sizes:
            shares.append(_allocate(left, size))
            left = left - shares[-1]
        for k, label in enumerate(present):
            members = np.flatnonzero(labels == label)  # positions within indices
            _assign(part, members[rng.permutation(len(members))], [s[k] for s in shares])
    # *indices* is sorted, and so is every part.
    return [indices[part == p] for p in range(len(sizes) + 1)]


def _assign(part: np.ndarray, shuffled: np.ndarray, sizes: list[int]) -> None:
    start = 0
    for number, size in enumerate(sizes, start=1):
        part[shuffled[start : start + size]] = number
        start += size


def _allocate(counts: np.ndarray, total: int) -> np.ndarray:
    """Per-class shares of *total* proportional to *counts* (largest remainders), each class
    keeping at least one example for training."""
    if total <= 0:
        return np.zeros_like(counts)
    exact = counts * (total / counts.sum())
    take = np.clip(np.floor(exact).astype(np.int64), 0, counts - 1)
    by_remainder = np.argsort(-(exact - np.floor(exact)), kind="stable")
    for i in by_remainder:
        if take.sum() >= total:
            break
        if take[i] < counts[i] - 1:
            take[i] += 1
    return np.asarray(take, dtype=np.int64)


def purge_of(ds: Dataset) -> int:
    """Examples to drop before each temporal boundary: ``horizon - 1`` for forecasting windows
    (targets ``(N, horizon)``), whose targets would otherwise reach past the boundary."""
    return int(ds.targets.shape[1]) - 1 if ds.targets.ndim == 2 else 0


def _temporal(n: int, cfg: SplitConfig, purge: int = 0) -> Split:
    """Train, validation, test in time order; the *purge* examples before each boundary belong
    to no part (a training window's targets must not reach into the validation period, nor a
    validation window's into the test period)."""
    n_test = max(1, round(n * cfg.test_fraction))
    n_val = round(n * cfg.val_fraction)
    gaps = purge * (2 if n_val else 1)
    if n - n_test - n_val - gaps < 1:
        raise ConfigError(
            f"a series of {n} examples is too short for this split (test {n_test}, validation "
            f"{n_val}, {gaps} purged at the boundaries); give a longer series"
        )
    cut_val, cut_test = n - n_test - n_val, n - n_test
    idx = np.arange(n)
    train = idx[: cut_val - (purge if n_val else gaps)]
    val = idx[cut_val : cut_test - purge] if n_val else idx[:0]
    return Split(train, val, idx[cut_test:], "temporal", cfg.seed)


def _grouped(ds: Dataset, cfg: SplitConfig) -> Split:
    if ds.groups is None:
        raise ConfigError(f"{ds.name} has no groups; choose another split strategy")
    names, codes = np.unique(ds.groups, return_inverse=True)
    needed = 2 + (cfg.val_fraction > 0)
    if len(names) < needed:
        raise ConfigError(
            f"{ds.name} has {len(names)} groups; a grouped split needs at least {needed}"
        )
    order = np.random.default_rng(cfg.seed).permutation(len(names))
    sizes = np.bincount(codes, minlength=len(names))
    assigned = np.zeros(len(names), dtype=np.int8)  # 0 train, 1 val, 2 test
    cursor = 0
    plan = [(2, cfg.test_fraction), (1, cfg.val_fraction)]
    for step, (part, fraction) in enumerate(plan):
        if fraction <= 0:
            continue
        # Leave at least one group for every part still to fill, and one for training.
        reserve = 1 + sum(1 for _, later in plan[step + 1 :] if later > 0)
        taken = 0
        while cursor < len(order) - reserve and (taken == 0 or taken < fraction * len(ds)):
            assigned[order[cursor]] = part
            taken += sizes[order[cursor]]
            cursor += 1
    membership = assigned[codes]
    parts = [np.flatnonzero(membership == p) for p in (0, 1, 2)]
    return Split(parts[0], parts[1], parts[2], "grouped", cfg.seed)


def recorded_split(ds: Dataset, recorded: Mapping[str, Any]) -> Split:
    """The split a run recorded (run.json's ``split`` section), made again on *ds*; compare
    its :meth:`Split.fingerprint` with the recorded one to know the data did not change."""
    fold = recorded.get("fold")
    return resolve_split(
        ds,
        seed=int(recorded["seed"]),
        strategy=recorded.get("requested", "auto"),
        test_group=recorded.get("test_group"),
        fold=None if fold is None else (int(fold[0]), int(fold[1])),
    )


def resolve_split(
    ds: Dataset,
    *,
    seed: int = 0,
    strategy: SplitStrategy = "auto",
    test_group: str | None = None,
    fold: tuple[int, int] | None = None,
) -> Split:
    """The split of one training run: one group held out (*test_group*), fold ``i`` of ``k``
    (*fold*, validation carved from its training part), or :func:`split_dataset`'s. Training
    and evaluation both call it with what ``run.json`` records.

    Example:
        >>> import depthlab as dl
        >>> from depthlab.data.splits import resolve_split
        >>> resolve_split(dl.load_dataset("iris"), fold=(0, 5)).sizes()
        {'train': 102, 'val': 18, 'test': 30}
    """
    if test_group is not None and fold is not None:
        raise ConfigError("hold out a group or choose a fold, not both")
    if test_group is not None:
        return hold_out_group(ds, test_group, seed=seed)
    if fold is not None:
        index, k = fold
        folds = kfold(ds, k=k, seed=seed, strategy=strategy, val_fraction=FOLD_VAL_FRACTION)
        if not 0 <= index < k:
            raise ConfigError(f"fold {index} does not exist; folds are 0..{k - 1}")
        return folds[index]
    return split_dataset(ds, seed=seed, strategy=strategy)


def hold_out_group(ds: Dataset, group: str, *, seed: int = 0, val_fraction: float = 0.15) -> Split:
    """Test on every example of *group* (a speaker...), validate on a seeded *val_fraction* of
    the other groups' examples (stratified for classification) and train on the rest: one fold
    of leave-one-group-out.

    Example:
        >>> import depthlab as dl
        >>> split = dl.hold_out_group(dl.load_dataset("fsdd"), "theo")  # doctest: +SKIP
        >>> split.sizes()  # doctest: +SKIP
        {'train': 1700, 'val': 300, 'test': 500}
    """

    if ds.groups is None:
        raise ConfigError(
            f"{ds.name} has no groups to hold one out; give groups (e.g. --label-pattern "
            "with (?P<group>...)) or use --split"
        )
    labels = ds.groups.astype(str)
    names = [str(n) for n in np.unique(labels)]
    if group not in names:
        raise ConfigError(
            f"{ds.name} has no group '{group}'.{closest(group, names)} Groups: {', '.join(names)}"
        )
    if len(names) < 2:
        raise ConfigError(f"{ds.name} has a single group; holding it out leaves no training data")
    test = np.flatnonzero(labels == group)
    rest = np.flatnonzero(labels != group)
    train, val = _carve_val(ds, rest, val_fraction, seed)
    return Split(train, val, test, f"group '{group}' held out", seed)


def _carve_val(
    ds: Dataset, rest: np.ndarray, val_fraction: float, seed: int, temporal: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """``(train, val)`` out of the sorted indices *rest*: *val_fraction* of them, seeded and
    stratified for classification (the last ones in time order when *temporal*)."""
    n_val = math.ceil(val_fraction * len(rest))
    if n_val == 0:
        return rest, rest[:0]
    if temporal:
        return rest[:-n_val], rest[-n_val:]
    strategy = "stratified" if ds.task == "classification" else "random"
    train, val = _carve(ds, rest, [n_val], strategy, seed)
    return train, val


def kfold(
    ds: Dataset,
    *,
    k: int = 5,
    seed: int = 0,
    strategy: SplitStrategy = "auto",
    val_fraction: float = 0.0,
) -> list[Split]:
    """*k* folds; fold *i* tests on its part and trains on the rest, of which *val_fraction* is
    carved out for validation (stratified for classification; the latest part of a temporal
    fold; by default none)."""
    from sklearn import model_selection as ms

    if k < 2 or k > len(ds):
        raise ConfigError(f"k-fold needs 2 <= k <= {len(ds)}, got {k}")
    chosen = resolve_strategy(ds, strategy)
    idx = np.arange(len(ds))
    splitter: ms.BaseCrossValidator
    if chosen == "temporal":
        splitter = ms.TimeSeriesSplit(n_splits=k, gap=purge_of(ds))
    elif chosen == "grouped":
        if ds.groups is None or len(np.unique(ds.groups)) < k:
            raise ConfigError(f"{ds.name}: grouped {k}-fold needs at least {k} groups")
        splitter = ms.GroupKFold(n_splits=k, shuffle=True, random_state=seed)
    elif chosen == "stratified":
        splitter = ms.StratifiedKFold(n_splits=k, shuffle=True, random_state=seed)
    else:
        splitter = ms.KFold(n_splits=k, shuffle=True, random_state=seed)
    try:
        folds = list(splitter.split(idx, ds.targets, ds.groups))
    except ValueError as exc:
        raise ConfigError(f"{ds.name}: cannot make {k} folds: {exc}") from None
    out = []
    for tr, te in folds:
        train, val = _carve_val(ds, np.sort(tr), val_fraction, seed, chosen == "temporal")
        out.append(Split(train, val, np.sort(te), chosen, seed))
    return out
