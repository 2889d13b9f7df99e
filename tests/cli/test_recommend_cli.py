"""`depthlab train / evaluate / predict` on ratings: one rating, a user's top-k, a file of
pairs, the notice for new users and items, and one-line errors for bad input."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import depthlab as dl

Cli = Callable[..., Any]


def ratings_table(path: Path) -> pd.DataFrame:
    """30 users x 20 items, half rated, ratings 1-5 from biases and a rank-1 interaction."""
    rng = np.random.default_rng(0)
    users, items = np.nonzero(rng.random((30, 20)) < 0.5)
    taste = rng.normal(size=30)[users] * rng.normal(size=20)[items]
    rating = np.clip(np.round(3 + 0.5 * rng.normal(size=20)[items] + taste), 1, 5)
    frame = pd.DataFrame(
        {
            "user": [f"u{u}" for u in users],
            "item": [f"i{i}" for i in items],
            "rating": rating,
            "title": [f"Film {i}" for i in items],
        }
    )
    frame.to_csv(path, index=False)
    return frame


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pd.DataFrame]:
    folder = tmp_path_factory.mktemp("recommend")
    frame = ratings_table(folder / "ratings.csv")
    dl.train(folder / "ratings.csv", dl.TrainSpec(model="biases"), out=folder / "run")
    return folder / "run", frame


def test_evaluate_shows_rating_and_top_k_metrics(cli: Cli, trained: tuple[Path, Any]) -> None:
    run, _ = trained
    result = cli("evaluate", str(run), "--json")
    assert result.code == 0, result.err
    metrics = json.loads(result.out)
    assert {"rmse", "mae", "hr@10", "ndcg@10"} <= set(metrics)
    assert 0.0 <= metrics["hr@10"] <= 1.0


def test_one_rating(cli: Cli, trained: tuple[Path, Any]) -> None:
    run, _ = trained
    result = cli("predict", str(run), "--user", "u1", "--item", "i3")
    assert result.code == 0, result.err
    assert result.out.startswith("user u1, item i3 (Film 3): predicted rating ")
    assert "unknown" not in result.err


def test_a_new_user_gets_the_baseline_with_a_notice(cli: Cli, trained: tuple[Path, Any]) -> None:
    run, _ = trained
    first = cli("predict", str(run), "--user", "newcomer", "--item", "i3", "--json")
    second = cli("predict", str(run), "--user", "someone-else", "--item", "i3", "--json")
    known = cli("predict", str(run), "--user", "u1", "--item", "i3", "--json")
    assert first.code == 0, first.err
    assert "1 unknown user" in first.err and "baseline rating" in first.err
    new, other, seen = (json.loads(r.out) for r in (first, second, known))
    assert new["known_user"] is False and new["known_item"] is True
    assert new["rating"] == pytest.approx(other["rating"])  # the same for every new user
    assert new["rating"] != pytest.approx(seen["rating"])


def test_top_k_leaves_out_what_the_user_rated(cli: Cli, trained: tuple[Path, Any]) -> None:
    run, frame = trained
    result = cli("predict", str(run), "--user", "u1", "--top-k", "3", "--json")
    assert result.code == 0, result.err
    answer = json.loads(result.out)
    items = answer["items"]
    assert [row["rank"] for row in items] == [1, 2, 3]
    rated = set(frame.loc[frame["user"] == "u1", "item"])
    assert not rated & {row["item"] for row in items}
    assert all(row["title"] == f"Film {row['item'][1:]}" for row in items)
    ratings = [row["predicted_rating"] for row in items]
    assert ratings == sorted(ratings, reverse=True)


def test_a_file_of_pairs(cli: Cli, trained: tuple[Path, Any], tmp_path: Path) -> None:
    run, _ = trained
    pairs = tmp_path / "pairs.csv"
    pairs.write_text("userId,itemId,rating\nu1,i3,4\nu2,i5,2\nnobody,i5,3\n", encoding="utf-8")
    out = tmp_path / "preds.csv"
    result = cli("predict", str(run), str(pairs), "-o", str(out), "--json")
    assert result.code == 0, result.err
    assert "1 unknown user" in result.err
    table = pd.read_csv(out)
    assert list(table.columns) == ["user", "item", "prediction"] and len(table) == 3
    assert {"rmse", "mae"} <= set(json.loads(result.out))


def test_factorisation_through_the_cli(cli: Cli, trained: tuple[Path, Any], tmp_path: Path) -> None:
    run, _ = trained
    data = run.parent / "ratings.csv"
    out = tmp_path / "mf"
    result = cli("train", "--data", str(data), "--model", "mf", "--epochs", "3", "--out", str(out))
    assert result.code == 0, result.err
    answer = cli("predict", str(out), "--user", "u2", "--top-k", "2")
    assert answer.code == 0, answer.err
    header = "top 2 items for user u2 (not rated by them), by predicted rating:"
    assert answer.out.splitlines()[0] == header
    assert len(answer.out.splitlines()) == 3


def test_movielens_top_k_names_the_movies(cli: Cli, tmp_path: Path) -> None:
    run = tmp_path / "ml"
    trained = cli("train", "--data", "movielens-100k", "--model", "biases", "--out", str(run))
    assert trained.code == 0, trained.err
    result = cli("predict", str(run), "--user", "196", "--top-k", "5", "--json")
    assert result.code == 0, result.err
    items = json.loads(result.out)["items"]
    assert len(items) == 5 and all(row["title"] for row in items)
    ratings = dl.load_dataset("movielens-100k").inputs
    assert not set(ratings.loc[ratings["user"] == 196, "item"]) & {int(r["item"]) for r in items}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "give an INPUT file of (user, item) pairs, or --user U"),
        (["--top-k", "3"], "give an INPUT file of (user, item) pairs, or --user U"),
        (["--user", "u1"], "give --user with either --item I (one rating) or --top-k K"),
        (["--user", "u1", "--item", "i1", "--top-k", "2"], "either --item I"),
        (["--user", "u1", "--top-k", "0"], "--top-k must be at least 1"),
    ],
)
def test_bad_predict_options(
    cli: Cli, trained: tuple[Path, Any], args: list[str], message: str
) -> None:
    run, _ = trained
    result = cli("predict", str(run), *args)
    assert result.code == 2
    assert result.err.strip() == f"error: {result.err.strip()[7:]}" and message in result.err
    assert len(result.err.strip().splitlines()) == 1


def test_pairs_without_an_item_column(cli: Cli, trained: tuple[Path, Any], tmp_path: Path) -> None:
    run, _ = trained
    pairs = tmp_path / "pairs.csv"
    pairs.write_text("user,film\nu1,i3\n", encoding="utf-8")
    result = cli("predict", str(run), str(pairs))
    assert result.code == 2
    assert "needs a user column" in result.err and "an item column" in result.err


def test_user_options_on_another_kind_of_run(cli: Cli, tmp_path: Path) -> None:
    dl.train("iris", dl.TrainSpec(model="logistic"), out=tmp_path / "iris")
    result = cli("predict", str(tmp_path / "iris"), "--user", "u1", "--item", "i1")
    assert result.code == 2
    assert "are for runs trained on interaction data" in result.err


def test_a_non_numeric_rating_is_a_one_line_error(cli: Cli, tmp_path: Path) -> None:
    data = tmp_path / "ratings.csv"
    data.write_text("user,item,rating\nu1,i1,4\nu2,i1,five\n", encoding="utf-8")
    result = cli("train", "--data", str(data), "--model", "biases", "--out", str(tmp_path / "r"))
    assert result.code == 2
    assert "line 3: the rating ('rating') is 'five', not a number" in result.err


def test_data_show_describes_ratings(cli: Cli, tmp_path: Path) -> None:
    picture = tmp_path / "ml.png"
    result = cli("data", "show", "movielens-100k", "--json", "--out", str(picture))
    assert result.code == 0, result.err
    facts = json.loads(result.out)
    assert (facts["users"], facts["items"]) == (943, 1682)
    assert facts["density"] == pytest.approx(100_000 / (943 * 1682), abs=1e-6)
    assert facts["rating_levels"] == {"1": 6110, "2": 11370, "3": 27145, "4": 34174, "5": 21201}
    assert picture.stat().st_size > 10_000
