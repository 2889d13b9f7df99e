"""A picture of each model's predictions that suits the modality, drawn once per model (seed 0,
full training set) for the report's "Mistakes and forecasts" section.

==============  ===========================================================================
image           misclassified test images, true -> predicted
audio           log-mel spectrograms of misclassified test clips, true -> predicted
text            misclassified test texts with their true and predicted classes (a table)
timeseries      the test period: actual values against one-step-ahead forecasts
interactions    predicted against true ratings on the test pairs (a box per true rating)
==============  ===========================================================================

Each picture is an inline PNG data URI (or table rows for text) with a caption; None when the
modality has no picture or nothing was wrong.
"""

from __future__ import annotations

import base64
import io
from typing import Any

import numpy as np

from depthlab.data.dataset import Dataset
from depthlab.evaluate.outputs import outputs

SHOWN = 16  # mistakes drawn at most
TEXTS_SHOWN = 12
TEXT_CHARS = 160


def picture(
    model: Any, ds: Dataset, prep: Any, x: np.ndarray, test: np.ndarray
) -> dict[str, Any] | None:
    """The picture that suits *ds*'s modality for *model* on the *test* examples."""
    if ds.modality == "timeseries" and ds.task == "forecasting":
        return forecast_plot(model, ds, prep, x, test)
    if ds.modality == "interactions":
        return ratings_plot(model, ds, prep, x, test)
    if ds.task != "classification":
        return None
    if ds.modality == "image":
        return mistakes_grid(model, ds, x, test, _image)
    if ds.modality == "audio":
        return mistakes_grid(model, ds, x, test, _spectrogram)
    if ds.modality == "text":
        return mistaken_texts(model, ds, x, test)
    return None


