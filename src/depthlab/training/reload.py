"""The examples a run folder was trained and tested on, loaded again from what run.json records
(source, options, feature pipeline, split), with a check that they did not change: evaluation,
explanation and the report's pictures score the very test part training held out."""

from __future__ import annotations

from pathlib import Path

from depthlab.data.dataset import Dataset
from depthlab.data.load import load_dataset
from depthlab.data.splits import Split, recorded_split
from depthlab.errors import ConfigError, DataError
from depthlab.training.preprocess import examples_for
from depthlab.training.run import Run


def run_data(
    run: Run,
    data: Dataset | None = None,
    *,
    data_dir: Path | None = None,
    cache_dir: Path | None = None,
    in_python: str = "pass the Dataset again",
) -> tuple[Dataset, Split]:
    """The examples *run* sees (forecasting windows for a series, features for text...) and its
    split, made again exactly as in training; a changed split fingerprint is a DataError.
    *data* stands in for a run trained on a Dataset object in Python; without it, such a run
    is a ConfigError ending with *in_python* (what to do instead)."""
    record = run.record
    recorded = record.dump()["split"]
    where = run.path or "this run"
    if data is None:
        data = load_source(run, data_dir, cache_dir, in_python)
    ds = examples_for(data, record.family, record.features)
    split = recorded_split(ds, recorded)
    if split.fingerprint() != recorded["fingerprint"]:
        sizes = {k: recorded[k] for k in ("train", "val", "test")}
        raise DataError(
            f"the data of {where} changed since training: {record.data.name} now splits "
            f"into {split.sizes()} (fingerprint {split.fingerprint()}), the run recorded "
            f"{sizes} (fingerprint {recorded['fingerprint']}); restore the data or train again"
        )
    return ds, split


def load_source(run: Run, data_dir: Path | None, cache_dir: Path | None, in_python: str) -> Dataset:
    """The data *run* was trained on, loaded again from the source and options run.json
    records; a run trained on a Dataset object in Python is a ConfigError ending with
    *in_python*."""
    source = run.record.data
    if source.source is None:
        where = run.path or "this run"
        raise ConfigError(
            f"{where} was trained on a Dataset object in Python, not on a name or path; "
            + in_python
        )
    return load_dataset(source.source, data_dir=data_dir, cache_dir=cache_dir, **source.options)
