"""Array pipelines: standardised images and sequences, and raw audio waveforms.

``image`` / ``sequence``: per-channel standardisation fitted on the training examples,
``(N, C, H, W)`` / ``(N, C, L)``. ``waveform``: audio cropped or zero-padded to the 95th
percentile of training lengths (or ``seconds``), scaled by the training standard deviation,
``(N, 1, L)``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from depthlab.errors import DataError
from depthlab.features.registry import Features, Stats, register_features
from depthlab.features.spec import InputSpec

if TYPE_CHECKING:
    from depthlab.config import FeatureConfig
    from depthlab.data.dataset import Dataset

EPS = 1e-8


def fit_standard(part: Dataset, options: FeatureConfig) -> Stats:
    axes = (0, *range(2, part.inputs.ndim))  # every axis but the channels
    return {
        "mean": part.inputs.mean(axis=axes).tolist(),
        "std": (part.inputs.std(axis=axes) + EPS).tolist(),
        "shape": list(part.inputs.shape[1:]),
    }


def transform_standard(inputs: Any, stats: Stats) -> np.ndarray:
    array = np.asarray(inputs, dtype=np.float32)
    expected = tuple(stats["shape"])
    if array.shape[1:] != expected:
        raise DataError(
            f"inputs have shape {array.shape[1:]} per example; the model expects {expected}"
        )
    view = (1, -1) + (1,) * (array.ndim - 2)
    mean = np.asarray(stats["mean"], dtype=np.float32).reshape(view)
    std = np.asarray(stats["std"], dtype=np.float32).reshape(view)
    return (array - mean) / std


def standard_spec(stats: Stats, n_outputs: int, task: str) -> InputSpec:
    shape = tuple(int(s) for s in stats["shape"])
    return InputSpec("image" if len(shape) == 3 else "sequence", shape, n_outputs, task)


def clip_length(lengths: np.ndarray, rate: int | None, options: FeatureConfig) -> int:
    """Samples kept per clip: ``options.seconds`` at *rate*, else the 95th percentile of the
    training lengths (longer clips are cropped, shorter ones zero-padded)."""
    if options.seconds is not None and rate:
        return max(1, round(options.seconds * rate))
    return max(1, int(np.percentile(lengths, 95)))


def fit_waveform(part: Dataset, options: FeatureConfig) -> Stats:
    lengths = np.array([len(w) for w in part.inputs])
    stats: Stats = {
        "length": clip_length(lengths, part.sample_rate, options),
        "scale": float(np.std(np.concatenate(part.inputs)) + EPS),
    }
    if part.sample_rate is not None:
        stats["sample_rate"] = int(part.sample_rate)
    return stats


def fixed_length(wave: Any, length: int) -> np.ndarray:
    """*wave* cropped or zero-padded at the end to *length* samples."""
    out = np.zeros(length, dtype=np.float32)
    clip = np.asarray(wave, dtype=np.float32)[:length]
    out[: len(clip)] = clip
    return out


def transform_waveform(waves: Any, stats: Stats) -> np.ndarray:
    length = int(stats["length"])
    out = np.zeros((len(waves), 1, length), dtype=np.float32)
    for i, wave in enumerate(waves):
        out[i, 0] = fixed_length(wave, length) / stats["scale"]
    return out


def waveform_spec(stats: Stats, n_outputs: int, task: str) -> InputSpec:
    return InputSpec("sequence", (1, int(stats["length"])), n_outputs, task)


register_features(
    Features(
        "image",
        ("image",),
        "image",
        fit_standard,
        transform_standard,
        standard_spec,
        "pixels standardised per channel, (C, H, W)",
    ),
    defaults={"image": {"*": "image"}},
)
register_features(
    Features(
        "sequence",
        ("sequence",),
        "sequence",
        fit_standard,
        transform_standard,
        standard_spec,
        "steps standardised per channel, (C, L)",
    ),
    defaults={"sequence": {"*": "sequence"}},
)
register_features(
    Features(
        "waveform",
        ("audio",),
        "sequence",
        fit_waveform,
        transform_waveform,
        waveform_spec,
        "raw waveform cropped or padded to a fixed length, (1, samples)",
    ),
    # Not a default: audio models get log-mel or MFCC features (features/audio.py).
)
