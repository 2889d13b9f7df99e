"""Interaction data: MovieLens 100K from the mirror and from the official zip, the user's own
rating tables with clear errors, and the pairs features' id mapping."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import depthlab as dl
from depthlab.data.dataset import Dataset
from depthlab.data.datasets import get_spec
from depthlab.data.download import Fetcher, RemoteFile
from depthlab.data.interactions import GENRES, load_movielens_100k
from depthlab.errors import ChecksumError, ConfigError, DataError, DownloadError
from depthlab.features.pairs import fit_pairs, pairs_spec, transform_pairs
from depthlab.training.preprocess import Preprocessor


@pytest.fixture(scope="module")
def movielens(mirror: Path) -> Dataset:
    return dl.load_dataset("movielens-100k", data_dir=mirror)


def test_movielens_from_the_mirror(movielens: Dataset) -> None:
    spec = get_spec("movielens-100k")
    assert (movielens.modality, movielens.task) == (spec.modality, spec.task)
    assert (movielens.modality, movielens.task) == ("interactions", "regression")
    assert len(movielens) == 100_000
    frame = movielens.inputs
    assert frame["user"].nunique() == 943 and frame["item"].nunique() == 1682
    assert frame["user"].dtype == np.int64 and frame["item"].dtype == np.int64
    assert movielens.targets.dtype == np.float64
    assert set(np.unique(movielens.targets)) == {1.0, 2.0, 3.0, 4.0, 5.0}
    # u.data's first line: user 196 gave Kolya (item 242) three stars
    assert (frame["user"][0], frame["item"][0], movielens.targets[0]) == (196, 242, 3.0)
    assert frame["title"][0] == "Kolya (1996)"
    assert movielens.groups is None  # a random split, never one that leaves users out


def movielens_zip(mirror: Path, path: Path) -> None:
    """An archive laid out like GroupLens' ml-100k.zip, rebuilt from the mirror's files:
    u.data tab-separated with timestamps, u.item pipe-separated in Latin-1 with genre flags."""
    ratings = pd.read_csv(mirror / "movielens-100k" / "ratings.csv")
    items = pd.read_csv(mirror / "movielens-100k" / "items.csv")
    data = "".join(
        f"{u}\t{i}\t{r}\t{881250949 + n}\n"
        for n, (u, i, r) in enumerate(ratings.itertuples(index=False))
    )
    lines = []
    for item, title, genre in items.itertuples(index=False):
        flags = ["1" if g == genre else "0" for g in GENRES]
        # a second flag after the first: the genre is the first one set, as in the mirror
        flags[-1] = "1" if genre != GENRES[-1] else flags[-1]
        lines.append("|".join([str(item), title, "01-Jan-1995", "", "http://x", *flags]))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr("ml-100k/u.data", data)
        bundle.writestr("ml-100k/u.item", ("\n".join(lines) + "\n").encode("latin-1"))
        bundle.writestr("ml-100k/README", "MovieLens")


def test_the_official_zip_is_downloaded_checked_and_read_in_place(
    mirror: Path, movielens: Dataset, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = tmp_path / "www" / "ml-100k.zip"
    archive.parent.mkdir()
    movielens_zip(mirror, archive)
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    remote = RemoteFile("movielens-100k", archive.as_uri(), digest)
    monkeypatch.setattr(RemoteFile, "from_manifest", classmethod(lambda cls, name: remote))
    no_mirror = tmp_path / "empty-mirror"
    no_mirror.mkdir()
    fetcher = Fetcher(data_dir=no_mirror, cache_dir=tmp_path / "cache", offline=False)
    ds = load_movielens_100k(fetcher)
    assert (tmp_path / "cache" / "movielens-100k" / "ml-100k.zip").is_file()
    pd.testing.assert_frame_equal(ds.inputs, movielens.inputs)
    np.testing.assert_array_equal(ds.targets, movielens.targets)
    # A second load reads the verified cache, even offline.
    offline = Fetcher(data_dir=no_mirror, cache_dir=tmp_path / "cache", offline=True)
    assert len(load_movielens_100k(offline)) == 100_000


def test_a_zip_with_another_checksum_is_rejected_and_not_cached(tmp_path: Path) -> None:
    archive = tmp_path / "ml-100k.zip"
    archive.write_bytes(b"PK not really the archive")
    remote = RemoteFile("movielens-100k", archive.as_uri(), "0" * 64)
    fetcher = Fetcher(data_dir=None, cache_dir=tmp_path / "cache", offline=False)
    with pytest.raises(ChecksumError, match="checksum mismatch"):
        fetcher.fetch_file(remote)
    assert not (tmp_path / "cache" / "movielens-100k" / "ml-100k.zip").exists()


def test_offline_without_mirror_or_cache_says_how_to_fix_it(tmp_path: Path) -> None:
    remote = RemoteFile.from_manifest("movielens-100k")
    assert remote.url == "https://files.grouplens.org/datasets/movielens/ml-100k.zip"
    fetcher = Fetcher(data_dir=tmp_path, cache_dir=tmp_path / "cache", offline=True)
    with pytest.raises(DownloadError, match="DEPTHLAB_DATA_DIR"):
        load_movielens_100k(fetcher)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_your_own_rating_table(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "ratings.csv",
        "user_id,movieId,stars,timestamp,title\n"
        "ann,10,4,1,Heat\nbob,10,2.5,2,Heat\nann,11,5,3,Up\n",
    )
    ds = dl.load_dataset(path)
    assert (ds.modality, ds.task, len(ds)) == ("interactions", "regression", 3)
    assert list(ds.inputs.columns) == ["user", "item", "title"]
    assert list(ds.inputs["user"]) == ["ann", "bob", "ann"]
    assert ds.inputs["item"].dtype == np.int64
    np.testing.assert_array_equal(ds.targets, [4.0, 2.5, 5.0])


def test_target_names_the_rating_column(tmp_path: Path) -> None:
    path = write(tmp_path, "r.csv", "user,item,liking\n1,2,3\n2,2,4\n")
    ds = dl.load_dataset(path, target="liking")
    assert ds.modality == "interactions"


def test_other_columns_make_an_ordinary_table(tmp_path: Path) -> None:
    path = write(tmp_path, "shop.csv", "user,item,price,target\n1,2,3.5,0\n2,3,1.0,1\n3,2,2.0,0\n")
    assert dl.load_dataset(path).modality == "tabular"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("user,item\n1,2\n", "bad.csv has user and item columns .* but no rating column"),
        ("user,item,rating\n1,2,4\n1,3,great\n", r"line 3: the rating \('rating'\) is 'great'"),
        ("user,item,rating\n1,2,4\n,3,5\n", "line 3: the id in column 'user' is missing"),
        ("user,item,rating\n1,2,4\n1,3,\n", r"line 3: the rating \('rating'\) is missing"),
    ],
)
def test_bad_rating_tables(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(DataError, match=message):
        dl.load_dataset(write(tmp_path, "bad.csv", text))


def test_ratings_are_regression_not_classification(tmp_path: Path) -> None:
    path = write(tmp_path, "r.csv", "user,item,rating\n1,2,3\n2,2,4\n")
    with pytest.raises(ConfigError, match="regression, not classification"):
        dl.load_dataset(path, task="classification")


def interactions(users: list[object], items: list[object]) -> Dataset:
    return Dataset(
        name="tiny",
        modality="interactions",
        task="regression",
        inputs=pd.DataFrame({"user": users, "item": items}),
        targets=np.arange(len(users), dtype=np.float64),
    )


def test_ids_are_mapped_from_the_training_part_only() -> None:
    ds = interactions([3, 1, 3, 9, 1], ["x", "y", "y", "z", "w"])
    train = np.array([0, 1, 2])  # users 3 and 1, items x and y
    prep = Preprocessor.fit(ds, train, "mf")
    assert prep.stats["user"] == ["1", "3"]  # sorted as numbers, stored as strings
    assert prep.stats["item"] == ["x", "y"]
    pairs = prep.transform(ds.inputs)
    assert pairs.dtype == np.int64 and pairs.shape == (5, 2)
    # user 9 and items z, w never appear in training: index 0
    np.testing.assert_array_equal(pairs, [[2, 1], [1, 2], [2, 2], [0, 0], [1, 0]])
    spec = prep.input_spec(1)
    assert (spec.kind, spec.shape, spec.cardinalities) == ("pairs", (2,), (3, 3))


def test_ids_match_whatever_their_type() -> None:
    stats = fit_pairs(interactions([196, 22], [242, 377]), None)  # type: ignore[arg-type]
    frame = pd.DataFrame({"user": ["196", "22", 196.0], "item": [242, "377", "5"]})
    np.testing.assert_array_equal(transform_pairs(frame, stats), [[2, 1], [1, 2], [2, 0]])
    assert pairs_spec(stats, 1, "regression").cardinalities == (3, 3)


def test_pairs_need_user_and_item_columns() -> None:
    stats = {"user": ["1"], "item": ["2"]}
    with pytest.raises(DataError, match=r"lack column\(s\) \['item'\]"):
        transform_pairs(pd.DataFrame({"user": [1], "movie": [2]}), stats)
