"""Interactions: (user, item, rating) tables for recommendation. MovieLens 100K and your own.

A dataset of the ``interactions`` modality holds one row per rating: ``inputs`` is a DataFrame
with ``user`` and ``item`` id columns (int64 when every id is a whole number, else strings) and,
when known, a ``title`` column naming the item (categorical); ``targets`` are the ratings
(float64) and the task is regression.

MovieLens 100K comes from the mirror (``ratings.csv``, ``items.csv``, checked against the
manifest) or from GroupLens' official ``ml-100k.zip``, checked against its published SHA-256 and
read in place (``u.data``, ``u.item``).

Your own table (CSV, TSV or Parquet) is an interaction table when its columns are a user column
(``user``, ``user_id``, ``userId``), an item column (``item``, ``item_id``, ``itemId``, ``movie``,
``movie_id``, ``movieId``, ``product``, ``product_id``), a rating column (``rating``, ``score``,
``stars`` or the one named by ``--target``) and optionally ``title`` and a timestamp
(``timestamp``, ``time``, ``date``; not used). Any other column makes it an ordinary table.
"""

from __future__ import annotations

import csv
import io
import logging
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from depthlab.config import DataConfig
from depthlab.data.dataset import Dataset, DatasetInfo, check_targets
from depthlab.data.download import Fetcher, RemoteArchive, RemoteFile
from depthlab.data.tabular import row_label
from depthlab.errors import ConfigError, DataError

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger(__name__)

MANIFEST = "movielens-100k"
# Column names (lower case, without "_" and spaces) that mark an interaction table.
USER_NAMES = ("user", "userid")
ITEM_NAMES = ("item", "itemid", "movie", "movieid", "product", "productid")
RATING_NAMES = ("rating", "score", "stars")
TITLE_NAMES = ("title",)
TIME_NAMES = ("timestamp", "time", "date")
# u.item's 19 genre flags, in the order of u.genre: an item's genre is the first one set.
GENRES = (
    "unknown",
    "Action",
    "Adventure",
    "Animation",
    "Children's",
    "Comedy",
    "Crime",
    "Documentary",
    "Drama",
    "Fantasy",
    "Film-Noir",
    "Horror",
    "Musical",
    "Mystery",
    "Romance",
    "Sci-Fi",
    "Thriller",
    "War",
    "Western",
)
MOVIELENS_INFO = DatasetInfo(
    "MovieLens 100K: 100,000 ratings (1-5 stars) of 1,682 movies by 943 users, collected by "
    "GroupLens from September 1997 to April 1998; every user rated at least 20 movies",
    "https://grouplens.org/datasets/movielens/100k/",
    "GroupLens research terms: research use, cite the paper, do not redistribute",
    "Harper & Konstan, The MovieLens Datasets: History and Context, ACM TiiS 5(4), 2015",
)


def load_movielens_100k(fetcher: Fetcher) -> Dataset:
    """MovieLens 100K from the mirror's CSV files, or from the official zip archive."""
    import pandas as pd

    mirror = RemoteArchive.from_manifest(MANIFEST)
    if fetcher.data_dir is not None and (fetcher.data_dir / mirror.name / "ratings.csv").is_file():
        folder = fetcher.fetch(mirror)
        ratings = pd.read_csv(folder / "ratings.csv")
        items = pd.read_csv(folder / "items.csv")
    else:
        ratings, items = read_movielens_zip(fetcher.fetch_file(RemoteFile.from_manifest(MANIFEST)))
    titles = items.set_index("itemId")["title"]
    inputs = pd.DataFrame(
        {
            "user": ratings["userId"].to_numpy(np.int64),
            "item": ratings["itemId"].to_numpy(np.int64),
            # One category per movie: 100,000 rows cost 2 bytes each, not a string each.
            "title": pd.Categorical(ratings["itemId"].map(titles)),
        }
    )
    return Dataset(
        name="movielens-100k",
        modality="interactions",
        task="regression",
        inputs=inputs,
        targets=ratings["rating"].to_numpy(np.float64),
        feature_names=("user", "item"),
        info=MOVIELENS_INFO,
    )


