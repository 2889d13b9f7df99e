"""Request items as the raw inputs of the run's modality, checked before any model sees them.

One item per example, in its modality's form: a row of numbers or an object of named columns
(tables; ``null`` is a missing value), a nested array shaped as at training (sequences, images),
a string (text), base64 of a WAV file or an array of samples at the training rate (audio), base64
of an image file (images). NaN and infinity are refused everywhere.
"""

from __future__ import annotations

import base64
import binascii
import io
import math
from typing import Any

import numpy as np

from depthlab.data.audio import resample
from depthlab.data.image import _to_8bit
from depthlab.errors import DataError


class InputError(DataError):
    """A request item is not an example of the run's modality (HTTP 422)."""


FORMS = {
    "tabular": "a row of numbers in column order, or an object of named columns "
    "(numbers, category strings, null for missing)",
    "sequence": "a nested array of shape (channels, steps); (steps) when one channel",
    "image": "a nested array of shape (channels, height, width), or base64 of a PNG/JPEG file",
    "text": "a string",
    "audio": "base64 of a WAV file, or an array of samples at the training sample rate",
}


def form_of(modality: str) -> str:
    return FORMS.get(modality, "an array shaped like one training example")


def decode(items: list[Any], sidecar: dict[str, Any]) -> Any:
    """The batch of raw inputs the feature pipeline's ``transform`` takes."""
    modality = str(sidecar["modality"])
    if modality == "tabular":
        return _table(items, sidecar["stats"])
    if modality == "text":
        for i, item in enumerate(items):
            if not isinstance(item, str):
                raise InputError(f"inputs[{i}]: expected a string (a text), got {_kind(item)}")
        return list(items)
    if modality == "audio":
        return [_wave(i, item, sidecar["stats"]) for i, item in enumerate(items)]
    shape = tuple(int(s) for s in sidecar["stats"].get("shape", sidecar["input"]["shape"]))
    arrays = [_array(i, item, shape, modality) for i, item in enumerate(items)]
    return np.stack(arrays)


def _kind(item: Any) -> str:
    names = {str: "a string", list: "an array", dict: "an object", type(None): "null"}
    return names.get(type(item), type(item).__name__)


def _finite(i: int, array: np.ndarray) -> np.ndarray:
    if not np.isfinite(array).all():
        raise InputError(f"inputs[{i}] holds NaN or infinity; send finite numbers")
    return array


def _numbers(i: int, item: Any) -> np.ndarray:
    """A nested list of numbers (no booleans, no strings) as a float32 array."""
    if isinstance(item, bool | str | dict) or item is None:
        raise InputError(f"inputs[{i}]: expected an array of numbers, got {_kind(item)}")
    try:
        array = np.asarray(item, dtype=np.float64)
    except (ValueError, TypeError, OverflowError):
        raise InputError(
            f"inputs[{i}]: expected a rectangular array of numbers (no strings, null or ragged "
            "rows)"
        ) from None
    if np.abs(array[np.isfinite(array)]).max(initial=0.0) > np.finfo(np.float32).max:
        raise InputError(f"inputs[{i}] holds numbers too large for float32")
    return _finite(i, array).astype(np.float32)


def _array(i: int, item: Any, shape: tuple[int, ...], modality: str) -> np.ndarray:
    if isinstance(item, str) and modality == "image":
        return _image(i, item, shape)
    array = _numbers(i, item)
    if array.shape == shape[1:] and shape[0] == 1:  # one channel, given without its axis
        array = array[None]
    if array.shape != shape:
        raise InputError(f"inputs[{i}] has shape {array.shape}; the model expects {shape}")
    return array


def _bytes(i: int, text: str) -> bytes:
    if text.startswith("data:") and "," in text:  # a data URL: data:image/png;base64,....
        text = text.split(",", 1)[1]
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise InputError(f"inputs[{i}]: not valid base64") from None


