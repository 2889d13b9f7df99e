"""``pairs``: (user, item) ids as indices into the users and items of the training part.

Index 0 stands for an id the training part never saw (a new user or item): models give it no
embedding and no bias, so that such a pair gets the baseline (global mean plus the known side's
bias). Ids are compared as strings, so ``196`` and ``"196"`` are the same user.

Example:
    >>> import pandas as pd
    >>> from depthlab.features.pairs import transform_pairs
    >>> stats = {"user": ["a", "b"], "item": ["10", "20"]}
    >>> transform_pairs(pd.DataFrame({"user": ["b", "z"], "item": [20, 10]}), stats).tolist()
    [[2, 2], [0, 1]]
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from depthlab.errors import DataError
from depthlab.features.registry import Features, Stats, register_features
from depthlab.features.spec import InputSpec

if TYPE_CHECKING:
    import pandas as pd

    from depthlab.config import FeatureConfig
    from depthlab.data.dataset import Dataset

COLUMNS = ("user", "item")


def as_strings(column: Any) -> np.ndarray:
    """Ids as strings; whole-number floats (``196.0``, from a column with gaps) as ``"196"``."""
    values = np.asarray(column)
    if values.dtype.kind == "f" and np.all(values == np.round(values)):
        values = values.astype(np.int64)
    elif values.dtype.kind == "O":  # mixed types, as typed by hand: 196, "196" and 196.0 agree
        values = np.array([_id_text(v) for v in values], dtype=str)
    return values.astype(str)


def _id_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _frame(inputs: Any) -> pd.DataFrame:
    import pandas as pd

    if isinstance(inputs, pd.DataFrame):
        frame = inputs
    else:
        array = np.asarray(inputs, dtype=object)
        if array.ndim != 2 or array.shape[1] != 2:
            raise DataError(f"pairs need two columns (user, item); got shape {array.shape}")
        frame = pd.DataFrame(array, columns=list(COLUMNS))
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise DataError(
            f"inputs lack column(s) {missing}; (user, item) pairs need the columns user and item"
        )
    return frame


def fit_pairs(part: Dataset, options: FeatureConfig) -> Stats:
    frame = _frame(part.inputs)
    # Sorted for a stable, readable run.json; numeric ids sort as numbers where they all are.
    return {name: _sorted_ids(as_strings(frame[name])) for name in COLUMNS}


def _sorted_ids(values: np.ndarray) -> list[str]:
    unique = np.unique(values)
    try:
        order = np.argsort(unique.astype(np.int64), kind="stable")
    except ValueError:
        return [str(v) for v in unique]
    return [str(v) for v in unique[order]]


def transform_pairs(inputs: Any, stats: Stats) -> np.ndarray:
    """``(N, 2)`` int64: user index, item index (0 for ids unknown to the training part)."""
    import pandas as pd

    frame = _frame(inputs)
    # get_indexer gives -1 for an id the training part never saw: index 0 after the shift.
    users = pd.Index(stats["user"]).get_indexer(pd.Index(as_strings(frame["user"]))) + 1
    items = pd.Index(stats["item"]).get_indexer(pd.Index(as_strings(frame["item"]))) + 1
    return np.stack([users, items], axis=1).astype(np.int64)  # (N, 2)


def pairs_spec(stats: Stats, n_outputs: int, task: str) -> InputSpec:
    return InputSpec(
        "pairs",
        (2,),
        n_outputs,
        task,
        cardinalities=(len(stats["user"]) + 1, len(stats["item"]) + 1),
    )


def unknown(pairs: np.ndarray) -> tuple[int, int]:
    """How many rows of transformed *pairs* have an unknown user, and an unknown item."""
    return int((pairs[:, 0] == 0).sum()), int((pairs[:, 1] == 0).sum())


register_features(
    Features(
        "pairs",
        ("interactions",),
        "pairs",
        fit_pairs,
        transform_pairs,
        pairs_spec,
        "user and item ids as indices of the training part's users and items (0: unknown)",
    ),
    defaults={"interactions": {"*": "pairs"}},
)
