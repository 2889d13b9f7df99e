"""Tables: scikit-learn's bundled sets and the user's CSV / Parquet files.

A table's inputs stay a pandas DataFrame: numeric columns as int64 or float64 (missing values
as NaN) and categorical columns as the ``category`` dtype, so that models choose their own
encoding.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from depthlab.config import DataConfig
from depthlab.data.dataset import Dataset, DatasetInfo, Task, check_targets, encode_labels
from depthlab.data.download import Fetcher
from depthlab.errors import DataError

if TYPE_CHECKING:
    import pandas as pd

TARGET_NAMES = ("target", "label", "y", "class")
NA_VALUES = ["?"]  # in addition to pandas' defaults ("", "NA", "NaN", "null", ...)
NUMERIC_SHARE = 0.8  # a column this much numeric is numeric with stray values, not categorical
MAX_CLASSES = 20  # an integer target with more distinct values is treated as regression
SUFFIXES = {".csv": ",", ".tsv": "\t", ".tab": "\t", ".parquet": None, ".pq": None}

UCI = "UCI Machine Learning Repository"


def read_table(path: Path) -> pd.DataFrame:
    """Read a CSV/TSV (pandas' C parser) or Parquet file.

    The C parser is used rather than pyarrow's: on a 2-core machine it reads a million-row table
    in two thirds of pyarrow's time (bench/README.md).
    """
    import pandas as pd

    if path.stat().st_size == 0:
        raise DataError(f"{path} is empty")
    separator = SUFFIXES[path.suffix.lower()]
    try:
        if separator is None:
            frame = pd.read_parquet(path)
        else:
            frame = pd.read_csv(path, sep=separator, na_values=NA_VALUES)
    except UnicodeDecodeError:
        raise DataError(
            f"{path}: line {_first_non_utf8_line(path)} is not valid UTF-8; save the file as UTF-8"
        ) from None
    except (ValueError, OSError) as exc:  # pandas' and pyarrow's errors derive from these
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DataError(f"cannot read {path}: {first_line}") from None
    if frame.empty:
        raise DataError(f"{path} has a header but no data rows")
    frame.columns = [str(c) for c in frame.columns]
    return frame


def _first_non_utf8_line(path: Path) -> int:
    """The 1-based number of the first line that is not UTF-8 (only called on that error)."""
    with path.open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError:
                return number
    return 0


def row_label(path: Path, row: int) -> str:
    """How to point at data row *row* (0-based): a file line for text formats."""
    # Parquet and .npz have rows, not lines
    return f"row {row + 1}" if SUFFIXES.get(path.suffix.lower()) is None else f"line {row + 2}"


def pick_target(frame: pd.DataFrame, target: str | None, path: Path) -> str:
    columns = list(frame.columns)
    if target is None:
        guesses = [c for c in columns if c.lower() in TARGET_NAMES]
        if len(guesses) == 1:
            return guesses[0]
        raise DataError(f"{path}: name the target column with --target; columns: {columns}")
    if target not in columns:
        raise DataError(f"{path}: no target column '{target}'; columns: {columns}")
    return target


def coerce_features(frame: pd.DataFrame, categorical: tuple[str, ...], path: Path) -> pd.DataFrame:
    """Numeric columns as numbers, the rest as categories; a stray word in a numeric column is an
    error naming its row and column."""
    import pandas as pd

    unknown = sorted(set(categorical) - set(frame.columns))
    if unknown:
        raise DataError(f"{path}: categorical columns {unknown} are not in the table")
    out: dict[str, Any] = {}
    for name in frame.columns:
        column = frame[name]
        if name in categorical or column.dtype.kind == "b":
            out[name] = column.astype("category")
        elif column.dtype.kind in "iuf":
            out[name] = column  # numbers stay as read: int64 or float64 (NaN where missing)
        else:
            out[name] = _numeric_or_categorical(column, path)
    # copy=False: the columns are already new or copy-on-write views; a copy would double the
    # table in memory for a while and cost a third of a second per million rows.
    return pd.DataFrame(out, index=frame.index, copy=False)


def _numeric_or_categorical(column: pd.Series, path: Path) -> pd.Series:
    import pandas as pd

    # Parse each distinct value once, not every row: a categorical column has a handful of
    # levels, and pd.to_numeric over a million strings takes most of a second. Large temporary
    # arrays are avoided too, since fresh memory is what costs most after a big read.
    codes, uniques = pd.factorize(column, sort=True)
    parsed = pd.to_numeric(pd.Series(uniques, dtype=column.dtype), errors="coerce")
    levels = parsed.to_numpy(dtype=np.float64, na_value=np.nan)
    numeric_level = ~np.isnan(levels)
    if numeric_level.all():
        values = np.append(levels, np.nan)[codes]  # code -1 (a missing value) picks the NaN
        return pd.Series(values, index=column.index, name=column.name)
    if numeric_level.any():
        counts = np.bincount(codes[codes >= 0], minlength=len(levels))
        if counts[numeric_level].sum() >= NUMERIC_SHARE * counts.sum():
            row = int(np.flatnonzero(np.isin(codes, np.flatnonzero(~numeric_level)))[0])
            raise DataError(
                f"{path}: {row_label(path, row)}, column '{column.name}': "
                f"'{column.iloc[row]}' is not a number (the column is otherwise numeric)"
            )
    # The same as column.astype("category") (sorted levels), without factorizing again.
    categories = pd.CategoricalDtype(pd.Index(uniques))
    return pd.Series(
        pd.Categorical.from_codes(codes, dtype=categories), index=column.index, name=column.name
    )


def infer_task(target: pd.Series) -> Task:
    if target.dtype.kind not in "iuf":
        return "classification"
    if target.dtype.kind == "f":
        values = target.to_numpy()
        present = values[~np.isnan(values)]
        if not np.all(present == np.round(present)):
            return "regression"
    return "classification" if _distinct_at_most(target, MAX_CLASSES) else "regression"


def _distinct_at_most(column: pd.Series, limit: int) -> bool:
    """Whether *column* has at most *limit* distinct values, counting rather than hashing when
    its values are small integers (a million labels in a millisecond)."""
    values = column.dropna().to_numpy()
    if values.dtype.kind in "iu" and len(values):
        low, high = int(values.min()), int(values.max())
        if high - low <= len(values):
            return int(np.count_nonzero(np.bincount(values - low))) <= limit
    return int(column.nunique()) <= limit


def split_target(
    frame: pd.DataFrame, target: str, task: Task | None, path: Path
) -> tuple[np.ndarray, tuple[str, ...], Task]:
    """Targets, class names and task of a table's target column; a missing target is an error."""
    column = frame[target]
    missing = np.flatnonzero(column.isna().to_numpy())
    if len(missing):
        raise DataError(
            f"{path}: {row_label(path, int(missing[0]))}: the target '{target}' is missing "
            f"({len(missing)} row{'s' if len(missing) > 1 else ''}); drop or fill those rows"
        )
    task = task or infer_task(column)
    if task == "classification":
        targets, names = encode_labels(column.to_numpy())
        return targets, names, task
    try:
        return column.to_numpy(dtype=np.float64), (), task
    except (TypeError, ValueError):
        raise DataError(f"{path}: regression needs a numeric target; '{target}' is not") from None


def table_dataset(frame: pd.DataFrame, config: DataConfig, path: Path) -> Dataset:
    """A table with a target column (by name, or the one called target/label/y/class)."""
    target = pick_target(frame, config.target, path)
    targets, class_names, task = split_target(frame, target, config.task, path)
    features = coerce_features(frame.drop(columns=[target]), config.categorical, path)
    if features.shape[1] == 0:
        raise DataError(f"{path}: the table has no feature columns besides '{target}'")
    return check_targets(
        Dataset(
            name=path.name,
            modality="tabular",
            task=task,
            inputs=features,
            targets=targets,
            class_names=class_names,
            feature_names=tuple(features.columns),
            info=DatasetInfo(description=f"table {path.name}", source=str(path)),
        )
    )


def _sklearn_table(name: str, loader_name: str, task: Task, info: DatasetInfo) -> Dataset:
    import sklearn.datasets

    bunch = getattr(sklearn.datasets, loader_name)(as_frame=True)
    frame: pd.DataFrame = bunch.data.astype(np.float64)
    target = bunch.target.to_numpy()
    names: tuple[str, ...] = ()
    if task == "classification":
        target = target.astype(np.int64)
        names = tuple(str(n) for n in bunch.target_names)
    else:
        target = target.astype(np.float64)
    return Dataset(
        name=name,
        modality="tabular",
        task=task,
        inputs=frame,
        targets=target,
        class_names=names,
        feature_names=tuple(frame.columns),
        info=info,
    )


def load_iris(fetcher: Fetcher) -> Dataset:
    info = DatasetInfo(
        "Fisher's iris: 4 measurements of 150 flowers, 3 species",
        f"{UCI}, dataset 53 (bundled with scikit-learn)",
        "CC BY 4.0",
        "Fisher, 1936",
    )
    return _sklearn_table("iris", "load_iris", "classification", info)


def load_wine(fetcher: Fetcher) -> Dataset:
    info = DatasetInfo(
        "Chemical analysis of 178 wines from 3 cultivars, 13 features",
        f"{UCI}, dataset 109 (bundled with scikit-learn)",
        "CC BY 4.0",
        "Aeberhard & Forina, 1991",
    )
    return _sklearn_table("wine", "load_wine", "classification", info)


def load_breast_cancer(fetcher: Fetcher) -> Dataset:
    info = DatasetInfo(
        "Breast Cancer Wisconsin (Diagnostic): 30 nucleus features, malignant or benign",
        f"{UCI}, dataset 17 (bundled with scikit-learn)",
        "CC BY 4.0",
        "Wolberg, Street & Mangasarian, 1995",
    )
    return _sklearn_table("breast-cancer", "load_breast_cancer", "classification", info)


def load_diabetes(fetcher: Fetcher) -> Dataset:
    info = DatasetInfo(
        "Diabetes progression one year after baseline from 10 standardised features, 442 patients",
        "https://www4.stat.ncsu.edu/~boos/var.select/diabetes.html (bundled with scikit-learn)",
        "BSD-3-Clause (as distributed by scikit-learn)",
        "Efron, Hastie, Johnstone & Tibshirani, Least Angle Regression, 2004",
    )
    return _sklearn_table("diabetes", "load_diabetes", "regression", info)
