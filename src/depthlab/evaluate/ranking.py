"""Top-k metrics of a recommender: hit rate and NDCG at k, over sampled candidates.

The protocol (He et al.'s for neural collaborative filtering, applied to every held-out rating):

1. every test rating of at least ``relevant`` (4 stars) is one ranking case;
2. each test user gets ``negatives`` (99) candidate items drawn once, with a fixed seed, from
   the training part's items that the user rated nowhere in the dataset (all of them when fewer
   are left);
3. the held-out item is ranked by predicted rating among its user's candidates: its rank is the
   number of candidates scored at least as high (a tie counts against it, so a constant
   predictor scores 0);
4. ``hr@k`` is the share of cases ranked in the top k; ``ndcg@k`` the mean of ``1 / log2(rank +
   2)`` over the cases in the top k, 0 for the others (one relevant item per case, so the ideal
   DCG is 1).

The seed is fixed rather than the run's, so that every model of a comparison ranks the same
candidates.

Example:
    >>> import numpy as np
    >>> scores = hit_rate_ndcg(np.array([0, 1, 10]), k=10)
    >>> round(scores["hr@10"], 4), round(scores["ndcg@10"], 4)
    (0.6667, 0.5436)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from depthlab.data.dataset import Dataset
from depthlab.data.interactions import rated_by
from depthlab.errors import DataError

K = 10
NEGATIVES = 99
RELEVANT = 4.0
SEED = 0


def hit_rate_ndcg(ranks: np.ndarray, k: int = K) -> dict[str, float]:
    """HR@k and NDCG@k of 0-based *ranks* of the relevant item, one per case."""
    ranks = np.asarray(ranks)
    if ranks.size == 0:
        raise DataError("no ranking cases: the test part holds no rating high enough to rank")
    hit = ranks < k
    gains = np.where(hit, 1.0 / np.log2(np.minimum(ranks, k) + 2.0), 0.0)
    return {f"hr@{k}": float(hit.mean()), f"ndcg@{k}": float(gains.mean())}


def rank_among(positive: np.ndarray, candidates: np.ndarray) -> np.ndarray:
    """0-based rank of each ``positive[c]`` among ``candidates[c, :]`` (ties count against it);
    NaN candidates (padding for users with fewer of them) never outrank."""
    above = np.asarray(candidates) >= np.asarray(positive)[:, None]
    return np.asarray(np.nansum(above, axis=1), dtype=np.int64)


def sample_candidates(
    ds: Dataset, train: np.ndarray, users: np.ndarray, negatives: int = NEGATIVES, seed: int = SEED
) -> dict[str, np.ndarray]:
    """For each user id (string), up to *negatives* items of the training part (strings) that
    the user rated nowhere in *ds*, drawn with *seed*."""

    rated = rated_by(ds)
    catalogue = np.unique(ds.inputs["item"].astype(str).to_numpy()[train])
    rng = np.random.default_rng(seed)
    out: dict[str, np.ndarray] = {}
    for user in sorted(set(users.tolist())):
        unrated = catalogue[~np.isin(catalogue, list(rated.get(user, ())))]
        size = min(negatives, len(unrated))
        out[user] = rng.choice(unrated, size=size, replace=False) if size else unrated
    return out


def topk_metrics(
    predict: Callable[[Any], np.ndarray],
    ds: Dataset,
    train: np.ndarray,
    test: np.ndarray,
    k: int = K,
    negatives: int = NEGATIVES,
    relevant: float = RELEVANT,
) -> dict[str, float]:
    """HR@k and NDCG@k of *predict* (a DataFrame of user, item -> predicted ratings) on the test
    ratings of *ds* (indices *test*), under the module's protocol; empty when no test rating
    reaches *relevant*."""
    import pandas as pd

    cases = test[ds.targets[test] >= relevant]
    if len(cases) == 0:
        return {}
    users = ds.inputs["user"].astype(str).to_numpy()[cases]
    items = ds.inputs["item"].astype(str).to_numpy()[cases]
    pools = sample_candidates(ds, train, users, negatives)
    order = sorted(pools)
    width = max(len(pools[u]) for u in order)
    if width == 0:
        return {}
    # One call for every (user, candidate) pair: (U * width,) predictions, NaN as padding.
    pair_users = np.repeat(np.array(order, dtype=object), width)
    pair_items = np.array(  # padding repeats a held-out item; its score is masked below
        [pools[u][j] if j < len(pools[u]) else items[0] for u in order for j in range(width)]
    )
    scores = np.asarray(
        predict(pd.DataFrame({"user": pair_users, "item": pair_items})), dtype=np.float64
    ).reshape(len(order), width)
    for row, user in enumerate(order):
        scores[row, len(pools[user]) :] = np.nan
    positive = np.asarray(predict(pd.DataFrame({"user": users, "item": items})), np.float64)
    row_of = {user: row for row, user in enumerate(order)}
    ranks = rank_among(positive, scores[[row_of[u] for u in users]])
    return hit_rate_ndcg(ranks, k)