def _wrong(
    model: Any, ds: Dataset, x: np.ndarray, test: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    predicted = outputs(model, x[test]).argmax(axis=1)
    miss = predicted != ds.targets[test]
    return test[miss], predicted[miss]


def mistakes_grid(
    model: Any, ds: Dataset, x: np.ndarray, test: np.ndarray, draw: Any
) -> dict[str, Any] | None:
    """Up to 16 misclassified test examples, each drawn by *draw* (an image or spectrogram)."""
    from matplotlib.figure import Figure

    wrong, guesses = _wrong(model, ds, x, test)
    if len(wrong) == 0:
        return None
    shown = min(SHOWN, len(wrong))
    columns = min(8, shown)
    rows = (shown + columns - 1) // columns
    figure = Figure(figsize=(1.3 * columns, 1.5 * rows), dpi=100)
    for i in range(shown):
        axes = figure.add_subplot(rows, columns, i + 1)
        draw(axes, ds, int(wrong[i]))
        truth, guess = ds.class_names[ds.targets[wrong[i]]], ds.class_names[guesses[i]]
        axes.set_title(f"{truth} -> {guess}", fontsize=8)
        axes.axis("off")
    kind = "clips" if ds.modality == "audio" else "images"
    caption = (
        f"{len(wrong):,} of {len(test):,} test {kind} wrong (seed 0); "
        + ("all" if shown == len(wrong) else f"the first {shown}")
        + " shown as true -> predicted"
        + (" (log-mel spectrograms)" if ds.modality == "audio" else "")
    )
    return {
        "png": _png(figure),
        "caption": caption,
        "shown": shown,
        "wrong": len(wrong),
        "total": len(test),
    }


def _image(axes: Any, ds: Dataset, index: int) -> None:
    image = np.asarray(ds.inputs[index], dtype=np.float32)  # (C, H, W), as loaded
    image = image.transpose(1, 2, 0) if image.shape[0] in (3, 4) else image[0]
    span = float(image.max() - image.min()) or 1.0
    axes.imshow((image - image.min()) / span, cmap="gray" if image.ndim == 2 else None)


def _spectrogram(axes: Any, ds: Dataset, index: int) -> None:
    import librosa

    wave = np.asarray(ds.inputs[index], dtype=np.float32)
    rate = int(ds.sample_rate or 8000)
    n_fft = 1 << max(6, int(np.log2(rate * 0.032)))  # about 32 ms windows
    mel = librosa.feature.melspectrogram(
        y=wave, sr=rate, n_fft=n_fft, hop_length=n_fft // 4, n_mels=40
    )
    axes.imshow(librosa.power_to_db(mel, ref=np.max), origin="lower", aspect="auto", cmap="magma")


def mistaken_texts(
    model: Any, ds: Dataset, x: np.ndarray, test: np.ndarray
) -> dict[str, Any] | None:
    """Misclassified test texts (the first 12), as table rows."""
    wrong, guesses = _wrong(model, ds, x, test)
    if len(wrong) == 0:
        return None
    rows = []
    for index, guess in zip(wrong[:TEXTS_SHOWN], guesses[:TEXTS_SHOWN], strict=True):
        text = str(ds.inputs[index])
        short = text if len(text) <= TEXT_CHARS else text[: TEXT_CHARS - 3] + "..."
        rows.append([short, ds.class_names[ds.targets[index]], ds.class_names[guess]])
    shown = len(rows)
    caption = (
        f"{len(wrong):,} of {len(test):,} test texts wrong (seed 0); "
        + ("all" if shown == len(wrong) else f"the first {shown}")
        + " listed"
    )
    return {
        "rows": rows,
        "columns": ["text", "true", "predicted"],
        "caption": caption,
        "wrong": len(wrong),
        "total": len(test),
    }


def forecast_plot(
    model: Any, ds: Dataset, prep: Any, x: np.ndarray, test: np.ndarray
) -> dict[str, Any] | None:
    """Actual values of the test period against the model's forecasts of the first step."""
    from matplotlib.figure import Figure

    if len(test) == 0:
        return None
    forecast = np.asarray(prep.inverse_targets(outputs(model, x[test])), dtype=np.float64)
    forecast = forecast.reshape(len(test), -1)[:, 0]
    actual = np.asarray(ds.targets[test], dtype=np.float64).reshape(len(test), -1)[:, 0]
    time = ds.time_index[test] if ds.time_index is not None else np.arange(len(test))
    rmse = float(np.sqrt(np.mean((forecast - actual) ** 2)))
    figure = Figure(figsize=(7.5, 3.0), dpi=100)
    axes = figure.add_subplot(1, 1, 1)
    axes.plot(time, actual, color="#333333", linewidth=1.6, label="actual")
    axes.plot(time, forecast, color="#d95f02", linewidth=1.4, linestyle="--", label="forecast")
    axes.set_xlabel("time")
    axes.legend(frameon=False, fontsize=8)
    axes.grid(alpha=0.3)
    figure.tight_layout()
    caption = f"test period, {len(test):,} one-step-ahead forecasts (seed 0): RMSE {rmse:.4g}"
    return {"png": _png(figure), "caption": caption, "rmse": rmse, "total": len(test)}


def ratings_plot(
    model: Any, ds: Dataset, prep: Any, x: np.ndarray, test: np.ndarray
) -> dict[str, Any] | None:
    """Predicted ratings of the test pairs, one box per true rating."""
    from matplotlib.figure import Figure

    if len(test) == 0:
        return None
    predicted = np.asarray(prep.inverse_targets(outputs(model, x[test])[:, 0]), dtype=np.float64)
    truth = np.asarray(ds.targets[test], dtype=np.float64)
    levels = np.unique(truth)
    if len(levels) > 12:  # continuous targets: bins instead of levels
        edges = np.quantile(truth, np.linspace(0, 1, 9))
        bins = np.clip(np.searchsorted(edges, truth, side="right") - 1, 0, 7)
        groups = [predicted[bins == b] for b in range(8)]
        names = [f"{edges[b]:.3g}" for b in range(8)]
    else:
        groups = [predicted[truth == level] for level in levels]
        names = [f"{level:g}" for level in levels]
    figure = Figure(figsize=(6.0, 3.0), dpi=100)
    axes = figure.add_subplot(1, 1, 1)
    axes.boxplot(groups, showfliers=False)
    axes.set_xticks(range(1, len(names) + 1), names)
    axes.set_xlabel("true rating")
    axes.set_ylabel("predicted")
    axes.grid(alpha=0.3, axis="y")
    figure.tight_layout()
    rmse = float(np.sqrt(np.mean((predicted - truth) ** 2)))
    caption = f"{len(test):,} test ratings (seed 0): RMSE {rmse:.4g}; boxes span the middle half"
    return {"png": _png(figure), "caption": caption, "rmse": rmse, "total": len(test)}


def _png(figure: Any) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
