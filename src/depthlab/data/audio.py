"""Audio: mono float32 waveforms (lengths differ), the Free Spoken Digit Dataset and WAV folders."""

from __future__ import annotations

import logging
import re
from collections import Counter
from pathlib import Path

import numpy as np

from depthlab.config import DataConfig
from depthlab.data.dataset import Dataset, DatasetInfo, check_targets, encode_labels
from depthlab.data.download import Fetcher, RemoteArchive
from depthlab.data.image import class_folders
from depthlab.errors import DataError, require
from depthlab.progress import track

log = logging.getLogger(__name__)

FSDD_RATE = 8000
FSDD_TEST_TAKES = 5
FSDD_NAME = re.compile(r"(?P<label>\d)_(?P<group>[A-Za-z]+)_(?P<take>\d+)\.wav")


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    """A WAV file as a mono float32 waveform (channels averaged) and its sample rate."""
    require("soundfile", "audio")
    import soundfile

    try:
        data, rate = soundfile.read(path, dtype="float32", always_2d=True)
    except (RuntimeError, OSError, ValueError) as exc:
        raise DataError(f"cannot read WAV file {path}: {exc}") from None
    if data.shape[0] == 0:
        raise DataError(f"WAV file {path} has no samples")
    return data.mean(axis=1), int(rate)


def resample(wave: np.ndarray, rate: int, target: int) -> np.ndarray:
    from math import gcd

    from scipy.signal import resample_poly

    step = gcd(rate, target)
    return np.asarray(resample_poly(wave, target // step, rate // step), dtype=np.float32)


def read_waves(paths: list[Path], sample_rate: int | None) -> tuple[list[np.ndarray], int]:
    """Read every file; files at another rate than the target (default: the most common) are
    resampled, with a notice."""
    read = [read_wav(p) for p in track(paths, len(paths), "reading audio")]
    rates = Counter(rate for _, rate in read)
    target = sample_rate or rates.most_common(1)[0][0]
    others = sum(n for rate, n in rates.items() if rate != target)
    if others:
        log.warning("resampling %d of %d files to %d Hz", others, len(paths), target)
    waves = [w if r == target else resample(w, r, target) for w, r in read]
    return waves, target


def load_fsdd(fetcher: Fetcher) -> Dataset:
    archive = RemoteArchive.from_manifest("fsdd")
    folder = fetcher.fetch(archive)
    paths = sorted(folder / rel for rel in archive.files)
    matches = [FSDD_NAME.fullmatch(p.name) for p in paths]
    waves, rate = read_waves(paths, FSDD_RATE)
    takes = np.array([int(m["take"]) for m in matches if m])
    return Dataset(
        name="fsdd",
        modality="audio",
        task="classification",
        inputs=waves,
        targets=np.array([int(m["label"]) for m in matches if m], dtype=np.int64),
        class_names=tuple(str(d) for d in range(10)),
        groups=np.array([m["group"] for m in matches if m]),
        sample_ids=tuple(p.name for p in paths),
        sample_rate=rate,
        # The dataset's own split (its README): recordings 0-4 of each speaker and digit.
        test_indices=np.flatnonzero(takes < FSDD_TEST_TAKES),
        info=DatasetInfo(
            "Free Spoken Digit Dataset: English digits 0-9 spoken by 5 speakers, 50 takes each, "
            "8 kHz mono, trimmed; group = speaker; official test set (--split official): "
            "takes 0-4",
            "https://github.com/Jakobovski/free-spoken-digit-dataset (tag v1.0.10)",
            "CC BY-SA 4.0",
            "Jackson et al., Free Spoken Digit Dataset, Zenodo, doi:10.5281/zenodo.1342401",
        ),
    )


def load_audio_folder(root: Path, config: DataConfig) -> Dataset:
    """WAV files labelled by subfolder, or by a regex on the file name with ``label`` and optional
    ``group`` named groups (for example ``(?P<label>\\d)_(?P<group>[a-z]+)_\\d+\\.wav``)."""
    groups: list[str] | None = None
    if config.label_pattern:
        paths, labels, groups = _match_pattern(root, config.label_pattern)
    else:
        classes = class_folders(root, (".wav",), "WAV")
        paths = [p for _, files in classes for p in files]
        labels = [name for name, files in classes for _ in files]
    waves, rate = read_waves(paths, config.sample_rate)
    targets, class_names = encode_labels(labels)
    return check_targets(
        Dataset(
            name=root.name,
            modality="audio",
            task="classification",
            inputs=waves,
            targets=targets,
            class_names=class_names,
            groups=None if groups is None else np.array(groups),
            sample_ids=tuple(str(p.relative_to(root)) for p in paths),
            sample_rate=rate,
            info=DatasetInfo(description=f"audio folder {root.name}", source=str(root)),
        )
    )


def _match_pattern(root: Path, pattern: str) -> tuple[list[Path], list[str], list[str] | None]:
    try:
        regex = re.compile(pattern)
    except re.error as exc:
        raise DataError(f"invalid --label-pattern '{pattern}': {exc}") from None
    if "label" not in regex.groupindex:
        raise DataError("--label-pattern needs a named group (?P<label>...)")
    paths = sorted(p for p in root.rglob("*") if p.suffix.lower() == ".wav")
    if not paths:
        raise DataError(f"{root}: no WAV files found")
    labels, groups = [], []
    for path in paths:
        match = regex.search(path.name)
        if match is None:
            raise DataError(f"file name {path.name} does not match --label-pattern '{pattern}'")
        labels.append(match["label"])
        groups.append(match["group"] if "group" in regex.groupindex else "")
    return paths, labels, groups if "group" in regex.groupindex else None
