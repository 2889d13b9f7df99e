"""The user's tables (CSV, TSV, Parquet) through ``load_dataset``: types, targets, tasks, errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import depthlab as dl
from depthlab.errors import ConfigError, DataError, UnknownNameError

HOUSES = """size,rooms,city,price
50.5,2,Paris,300.5
72.0,3,Lyon,250.25
,4,Paris,410.0
31.2,1,Nice,120.75
88.8,5,?,505.5
45.0,2,Lyon,199.9
"""


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def frame(n: int = 30) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {
            "width": rng.normal(size=n),
            "colour": rng.choice(["red", "green", "blue"], size=n),
            "count": rng.integers(0, 9, size=n),
            "label": np.array(["cat", "dog"] * (n // 2)),
        }
    )


def test_csv_numeric_categorical_and_missing_values(tmp_path: Path) -> None:
    ds = dl.load_dataset(write(tmp_path / "houses.csv", HOUSES), target="price")
    assert ds.modality == "tabular" and ds.task == "regression"
    assert ds.feature_names == ("size", "rooms", "city")
    assert ds.inputs["size"].dtype == np.float64
    assert ds.inputs["rooms"].dtype == np.int64  # numbers stay as read
    assert isinstance(ds.inputs["city"].dtype, pd.CategoricalDtype)
    assert set(ds.inputs["city"].cat.categories) == {"Paris", "Lyon", "Nice"}
    assert np.isnan(ds.inputs["size"][2]) and ds.inputs["size"].isna().sum() == 1
    assert pd.isna(ds.inputs["city"][4])  # '?' means missing
    assert ds.targets.dtype == np.float64
    assert np.allclose(ds.targets, [300.5, 250.25, 410.0, 120.75, 505.5, 199.9])
    assert ds.class_names == ()


@pytest.mark.parametrize("suffix", [".csv", ".tsv", ".parquet"])
def test_formats_agree(tmp_path: Path, suffix: str) -> None:
    data = frame()
    path = tmp_path / f"pets{suffix}"
    if suffix == ".parquet":
        data.to_parquet(path)
    else:
        data.to_csv(path, sep="\t" if suffix == ".tsv" else ",", index=False)
    ds = dl.load_dataset(path)  # the target is found by its name 'label'
    assert ds.task == "classification" and ds.class_names == ("cat", "dog")
    assert ds.feature_names == ("width", "colour", "count")
    assert np.array_equal(ds.targets, [0, 1] * 15)
    assert np.allclose(ds.inputs["width"], data["width"])
    assert isinstance(ds.inputs["colour"].dtype, pd.CategoricalDtype)
    assert ds.inputs["colour"].astype(str).tolist() == data["colour"].tolist()
    assert ds.inputs["count"].dtype.kind in "if"  # int in CSV and Parquet, as written


def test_target_called_target_is_found(tmp_path: Path) -> None:
    path = write(tmp_path / "t.csv", "a,b,target\n1,2,0\n3,4,1\n5,6,0\n7,8,1\n")
    ds = dl.load_dataset(path)
    assert ds.feature_names == ("a", "b") and ds.targets.tolist() == [0, 1, 0, 1]


@pytest.mark.parametrize(
    ("values", "task", "names"),
    [
        ([0, 1, 2, 1, 0, 2], "classification", ("0", "1", "2")),
        ([1, 2, 10, 2, 1, 10], "classification", ("1", "2", "10")),
        ([0.5, 1.25, 2.0, 3.5, 0.1, 9.9], "regression", ()),
        (list(range(0, 60, 2)), "regression", ()),  # many distinct integers: a quantity
        (["no", "yes", "no", "yes", "no", "yes"], "classification", ("no", "yes")),
    ],
)
def test_task_inference(tmp_path: Path, values: list[object], task: str, names: tuple) -> None:
    data = pd.DataFrame({"x": np.arange(len(values), dtype=float), "y": values})
    data.to_csv(tmp_path / "d.csv", index=False)
    ds = dl.load_dataset(tmp_path / "d.csv", target="y")
    assert ds.task == task and ds.class_names == names
    if task == "classification":
        assert [names[i] for i in ds.targets] == [str(v) for v in values]


def test_task_override(tmp_path: Path) -> None:
    path = write(tmp_path / "grades.csv", "hours,grade\n1,1\n2,2\n3,2\n4,3\n5,3\n")
    assert dl.load_dataset(path, target="grade").task == "classification"
    ds = dl.load_dataset(path, target="grade", task="regression")
    assert ds.task == "regression" and ds.targets.tolist() == [1.0, 2.0, 2.0, 3.0, 3.0]


def test_categorical_option(tmp_path: Path) -> None:
    path = write(tmp_path / "z.csv", "zip,area,label\n75001,1.5,a\n69002,2.5,b\n75001,3.5,a\n")
    plain = dl.load_dataset(path)
    assert plain.inputs["zip"].dtype == np.int64
    ds = dl.load_dataset(path, categorical=["zip"])
    assert isinstance(ds.inputs["zip"].dtype, pd.CategoricalDtype)
    assert ds.inputs["zip"].nunique() == 2 and ds.inputs["area"].dtype == np.float64
    with pytest.raises(DataError, match="postcode"):
        dl.load_dataset(path, categorical=["postcode"])


def test_text_table_is_detected(tmp_path: Path) -> None:
    reviews = pd.DataFrame(
        {
            "review": ["a truly great film", "dull and far too long", "loved every minute"] * 2,
            "label": ["pos", "neg", "pos"] * 2,
        }
    )
    reviews.to_csv(tmp_path / "reviews.csv", index=False)
    ds = dl.load_dataset(tmp_path / "reviews.csv")
    assert ds.modality == "text" and ds.inputs == reviews["review"].tolist()
    assert ds.class_names == ("neg", "pos") and ds.targets.tolist() == [1, 0, 1] * 2


def test_text_column_option(tmp_path: Path) -> None:
    table = pd.DataFrame(
        {
            "id": [1, 2, 3, 4],
            "body": ["good product works well", "broke after a day", "fine", "awful awful awful"],
            "stars": ["5", "1", "4", "1"],
        }
    )
    table.to_csv(tmp_path / "shop.csv", index=False)
    tabular = dl.load_dataset(tmp_path / "shop.csv", target="stars")
    assert tabular.modality == "tabular"  # three columns: not guessed as text
    ds = dl.load_dataset(tmp_path / "shop.csv", target="stars", text_column="body")
    assert ds.modality == "text" and ds.inputs == table["body"].tolist()
    assert ds.class_names == ("1", "4", "5")
    with pytest.raises(DataError, match="no text column 'text'"):
        dl.load_dataset(tmp_path / "shop.csv", target="stars", text_column="text")


def test_missing_target_column_lists_the_columns(tmp_path: Path) -> None:
    path = write(tmp_path / "houses.csv", HOUSES)
    with pytest.raises(DataError, match=r"no target column 'cost'.*'size', 'rooms', 'city'"):
        dl.load_dataset(path, target="cost")
    with pytest.raises(DataError, match=r"name the target column.*'price'"):
        dl.load_dataset(path)


def test_word_in_numeric_column_names_line_and_column(tmp_path: Path) -> None:
    rows = [f"{i}.5,{i % 2}" for i in range(9)]
    rows.insert(6, "n/a-ish,1")
    path = write(tmp_path / "bad.csv", "weight,label\n" + "\n".join(rows) + "\n")
    with pytest.raises(DataError, match=r"line 8, column 'weight': 'n/a-ish' is not a number"):
        dl.load_dataset(path)


def test_missing_target_value_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path / "gap.csv", "x,label\n1,a\n2,b\n3,\n4,a\n")
    with pytest.raises(DataError, match=r"line 4: the target 'label' is missing \(1 row\)"):
        dl.load_dataset(path)
    data = pd.DataFrame({"x": [1.0, 2.0, 3.0], "y": [1.5, np.nan, 2.5]})
    data.to_parquet(tmp_path / "gap.parquet")
    with pytest.raises(DataError, match="row 2: the target 'y' is missing"):
        dl.load_dataset(tmp_path / "gap.parquet", target="y")


def test_empty_and_header_only_files(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="empty"):
        dl.load_dataset(write(tmp_path / "empty.csv", ""))
    with pytest.raises(DataError, match="header but no data rows"):
        dl.load_dataset(write(tmp_path / "header.csv", "a,b,label\n"))


def test_invalid_utf8_is_a_data_error(tmp_path: Path) -> None:
    (tmp_path / "latin.csv").write_bytes(b"x,label\n1,yes\n2,caf\xe9\n3,no\n")
    with pytest.raises(DataError, match="line 3 is not valid UTF-8"):
        dl.load_dataset(tmp_path / "latin.csv")
    (tmp_path / "head.csv").write_bytes(b"caf\xe9,label\n1,yes\n2,no\n")
    with pytest.raises(DataError, match="line 1 is not valid UTF-8"):
        dl.load_dataset(tmp_path / "head.csv")


def test_single_class_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path / "one.csv", "x,label\n1,spam\n2,spam\n3,spam\n")
    with pytest.raises(DataError, match="single class \\('spam'\\)"):
        dl.load_dataset(path)


def test_table_without_features(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="no feature columns"):
        dl.load_dataset(write(tmp_path / "only.csv", "label\na\nb\n"))


def test_unknown_option_lists_valid_options(tmp_path: Path) -> None:
    path = write(tmp_path / "houses.csv", HOUSES)
    with pytest.raises(ConfigError, match=r"unknown option 'targt'.*Did you mean 'target'") as err:
        dl.load_dataset(path, targt="price")
    assert "Valid options: target, text_column, task, categorical" in str(err.value)


@pytest.mark.parametrize("option", [{"resize": (8, 8)}, {"grayscale": True}, {"sample_rate": 8000}])
def test_option_not_for_tables(tmp_path: Path, option: dict[str, object]) -> None:
    path = write(tmp_path / "houses.csv", HOUSES)
    with pytest.raises(ConfigError, match=r"do not apply to a table \(valid: categorical"):
        dl.load_dataset(path, target="price", **option)


def test_bad_option_value(tmp_path: Path) -> None:
    path = write(tmp_path / "houses.csv", HOUSES)
    with pytest.raises(ConfigError, match="invalid value for 'task'"):
        dl.load_dataset(path, target="price", task="clustering")


def test_builtin_with_options_is_an_error() -> None:
    with pytest.raises(ConfigError, match="built-in dataset 'iris'"):
        dl.load_dataset("iris", target="species")


def test_unknown_builtin_suggests_the_closest() -> None:
    with pytest.raises(UnknownNameError, match=r"unknown dataset 'mnist-1d'.*'mnist1d'") as err:
        dl.load_dataset("mnist-1d")
    assert isinstance(err.value, DataError)
    with pytest.raises(DataError, match="Did you mean 'iris'"):
        dl.load_dataset("irsi")


def test_nonexistent_path(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="no such file or folder"):
        dl.load_dataset(tmp_path / "nope.csv")
    with pytest.raises(DataError, match="no such file or folder"):
        dl.load_dataset("./missing")


def test_unsupported_file_type(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"unsupported file type '\.xlsx'"):
        dl.load_dataset(write(tmp_path / "sheet.xlsx", "x"))
