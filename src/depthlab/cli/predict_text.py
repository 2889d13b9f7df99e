"""What ``depthlab predict`` reads for a text run: a text file or a table of texts.

A ``.txt`` file holds one text per line, or ``text<TAB>label`` on every line (then the metrics
are printed too); blank lines are skipped with a notice, a line that is not UTF-8 is an error
naming it, and each prediction's id is its line number. A CSV / Parquet table holds the texts in
the column the run was trained on (or its only column, or its only column besides the labels),
and the labels when it has the run's target column.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, cast

import numpy as np

from depthlab.cli.predict_input import Examples, target_column, to_run_classes
from depthlab.errors import DataError

if TYPE_CHECKING:
    import pandas as pd

    from depthlab.data.dataset import Task
    from depthlab.training.run import Run


def read_text_file(path: Path, run: Run) -> Examples:
    """One text per line, or ``text<TAB>label`` lines, as examples for *run*."""
    from depthlab.data.dataset import encode_labels
    from depthlab.data.text import read_texts

    texts, labels, numbers = read_texts(path)
    targets = None
    if labels is not None:
        if run.task == "classification":
            classes = run.class_names
            if not set(labels) <= set(classes) and all(
                label.isdigit() and int(label) < len(classes) for label in labels
            ):  # class indices, as the built-in sentiment files write them (0 = negative)
                labels = [classes[int(label)] for label in labels]
            codes, names = encode_labels(labels)
            targets = to_run_classes(codes, names, run, path.name)
        else:
            targets = _numbers(labels, numbers, path)
    return Examples(texts, "text", targets, tuple(str(n) for n in numbers))


def _numbers(labels: list[str], lines: list[int], path: Path) -> np.ndarray:
    values = []
    for label, line in zip(labels, lines, strict=True):
        try:
            values.append(float(label))
        except ValueError:
            raise DataError(f"{path}: line {line}: the label '{label}' is not a number") from None
    return np.asarray(values, dtype=np.float64)


def read_text_table(path: Path, run: Run) -> Examples:
    """A table's text column (and labels, when it has the run's target) as examples."""
    from depthlab.data import tabular

    frame = tabular.read_table(path)
    column = text_column(frame, run, path)
    texts = frame[column]
    missing = np.flatnonzero(texts.isna().to_numpy())
    if len(missing):
        where = tabular.row_label(path, int(missing[0]))
        raise DataError(f"{path}: {where}: the text is missing")
    target = target_column(frame.columns, [column], run)
    targets = None
    if target is not None:
        values, names, _ = tabular.split_target(frame, target, cast("Task", run.task), path)
        targets = to_run_classes(values, names, run, path.name) if names else values
    return Examples([str(t) for t in texts], "text", targets, ())


def text_column(frame: pd.DataFrame, run: Run, path: Path) -> str:
    """The column the run read its texts from, else the table's only column (besides labels)."""
    data = run.record.data
    trained = data.options.get("text_column") or next(iter(data.feature_names), None)
    if trained is not None and trained in frame.columns:
        return str(trained)
    target = target_column(frame.columns, [], run)
    others = [str(c) for c in frame.columns if c != target]
    if len(others) == 1:
        return others[0]
    read = f"the model read the column '{trained}'; " if trained else ""
    raise DataError(
        f"{path}: which column holds the texts? {read}give a table with that column "
        f"(columns now: {[str(c) for c in frame.columns]})"
    )