def _image(i: int, text: str, shape: tuple[int, ...]) -> np.ndarray:
    """An image file, at the model's size and channels, scaled to 0..1 as ``depthlab predict``
    reads image folders."""
    from PIL import Image, UnidentifiedImageError

    channels, height, width = shape
    try:
        with Image.open(io.BytesIO(_bytes(i, text))) as opened:
            opened.load()
            image = _to_8bit(opened).convert("L" if channels == 1 else "RGB")
    except (OSError, UnidentifiedImageError, SyntaxError, ValueError) as exc:
        raise InputError(f"inputs[{i}]: not a readable image file: {exc}") from None
    if image.size != (width, height):
        image = image.resize((width, height), Image.Resampling.BILINEAR)
    array = np.asarray(image, dtype=np.float32) / 255.0
    return array[None] if array.ndim == 2 else array.transpose(2, 0, 1)


def _wave(i: int, item: Any, stats: dict[str, Any]) -> np.ndarray:
    rate = stats.get("sample_rate")
    if not isinstance(item, str):
        wave = _numbers(i, item)
        if wave.ndim != 1 or not len(wave):
            raise InputError(f"inputs[{i}]: expected base64 WAV or a flat array of samples")
        return wave
    import soundfile

    try:
        data, found = soundfile.read(io.BytesIO(_bytes(i, item)), dtype="float32", always_2d=True)
    except (RuntimeError, OSError, ValueError, TypeError) as exc:
        raise InputError(f"inputs[{i}]: not a readable WAV file: {exc}") from None
    if not data.shape[0]:
        raise InputError(f"inputs[{i}]: the WAV file has no samples")
    wave = _finite(i, data.mean(axis=1))
    return resample(wave, int(found), int(rate)) if rate and int(found) != int(rate) else wave


def _table(items: list[Any], stats: dict[str, Any]) -> Any:
    import pandas as pd

    columns = [str(c) for c in stats["columns"]]
    numeric = set(stats.get("numeric", {}))
    rows: list[list[Any]] = []
    for i, item in enumerate(items):
        if isinstance(item, dict):
            missing = [c for c in columns if c not in item]
            unknown = [k for k in item if k not in columns]
            if missing or unknown:
                raise InputError(
                    f"inputs[{i}]: "
                    + (f"lacks column(s) {missing}; " if missing else "")
                    + (f"has unknown column(s) {unknown[:5]}; " if unknown else "")
                    + f"the model's columns are {columns}"
                )
            values = [item[c] for c in columns]
        elif isinstance(item, list):
            if len(item) != len(columns):
                raise InputError(
                    f"inputs[{i}] has {len(item)} values; the model expects {len(columns)} "
                    f"(columns {columns})"
                )
            values = list(item)
        else:
            raise InputError(
                f"inputs[{i}]: expected a row (array) or an object of columns, got {_kind(item)}"
            )
        rows.append([_cell(i, c, v, c in numeric) for c, v in zip(columns, values, strict=True)])
    frame = pd.DataFrame(rows, columns=columns)
    for c in columns:
        frame[c] = frame[c].astype("float64" if c in numeric else "object")
    return frame


def _cell(i: int, column: str, value: Any, numeric: bool) -> Any:
    if value is None:
        return math.nan if numeric else None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise InputError(f"inputs[{i}]['{column}']: expected a number, a string or null")
    if isinstance(value, float) and not math.isfinite(value):
        raise InputError(f"inputs[{i}]['{column}'] is NaN or infinity; send a finite number")
    if numeric:
        if isinstance(value, str):
            raise InputError(f"inputs[{i}]['{column}']: expected a number, got a string")
        number = float(value) if abs(value) < 1e300 else math.inf
        if not math.isfinite(number) or abs(number) > np.finfo(np.float32).max:
            raise InputError(f"inputs[{i}]['{column}'] is too large; send a finite number")
        return number
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)
