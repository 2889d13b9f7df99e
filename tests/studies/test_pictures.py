"""Each modality's picture of a model's predictions, as the study's report shows it."""

from __future__ import annotations

import base64
from typing import Any

import numpy as np

from depthlab.data.dataset import Dataset
from depthlab.studies.measurement.pictures import picture


class Fixed:
    """A model whose outputs are given: class probabilities or scaled regression values."""

    def __init__(self, out: np.ndarray) -> None:
        self.out = out

    def outputs(self, x: np.ndarray) -> np.ndarray:
        return self.out[x[:, 0].astype(int)]  # the first input column is the example's index


class Identity:
    def inverse_targets(self, values: np.ndarray) -> np.ndarray:
        return values


def indices(n: int) -> np.ndarray:
    return np.arange(n, dtype=np.float32)[:, None]


def png_of(shown: dict[str, Any]) -> bytes:
    return base64.b64decode(shown["png"].removeprefix("data:image/png;base64,"))


def one_hot(labels: list[int], k: int = 2) -> np.ndarray:
    return np.eye(k, dtype=np.float32)[labels]


def test_audio_mistakes_are_spectrograms_of_the_wrong_clips() -> None:
    rng = np.random.default_rng(0)
    waves = [rng.normal(size=4000).astype(np.float32) * 0.1 for _ in range(6)]
    ds = Dataset(
        "a",
        "audio",
        "classification",
        waves,
        np.array([0, 1, 0, 1, 0, 1]),
        ("0", "1"),
        sample_rate=8000,
    )
    model = Fixed(one_hot([0, 1, 1, 1, 0, 0]))  # examples 2 and 5 wrong
    shown = picture(model, ds, Identity(), indices(6), np.arange(6))
    assert shown is not None and shown["wrong"] == 2 and shown["total"] == 6
    assert png_of(shown).startswith(b"\x89PNG")
    assert "2 of 6 test clips wrong" in shown["caption"] and "log-mel" in shown["caption"]


def test_text_mistakes_list_the_wrong_texts_with_both_classes() -> None:
    texts = ["good", "bad", "fine", "awful", "x" * 500]
    ds = Dataset("t", "text", "classification", texts, np.array([1, 0, 1, 0, 1]), ("neg", "pos"))
    model = Fixed(one_hot([1, 1, 1, 0, 0]))  # "bad" and the long text wrong
    shown = picture(model, ds, Identity(), indices(5), np.arange(5))
    assert shown is not None and shown["columns"] == ["text", "true", "predicted"]
    assert shown["rows"][0] == ["bad", "neg", "pos"]
    assert shown["rows"][1][0].endswith("...") and len(shown["rows"][1][0]) == 160


def test_nothing_wrong_draws_nothing() -> None:
    ds = Dataset("t", "text", "classification", ["a", "b"], np.array([0, 1]), ("n", "p"))
    assert picture(Fixed(one_hot([0, 1])), ds, Identity(), indices(2), np.arange(2)) is None


def test_a_forecast_plot_gives_the_rmse_of_the_first_step() -> None:
    targets = np.arange(10, dtype=np.float64)[:, None]  # (N, horizon=1)
    ds = Dataset(
        "s",
        "timeseries",
        "forecasting",
        np.zeros((10, 1, 3), np.float32),
        targets,
        time_index=np.arange(1990, 2000),
    )
    out = (targets + 2.0).astype(np.float32)  # every forecast 2 too high
    shown = picture(Fixed(out), ds, Identity(), indices(10), np.arange(5, 10))
    assert shown is not None and abs(shown["rmse"] - 2.0) < 1e-6
    assert png_of(shown).startswith(b"\x89PNG") and "5 one-step-ahead" in shown["caption"]


def test_ratings_are_drawn_against_the_true_rating() -> None:
    import pandas as pd

    pairs = pd.DataFrame({"user": ["u"] * 5, "item": list("abcde")})
    ds = Dataset("r", "interactions", "regression", pairs, np.array([1.0, 2, 3, 4, 5]))
    out = np.array([[1.5], [2.5], [3.0], [3.5], [4.0]], dtype=np.float32)
    shown = picture(Fixed(out), ds, Identity(), indices(5), np.arange(5))
    assert shown is not None and png_of(shown).startswith(b"\x89PNG")
    assert abs(shown["rmse"] - float(np.sqrt(np.mean((out[:, 0] - ds.targets) ** 2)))) < 1e-6


def test_tables_have_no_picture() -> None:
    import pandas as pd

    ds = Dataset(
        "t",
        "tabular",
        "classification",
        pd.DataFrame({"a": [0.0, 1.0]}),
        np.array([0, 1]),
        ("n", "p"),
        feature_names=("a",),
    )
    assert picture(Fixed(one_hot([1, 0])), ds, Identity(), indices(2), np.arange(2)) is None
