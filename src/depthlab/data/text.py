"""Texts: the Sentiment Labelled Sentences and the user's text files and text tables."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from depthlab.config import DataConfig
from depthlab.data.dataset import Dataset, DatasetInfo, check_targets, encode_labels
from depthlab.data.download import Fetcher, RemoteArchive
from depthlab.data.tabular import pick_target, row_label, split_target
from depthlab.errors import DataError

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger(__name__)

SENTIMENT_NAMES = ("negative", "positive")


def text_lines(path: Path) -> list[tuple[int, str]]:
    """``(line number, line)`` of every non-blank line of *path*; blank lines are skipped with a
    notice, a line that is not UTF-8 is an error naming it."""
    lines = []
    skipped = 0
    for number, raw in enumerate(path.read_bytes().splitlines(), start=1):
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise DataError(f"{path}: line {number} is not valid UTF-8") from None
        if not line.strip():
            skipped += 1
            continue
        lines.append((number, line))
    if skipped:
        log.warning("%s: skipped %d blank lines", path, skipped)
    return lines


def _pair(line: str) -> tuple[str, str] | None:
    """``(text, label)`` of a ``text<TAB>label`` line (the label after the last tab), or None."""
    text, tab, label = line.rpartition("\t")
    if not tab or not label.strip() or not text.strip():
        return None
    return text.strip(), label.strip()


def read_labelled_lines(path: Path) -> list[tuple[str, str]]:
    """``text<TAB>label`` lines; blank lines are skipped, a line without a label is an error."""
    rows = []
    for number, line in text_lines(path):
        pair = _pair(line)
        if pair is None:
            raise DataError(f"{path}: line {number} has no 'text<TAB>label' pair")
        rows.append(pair)
    if not rows:
        raise DataError(f"{path} has no labelled lines")
    return rows


def read_texts(path: Path) -> tuple[list[str], list[str] | None, list[int]]:
    """Texts to predict: one text per line, or ``text<TAB>label`` on every line. Returns the
    texts, their labels (None without), and their line numbers.

    Example:
        >>> read_texts(Path("new_reviews.txt"))  # doctest: +SKIP
        (['Loved it', 'Broke in a week'], None, [1, 3])
    """
    lines = text_lines(path)
    if not lines:
        raise DataError(f"{path} has no texts")
    pairs = [_pair(line) for _, line in lines]
    if not any("\t" in line for _, line in lines):  # one text per line
        return [line.strip() for _, line in lines], None, [n for n, _ in lines]
    unlabelled = [n for (n, _), pair in zip(lines, pairs, strict=True) if pair is None]
    if unlabelled:
        labelled = [n for (n, _), pair in zip(lines, pairs, strict=True) if pair]
        other = f" but line {labelled[0]} has one" if labelled else ""
        raise DataError(
            f"{path}: line {unlabelled[0]} has no 'text<TAB>label' pair{other}; "
            "give every line a label, or none"
        )
    texts = [pair[0] for pair in pairs if pair]
    labels = [pair[1] for pair in pairs if pair]
    return texts, labels, [n for n, _ in lines]


def load_sentiment(fetcher: Fetcher) -> Dataset:
    archive = RemoteArchive.from_manifest("sentiment")
    folder = fetcher.fetch(archive)
    texts, labels, sources = [], [], []
    for rel in sorted(archive.files):
        source = rel.split("_")[0]  # amazon_cells_labelled.txt -> amazon
        for text, label in read_labelled_lines(folder / rel):
            texts.append(text)
            labels.append(int(label))
            sources.append(source)
    return Dataset(
        name="sentiment",
        modality="text",
        task="classification",
        inputs=texts,
        targets=np.array(labels, dtype=np.int64),
        class_names=SENTIMENT_NAMES,
        groups=np.array(sources),
        info=DatasetInfo(
            "Sentiment Labelled Sentences: product (Amazon) and movie (IMDb) review sentences "
            "labelled negative (0) or positive (1); group = source site",
            "https://archive.ics.uci.edu/dataset/331/sentiment+labelled+sentences",
            "CC BY 4.0",
            "Kotzias, Denil, de Freitas & Smyth, From Group to Individual Labels using Deep "
            "Features, KDD 2015",
        ),
    )


def load_text_file(path: Path, config: DataConfig) -> Dataset:
    rows = read_labelled_lines(path)
    targets, names = encode_labels([label for _, label in rows])
    return check_targets(
        Dataset(
            name=path.name,
            modality="text",
            task="classification",
            inputs=[text for text, _ in rows],
            targets=targets,
            class_names=names,
            info=DatasetInfo(description=f"text file {path.name}", source=str(path)),
        )
    )


def text_table_dataset(frame: pd.DataFrame, config: DataConfig, path: Path) -> Dataset:
    """A table with a text column and a label column."""
    target = pick_target(frame, config.target, path)
    text_column = config.text_column or _only_other_column(frame, target, path)
    if text_column not in frame.columns:
        raise DataError(f"{path}: no text column '{text_column}'; columns: {list(frame.columns)}")
    texts = frame[text_column]
    missing = np.flatnonzero(texts.isna().to_numpy())
    if len(missing):
        raise DataError(f"{path}: {row_label(path, int(missing[0]))}: the text is missing")
    targets, names, task = split_target(frame, target, config.task, path)
    return check_targets(
        Dataset(
            name=path.name,
            modality="text",
            task=task,
            inputs=[str(t) for t in texts],
            targets=targets,
            class_names=names,
            feature_names=(str(text_column),),  # predict reads new tables' texts from it
            info=DatasetInfo(description=f"text table {path.name}", source=str(path)),
        )
    )


def _only_other_column(frame: pd.DataFrame, target: str, path: Path) -> str:
    others = [c for c in frame.columns if c != target]
    if len(others) != 1:
        raise DataError(f"{path}: name the text column with --text-column; columns: {others}")
    return str(others[0])


def is_text_table(frame: pd.DataFrame, target: str | None) -> bool:
    """A table whose only feature is a string column of several words per row."""
    others = [c for c in frame.columns if c != target]
    if target is None or len(others) != 1 or frame[others[0]].dtype.kind in "biuf":
        return False
    words = frame[others[0]].dropna().astype(str).map(lambda text: len(text.split()))
    return bool(len(words)) and float(words.mean()) >= 3.0