def read_movielens_zip(path: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``u.data`` (user, item, rating, timestamp; tab-separated) and ``u.item`` (id|title|...|19
    genre flags; Latin-1) from the official archive, in the columns of the mirror's CSV files."""
    import pandas as pd

    try:
        with zipfile.ZipFile(path) as bundle:
            names = {name.rsplit("/", 1)[-1]: name for name in bundle.namelist()}
            missing = [n for n in ("u.data", "u.item") if n not in names]
            if missing:
                raise DataError(f"{path} has no {', '.join(missing)}; is it ml-100k.zip?")
            data = bundle.read(names["u.data"])
            item = bundle.read(names["u.item"])
    except zipfile.BadZipFile:
        raise DataError(f"{path} is not a zip archive; delete it to download it again") from None
    ratings = pd.read_csv(
        io.BytesIO(data), sep="\t", header=None, names=["userId", "itemId", "rating", "time"]
    ).drop(columns="time")
    flags = [f"g{k}" for k in range(len(GENRES))]
    raw = pd.read_csv(
        io.BytesIO(item),
        sep="|",
        header=None,
        encoding="latin-1",
        quoting=csv.QUOTE_NONE,  # a title's quote marks are part of it
        names=["itemId", "title", "released", "video", "url", *flags],
    )
    first = raw[flags].to_numpy().argmax(axis=1)  # the first genre flag set
    items = pd.DataFrame(
        {"itemId": raw["itemId"], "title": raw["title"], "genre": np.asarray(GENRES)[first]}
    )
    return ratings, items


def _key(column: str) -> str:
    return column.lower().replace("_", "").replace(" ", "")


def find_column(columns: list[str], names: tuple[str, ...]) -> str | None:
    found = [c for c in columns if _key(c) in names]
    return found[0] if len(found) == 1 else None


def interaction_columns(
    frame: pd.DataFrame, target: str | None, path: Path | None = None
) -> dict[str, str] | None:
    """The user, item, rating (and title) columns of an interaction table; None for a table
    that is not one. A table with user and item columns but no rating column is an error."""
    columns = [str(c) for c in frame.columns]
    user, item = find_column(columns, USER_NAMES), find_column(columns, ITEM_NAMES)
    if user is None or item is None:
        return None
    if target is not None and target not in columns:
        return None  # the table reader names the missing target
    rating = target if target is not None else find_column(columns, RATING_NAMES)
    title, time = find_column(columns, TITLE_NAMES), find_column(columns, TIME_NAMES)
    known = {c for c in (user, item, rating, title, time) if c is not None}
    if set(columns) - known:
        return None  # other columns: an ordinary table that happens to have user/item columns
    if rating is None:
        raise DataError(
            f"{path or 'the table'} has user and item columns ('{user}', '{item}') but no "
            "rating column; name it 'rating' or pass --target COLUMN"
        )
    found = {"user": user, "item": item, "rating": rating}
    if title is not None:
        found["title"] = title
    return found


def interaction_dataset(
    frame: pd.DataFrame, columns: dict[str, str], config: DataConfig, path: Path
) -> Dataset:
    """A user's interaction table as a dataset (see the module docstring for the columns)."""
    import pandas as pd

    unused = sorted(config.model_fields_set - {"target", "task"})
    if unused:
        raise ConfigError(
            f"option(s) {unused} do not apply to an interaction table (valid: target)"
        )
    if config.task == "classification":
        raise ConfigError(
            f"{path} is an interaction table: ratings are predicted by regression, "
            "not classification; leave out --task"
        )
    inputs = {
        "user": ids(frame[columns["user"]], columns["user"], path),
        "item": ids(frame[columns["item"]], columns["item"], path),
    }
    if "title" in columns:
        inputs["title"] = pd.Categorical(frame[columns["title"]].astype("string"))
    rating = frame[columns["rating"]]
    values = pd.to_numeric(rating, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    bad = np.flatnonzero(~np.isfinite(values))
    if len(bad):
        row = int(bad[0])
        what = "missing" if pd.isna(rating.iloc[row]) else f"'{rating.iloc[row]}', not a number"
        raise DataError(
            f"{path}: {row_label(path, row)}: the rating ('{columns['rating']}') is {what}; "
            f"ratings must be numbers ({len(bad)} bad row{'s' * (len(bad) > 1)})"
        )
    return check_targets(
        Dataset(
            name=path.name,
            modality="interactions",
            task="regression",
            inputs=pd.DataFrame(inputs),
            targets=values,
            feature_names=("user", "item"),
            info=DatasetInfo(description=f"interaction table {path.name}", source=str(path)),
        )
    )


def ids(column: pd.Series, name: str, path: Path) -> Any:
    """Ids as int64 when every one is a whole number, else as stripped strings; a missing id is
    an error naming its row."""
    import pandas as pd

    missing = np.flatnonzero(column.isna().to_numpy())
    if len(missing):
        raise DataError(
            f"{path}: {row_label(path, int(missing[0]))}: the id in column '{name}' is missing "
            f"({len(missing)} row{'s' * (len(missing) > 1)}); drop or fill those rows"
        )
    if column.dtype.kind in "iu":
        return column.to_numpy(np.int64)
    if column.dtype.kind == "f" and bool((column == column.round()).all()):
        return column.to_numpy(np.int64)
    text = column.astype("string").str.strip()
    empty = np.flatnonzero((text == "").to_numpy())
    if len(empty):
        raise DataError(f"{path}: {row_label(path, int(empty[0]))}: the id in '{name}' is empty")
    return pd.Series(text, dtype=object).to_numpy()


def rated_by(ds: Dataset) -> dict[str, set[str]]:
    """Each user's rated items in *ds*, ids as strings (the form the pairs features use)."""
    users = ds.inputs["user"].astype(str).to_numpy()
    items = ds.inputs["item"].astype(str).to_numpy()
    out: dict[str, set[str]] = {}
    for user, item in zip(users, items, strict=True):
        out.setdefault(user, set()).add(item)
    return out


def item_titles(ds: Dataset) -> dict[str, str]:
    """Item id (as a string) -> title, for datasets that name their items (else empty)."""
    frame = ds.inputs
    if "title" not in frame.columns:
        return {}
    pairs = frame[["item", "title"]].drop_duplicates("item")
    return {str(i): str(t) for i, t in zip(pairs["item"], pairs["title"], strict=True)}


def interaction_facts(ds: Dataset) -> dict[str, Any]:
    """What `depthlab data show` says of an interaction dataset: users, items, how full the
    rating matrix is, and how ratings spread over users and items."""
    users = ds.inputs["user"].astype(str)
    items = ds.inputs["item"].astype(str)
    n_users, n_items = int(users.nunique()), int(items.nunique())
    per_user, per_item = users.value_counts().to_numpy(), items.value_counts().to_numpy()
    levels, counts = np.unique(ds.targets, return_counts=True)
    return {
        "users": n_users,
        "items": n_items,
        "density": round(len(ds) / (n_users * n_items), 6),
        "ratings_per_user": _spread(per_user),
        "ratings_per_item": _spread(per_item),
        "rating_levels": (
            {f"{v:g}": int(c) for v, c in zip(levels, counts, strict=True)}
            if len(levels) <= 20
            else {}
        ),
    }


def _spread(values: np.ndarray) -> dict[str, float]:
    return {
        "min": float(values.min()),
        "median": float(np.median(values)),
        "max": float(values.max()),
    }


def draw_interactions(ds: Dataset) -> Any:
    """The picture of `depthlab data show`: the ratings' distribution and the long tails of
    ratings per user and per item (most users and items have few ratings)."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(11, 3.4), layout="constrained")
    levels, counts = np.unique(ds.targets, return_counts=True)
    if len(levels) <= 20:
        axes[0].bar([f"{v:g}" for v in levels], counts, color="tab:blue")
    else:
        axes[0].hist(ds.targets, bins=30, color="tab:blue")
    axes[0].set_title("ratings", fontsize=9)
    for ax, column in zip(axes[1:], ("user", "item"), strict=True):
        per = np.sort(ds.inputs[column].astype(str).value_counts().to_numpy())[::-1]
        ax.plot(np.arange(1, len(per) + 1), per, color="tab:orange")
        ax.set_yscale("log")
        ax.set_xlabel(f"{column}s, most active first", fontsize=8)
        ax.set_title(f"ratings per {column} ({len(per):,} {column}s)", fontsize=9)
    for ax in axes:
        ax.tick_params(which="both", labelsize=7)
    return fig
