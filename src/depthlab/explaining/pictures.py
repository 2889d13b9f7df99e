"""Pictures of attributions that fit the input, and of the weights of linear and shallow models.

Tables and id pairs: a bar chart of the mean absolute attribution per feature. A one-channel
sequence (MNIST-1D, a waveform): each example's signal over a heat band of its attributions. A
many-channel sequence (a spectrogram): the input and its attributions side by side as heat maps.
An image: the image and its heat map. Text: an HTML page with each token highlighted (red for
evidence for the class, blue against). Weights: a linear model's weights per class, and a
shallow MLP's first-layer weights of its most used hidden units, in the input's shape.

matplotlib is imported inside the functions and drawn on an Agg canvas (never pyplot).
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from matplotlib.figure import Figure

SHOWN = 4  # examples drawn per picture
TOP = 20  # bars of a feature chart
DPI = 100


def attribution_picture(
    spec: Any, result: Any, names: list[str], folder: Path, words: list[list[str]] | None = None
) -> Path | None:
    """Draw *result*'s attributions into *folder*; the path written (HTML for text, where
    *words* are the texts' own tokens, else the vocabulary *names* of the ids)."""
    values, inputs = result.attributions, result.inputs
    if spec.kind == "tokens":
        path = folder / "tokens.html"
        path.write_text(token_html(inputs, values, names, words), encoding="utf-8")
        return path
    if spec.kind in ("vector", "pairs"):
        fig = feature_bars(np.abs(values).mean(axis=0), names, "mean |attribution|")
    elif spec.kind == "sequence":
        fig = sequence_heat(inputs[:SHOWN], values[:SHOWN])
    elif spec.kind == "image":
        fig = image_heat(inputs[:SHOWN], values[:SHOWN])
    else:
        return None
    path = folder / "attributions.png"
    _save(fig, path)
    return path


def _figure(width: float, height: float, rows: int = 1, cols: int = 1) -> tuple[Figure, Any]:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    return fig, fig.subplots(rows, cols, squeeze=False)


def _save(fig: Figure, path: Path) -> None:
    import os

    partial = path.with_name(f".{path.stem}.partial{path.suffix}")
    fig.savefig(partial, format=path.suffix.lstrip("."), dpi=DPI)
    fig.clear()
    os.replace(partial, path)


def feature_bars(scores: np.ndarray, names: list[str], xlabel: str) -> Figure:
    """Horizontal bars of the *TOP* largest *scores*, largest on top."""
    scores = np.asarray(scores, dtype=np.float64).reshape(-1)
    labels = names if len(names) == len(scores) else [f"input {i}" for i in range(len(scores))]
    top = np.argsort(-scores)[:TOP][::-1]
    fig, axes = _figure(7.0, 0.3 * len(top) + 1.2)
    ax = axes[0, 0]
    ax.barh([labels[i] for i in top], scores[top], color="#1f77b4")
    ax.set_xlabel(xlabel)
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def _heat_limit(values: np.ndarray) -> float:
    return float(np.abs(values).max()) or 1.0


def sequence_heat(inputs: np.ndarray, values: np.ndarray) -> Figure:
    """One row per example: a 1-channel signal over its attribution band, or the channels'
    heat map beside the attributions' (spectrograms)."""
    channels = inputs.shape[1]
    cols = 1 if channels == 1 else 2
    fig, axes = _figure(7.0 if cols == 1 else 9.0, 1.6 * len(inputs), len(inputs), cols)
    for row, (x, a) in enumerate(zip(inputs, values, strict=True)):
        limit = _heat_limit(a)
        if channels == 1:
            ax = axes[row, 0]
            length = x.shape[-1]
            low, high = float(x.min()), float(x.max()) + 1e-6
            ax.imshow(
                a[0][None],
                aspect="auto",
                cmap="RdBu_r",
                vmin=-limit,
                vmax=limit,
                extent=(0, length - 1, low, high),
            )
            ax.plot(np.arange(length), x[0], color="black", linewidth=1.2)
            ax.set_ylabel(f"example {row + 1}")
        else:
            axes[row, 0].imshow(x, aspect="auto", origin="lower", cmap="magma")
            axes[row, 0].set_ylabel(f"example {row + 1}\nchannel")
            axes[row, 1].imshow(
                a, aspect="auto", origin="lower", cmap="RdBu_r", vmin=-limit, vmax=limit
            )
    axes[0, -1].set_title("attribution (red: for the class, blue: against)")
    return fig


def image_heat(inputs: np.ndarray, values: np.ndarray) -> Figure:
    """Two rows: the images, then their attributions (summed over channels)."""
    count = len(inputs)
    fig, axes = _figure(2.0 * count + 0.5, 4.2, 2, count)
    for col, (x, a) in enumerate(zip(inputs, values, strict=True)):
        picture = x.transpose(1, 2, 0) if x.shape[0] == 3 else x.mean(axis=0)
        if x.shape[0] == 3:  # standardised colours back into [0, 1] for display
            picture = (picture - picture.min()) / (np.ptp(picture) or 1.0)
        axes[0, col].imshow(picture, cmap=None if x.shape[0] == 3 else "gray")
        heat = a.sum(axis=0)
        limit = _heat_limit(heat)
        axes[1, col].imshow(heat, cmap="RdBu_r", vmin=-limit, vmax=limit)
        for ax in axes[:, col]:
            ax.set_xticks([])
            ax.set_yticks([])
    axes[0, 0].set_ylabel("input")
    axes[1, 0].set_ylabel("attribution")
    return fig


