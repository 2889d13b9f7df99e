"""``load_dataset``: one entry point for built-in names and the user's files and folders."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from depthlab.config import DataConfig
from depthlab.config_io import parse_config
from depthlab.data import interactions, tabular, text
from depthlab.data.arrays import load_npz
from depthlab.data.audio import load_audio_folder
from depthlab.data.dataset import Dataset
from depthlab.data.datasets import get_spec, is_builtin, load_builtin
from depthlab.data.download import Fetcher
from depthlab.data.image import load_image_folder
from depthlab.data.text import load_text_file
from depthlab.data.timeseries import series_dataset
from depthlab.errors import ConfigError, DataError

# Which DataConfig options each kind of source understands.
OPTIONS = {
    "table": {"target", "task", "categorical", "text_column", "time_column"},
    "text file": set(),
    "NumPy file": {"task"},
    "image folder": {"resize", "grayscale"},
    "audio folder": {"label_pattern", "sample_rate"},
}
TABLE_SUFFIXES = {".csv", ".tsv", ".tab", ".parquet", ".pq"}


def load_dataset(
    source: str | Path,
    *,
    data_dir: str | Path | None = None,
    cache_dir: str | Path | None = None,
    **options: Any,
) -> Dataset:
    """Load a built-in dataset by name, or the user's file or folder by path.

    *options* are those of :class:`depthlab.config.DataConfig` (``target``, ``resize``, ...).
    ``data_dir`` is a mirror folder read before any download; ``cache_dir`` holds downloads.

    Example:
        >>> import depthlab as dl
        >>> dl.load_dataset("digits").inputs.shape
        (1797, 1, 8, 8)
    """
    config = parse_config(DataConfig, {k: v for k, v in options.items() if v is not None})
    name = str(source)
    if is_builtin(name) and not Path(name).exists():
        if config.model_fields_set:
            raise ConfigError(
                f"options {sorted(config.model_fields_set)} apply to your own files, "
                f"not to the built-in dataset '{name}'"
            )
        return load_builtin(name, Fetcher(data_dir, cache_dir))
    path = Path(name).expanduser()
    if not path.exists():
        if looks_like_path(name):
            raise DataError(f"no such file or folder: {name}")
        get_spec(name)  # raises the unknown-name error with the closest built-in
    return load_path(path, config)


def looks_like_path(name: str) -> bool:
    return "/" in name or "\\" in name or name.startswith((".", "~")) or bool(Path(name).suffix)


def source_kind(path: Path) -> str:
    if path.is_dir():
        suffixes = {p.suffix.lower() for p in path.rglob("*") if p.is_file()}
        if ".wav" in suffixes:
            return "audio folder"
        if suffixes & {".png", ".jpg", ".jpeg"}:
            return "image folder"
        raise DataError(f"{path}: a folder must hold images (PNG/JPEG) or WAV files")
    suffix = path.suffix.lower()
    if suffix in TABLE_SUFFIXES:
        return "table"
    if suffix == ".txt":
        return "text file"
    if suffix == ".npz":
        return "NumPy file"
    raise DataError(
        f"{path}: unsupported file type '{suffix}'; use CSV/TSV/Parquet, .txt, .npz, "
        "or a folder of images or WAV files"
    )


def load_path(path: Path, config: DataConfig) -> Dataset:
    kind = source_kind(path)
    unused = sorted(config.model_fields_set - OPTIONS[kind])
    if unused:
        valid = ", ".join(sorted(OPTIONS[kind])) or "none"
        raise ConfigError(f"option(s) {unused} do not apply to a {kind} (valid: {valid})")
    if kind == "table":
        return _load_table(path, config)
    if kind == "text file":
        return load_text_file(path, config)
    if kind == "NumPy file":
        return load_npz(path, config)
    if kind == "image folder":
        return load_image_folder(path, config)

    return load_audio_folder(path, config)


def _load_table(path: Path, config: DataConfig) -> Dataset:

    frame = tabular.read_table(path)
    if config.time_column and config.task != "forecasting":
        raise ConfigError(
            f"{path}: a time column is for series; add --task forecasting to forecast a column"
        )
    if config.task == "forecasting":  # a time column and value columns: a series
        return series_dataset(frame, config, path)
    rated = interactions.interaction_columns(frame, config.target, path)
    if rated is not None:  # user, item and rating columns: a recommendation problem
        return interactions.interaction_dataset(frame, rated, config, path)
    target = tabular.pick_target(frame, config.target, path)
    if config.text_column or text.is_text_table(frame, target):
        return text.text_table_dataset(frame, config, path)
    return tabular.table_dataset(frame, config, path)
