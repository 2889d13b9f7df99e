"""``depthlab predict`` for a run trained on interactions: one rating (``--user U --item I``), a
user's top-k items (``--user U --top-k K``), or every (user, item) pair of a file.

A user or item the training part never saw gets the baseline's answer (the global mean plus the
bias of the side that is known): the models do that themselves, and this module says so.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import typer

from depthlab.cli.predict_output import say_written, write_csv
from depthlab.errors import ConfigError, DataError, DepthlabError

if TYPE_CHECKING:
    import pandas as pd

    from depthlab.data.dataset import Dataset
    from depthlab.training.run import Run

log = logging.getLogger(__name__)
DEFAULT_OUTPUT = Path("predictions.csv")


def is_interactions(run: Run) -> bool:
    return run.record.data.modality == "interactions"


def predict_interactions(
    run: Run,
    source: str | None,
    user: str | None,
    item: str | None,
    top_k: int | None,
    output: Path | None,
    as_json: bool,
) -> None:
    """What ``depthlab predict`` does for an interactions run (see the module docstring)."""
    if not is_interactions(run):
        raise ConfigError(
            "--user, --item and --top-k are for runs trained on interaction data "
            f"(user, item, rating); this run was trained on {run.record.data.modality} "
            "data: give an INPUT file instead"
        )
    if source is not None:
        if user is not None or item is not None or top_k is not None:
            raise ConfigError("give either INPUT or --user (with --item or --top-k), not both")
        predict_file(run, source, output or DEFAULT_OUTPUT, as_json)
        return
    if user is None:
        raise ConfigError(
            "give an INPUT file of (user, item) pairs, or --user U with --item I (one rating) "
            "or --top-k K (recommendations)"
        )
    if (item is None) == (top_k is None):
        raise ConfigError("give --user with either --item I (one rating) or --top-k K, not both")
    if top_k is not None:
        recommend(run, user, top_k, output, as_json)
    elif item is not None:
        rate(run, user, item, as_json)


def rate(run: Run, user: str, item: str, as_json: bool) -> None:
    import pandas as pd

    frame = pd.DataFrame({"user": [user], "item": [item]})
    pairs = run.preprocessor.transform(frame)
    notice_unknown(pairs, what=f"user '{user}', item '{item}'")
    rating = float(run.predict(frame)[0])
    ds = training_data(run, required=False)
    title = item_titles_of(ds).get(item, "")
    if as_json:
        record = {
            "user": user,
            "item": item,
            "title": title,
            "rating": rating,
            "known_user": bool(pairs[0, 0]),
            "known_item": bool(pairs[0, 1]),
        }
        typer.echo(json.dumps(record))
        return
    named = f" ({title})" if title else ""
    typer.echo(f"user {user}, item {item}{named}: predicted rating {rating:.2f}")


def recommend(run: Run, user: str, k: int, output: Path | None, as_json: bool) -> None:
    """The *k* items with the highest predicted rating among those the run's training part knows
    and *user* has not rated anywhere in the data."""
    import pandas as pd

    from depthlab.data.interactions import item_titles, rated_by

    if k < 1:
        raise ConfigError(f"--top-k must be at least 1, not {k}")
    catalogue = np.asarray(run.preprocessor.stats["item"], dtype=object)
    ds = training_data(run, required=True)
    rated = rated_by(ds).get(user, set()) if ds is not None else set()
    candidates = catalogue[~np.isin(catalogue.astype(str), list(rated))]
    if len(candidates) == 0:
        raise DataError(f"user '{user}' has rated every item the model knows; nothing to recommend")
    frame = pd.DataFrame({"user": [user] * len(candidates), "item": candidates})
    if run.preprocessor.transform(frame[:1])[0, 0] == 0:
        log.warning(
            "user '%s' was not in the training data: these are the items with the best baseline "
            "rating (global mean plus item bias), the same for every new user",
            user,
        )
    scores = run.predict(frame)
    top = np.argsort(-scores, kind="stable")[:k]
    titles = item_titles(ds) if ds is not None else {}
    table = pd.DataFrame(
        {
            "rank": np.arange(1, len(top) + 1),
            "item": candidates[top],
            "title": [titles.get(str(i), "") for i in candidates[top]],
            "predicted_rating": scores[top],
        }
    )
    if output is not None:
        write_csv(table, output)
    if as_json:
        typer.echo(json.dumps({"user": user, "items": table.to_dict(orient="records")}))
        return
    typer.echo(f"top {len(table)} items for user {user} (not rated by them), by predicted rating:")
    for rank, item, title, rating in zip(
        table["rank"], table["item"], table["title"], table["predicted_rating"], strict=True
    ):
        named = f"  {title}" if title else ""
        typer.echo(f"{rank:>4}  {rating:5.2f}  item {item}{named}")


def predict_file(run: Run, source: str, output: Path, as_json: bool) -> None:
    """Predict every (user, item) pair of a table or built-in; score them when rated."""
    import pandas as pd

    from depthlab.evaluate.metrics import compute_metrics

    frame, targets = read_pairs(source)
    pairs = run.preprocessor.transform(frame)
    notice_unknown(pairs, what=f"{len(frame):,} pairs of {source}")
    values = run.predict(frame)
    table = pd.DataFrame({"user": frame["user"], "item": frame["item"], "prediction": values})
    write_csv(table, output)
    metrics = compute_metrics("regression", targets, values) if targets is not None else {}
    if say_written(len(table), "predictions", output, metrics, as_json):
        return
    if metrics:
        from depthlab.cli.output import print_metrics

        print_metrics(metrics, (), f"{source}: {len(table):,} rated pairs")


def read_pairs(source: str) -> tuple[pd.DataFrame, np.ndarray | None]:
    """(user, item) pairs and their ratings, if any, from a built-in name or a CSV/Parquet file
    with user and item columns (names as for training) and optionally a rating column."""
    import pandas as pd

    from depthlab.data import interactions, tabular
    from depthlab.data.datasets import is_builtin
    from depthlab.data.load import TABLE_SUFFIXES, load_dataset

    path = Path(source).expanduser()
    if is_builtin(source) and not path.exists():
        ds = load_dataset(source)
        if ds.modality != "interactions":
            raise DataError(f"{source} holds {ds.modality} data, not (user, item) ratings")
        return ds.inputs[["user", "item"]], ds.targets
    if not path.is_file():
        raise DataError(f"no such file: {source}")
    if path.suffix.lower() not in TABLE_SUFFIXES:
        raise DataError(f"{path}: give (user, item) pairs as a CSV, TSV or Parquet table")
    table = tabular.read_table(path)
    columns = [str(c) for c in table.columns]
    user = interactions.find_column(columns, interactions.USER_NAMES)
    item = interactions.find_column(columns, interactions.ITEM_NAMES)
    if user is None or item is None:
        raise DataError(
            f"{path} needs a user column (user, user_id, userId) and an item column (item, "
            f"item_id, itemId, movie, movieId, product...); it has {columns}"
        )
    frame = pd.DataFrame(
        {
            "user": interactions.ids(table[user], user, path),
            "item": interactions.ids(table[item], item, path),
        }
    )
    rating = interactions.find_column(columns, interactions.RATING_NAMES)
    if rating is None:
        return frame, None
    values = pd.to_numeric(table[rating], errors="coerce").to_numpy(np.float64, na_value=np.nan)
    if not np.isfinite(values).all():
        row = int(np.flatnonzero(~np.isfinite(values))[0])
        raise DataError(
            f"{path}: {tabular.row_label(path, row)}: the rating '{table[rating].iloc[row]}' is "
            "not a number; fix it or leave the rating column out"
        )
    return frame, values


def notice_unknown(pairs: np.ndarray, what: str) -> None:
    """A warning when some pairs have a user or item the training part never saw."""
    from depthlab.features.pairs import unknown

    users, items = unknown(pairs)
    if users or items:
        parts = [
            f"{n:,} unknown {side}{'s' * (n > 1)}"
            for n, side in ((users, "user"), (items, "item"))
            if n
        ]
        log.warning(
            "%s: %s; such pairs get the baseline rating (global mean plus the known side's bias)",
            what,
            " and ".join(parts),
        )


def training_data(run: Run, required: bool) -> Dataset | None:
    """The run's data, loaded again from its recorded source (None where it cannot be, when not
    *required*)."""
    from depthlab.data.load import load_dataset

    data = run.record.data
    if data.source is None:
        if required:
            log.warning(
                "the run was trained on a Dataset object, so the items the user rated are not "
                "known: rated items are not left out"
            )
        return None
    try:
        return load_dataset(data.source, **data.options)
    except DepthlabError:
        if required:
            raise
        return None


def item_titles_of(ds: Dataset | None) -> dict[str, str]:
    from depthlab.data.interactions import item_titles

    return item_titles(ds) if ds is not None else {}