def token_html(
    ids: np.ndarray, values: np.ndarray, vocab: list[str], words: list[list[str]] | None = None
) -> str:
    """A page with each text's tokens highlighted by their attributions (padding left out);
    a text's own *words* where given (a word out of the vocabulary shows as itself)."""
    rows = []
    for row, (text_ids, scores) in enumerate(zip(ids, values, strict=True)):
        limit = _heat_limit(scores)
        spans = []
        for position, (token, score) in enumerate(zip(text_ids, scores, strict=True)):
            if token == 0:  # padding
                continue
            own = words[row] if words is not None and row < len(words) else []
            word = (
                own[position]
                if position < len(own)
                else vocab[token]
                if 0 <= token < len(vocab)
                else f"#{token}"
            )
            alpha = min(1.0, abs(float(score)) / limit)
            colour = "214,39,40" if score > 0 else "31,119,180"
            spans.append(
                f'<span style="background: rgba({colour},{alpha:.2f})" '
                f'title="{float(score):+.4f}">{html.escape(word)}</span>'
            )
        rows.append(f"<p>{' '.join(spans)}</p>")
    return (
        "<!doctype html><meta charset='utf-8'><title>token attributions</title>"
        "<style>body{font:16px/1.8 sans-serif;max-width:50em;margin:2em auto}"
        "span{padding:0 2px;border-radius:3px}</style>"
        "<h1>Token attributions</h1><p>red: evidence for the class explained; blue: against; "
        "hover a word for its score</p>" + "\n".join(rows)
    )


def weight_picture(
    model: Any, names: list[str], path: Path, classes: tuple[str, ...] = ()
) -> Path | None:
    """The weights of a ``linear`` network (per class) or of a one-hidden-layer ``mlp``
    (first layer, the units the head uses most), in the input's shape; None for other models
    (deeper weights do not read as pictures of the input)."""
    weights, labels = _readable_weights(model)
    if weights is None:
        return None
    if labels and labels[0].startswith("output") and len(classes) == len(labels):
        labels = list(classes)
    spec = model.spec
    if spec.kind == "tokens":  # a bag-of-words linear model: its strongest words per class
        fig = _word_weights(weights, names, classes)
    elif spec.kind == "vector":
        fig, axes = _figure(7.0, 0.35 * len(labels) + 1.5)
        limit = _heat_limit(weights)
        image = axes[0, 0].imshow(weights, aspect="auto", cmap="RdBu_r", vmin=-limit, vmax=limit)
        axes[0, 0].set_yticks(range(len(labels)), labels)
        if len(names) == weights.shape[1] and len(names) <= 40:
            axes[0, 0].set_xticks(range(len(names)), names, rotation=90)
        fig.colorbar(image, ax=axes[0, 0])
    else:
        shaped = weights.reshape(len(weights), *spec.shape)
        fig, axes = _figure(1.8 * len(shaped) + 0.5, 2.2, 1, len(shaped))
        for col, (w, label) in enumerate(zip(shaped, labels, strict=True)):
            limit = _heat_limit(w)
            ax = axes[0, col]
            if spec.kind == "sequence" and w.shape[0] == 1:
                ax.plot(w[0], color="#1f77b4")
            else:
                ax.imshow(
                    w.mean(axis=0) if spec.kind == "image" else w,
                    aspect="auto" if spec.kind == "sequence" else "equal",
                    cmap="RdBu_r",
                    vmin=-limit,
                    vmax=limit,
                )
            ax.set_title(label, fontsize=8)
            ax.set_xticks([])
            ax.set_yticks([])
    _save(fig, path)
    return path


def _readable_weights(net: Any) -> tuple[np.ndarray | None, list[str]]:
    import torch

    if not isinstance(net, torch.nn.Module):
        return None, []
    model: Any = net  # a DepthModel: its spec and layers
    if model.spec.kind == "pairs":
        return None, []
    family = getattr(model, "family", "")
    tokens = model.spec.kind == "tokens"
    if family == "linear":
        if tokens:
            return model.words.weight.detach().numpy().T, []  # (K, V)
        if getattr(model, "table", None) is not None:
            return None, []  # embedded categories: not one weight per input value
        classes = model.spec.n_outputs
        return model.head.weight.detach().numpy(), [f"output {k}" for k in range(classes)]
    hidden = getattr(model, "hidden", None)
    if family == "mlp" and hidden is not None and len(hidden) == 1 and not tokens:
        if getattr(model, "table", None) is not None:
            return None, []
        first = hidden[0].linear.weight.detach().numpy()  # (H, F)
        use = np.abs(model.head.weight.detach().numpy()).sum(axis=0)  # (H,)
        top = np.argsort(-use)[:8]
        return first[top], [f"unit {i}" for i in top]
    return None, []


def _word_weights(weights: np.ndarray, vocab: list[str], classes: tuple[str, ...]) -> Figure:
    count = len(weights)
    fig, axes = _figure(3.2 * count + 0.5, 4.0, 1, count)
    for k in range(count):
        top = np.argsort(-weights[k])[:10][::-1]
        words = [vocab[i] if i < len(vocab) else f"#{i}" for i in top]
        axes[0, k].barh(words, weights[k][top], color="#d62728")
        name = classes[k] if k < len(classes) else f"output {k}"
        axes[0, k].set_title(f"{name}: strongest words", fontsize=9)
    return fig
