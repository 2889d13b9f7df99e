"""Per-clip normalisation of audio features (``normalize=utterance``, CMVN): what it computes,
that a fixed channel colouring drops out with it, that it is stored with the fitted statistics
(so prediction applies it identically, and older run folders predict as trained), errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from depthlab.config import FeatureConfig
from depthlab.data.dataset import Dataset
from depthlab.features.audio import STD_FLOOR, utterance_normalised
from depthlab.training.preprocess import Preprocessor

RATE = 8000


def tones(n: int = 24, seed: int = 0) -> Dataset:
    """Gliding tones of two pitch ranges with noise, 0.15 to 0.4 s long: class = high pitch."""
    rng = np.random.default_rng(seed)
    waves, labels = [], []
    for i in range(n):
        label = i % 2
        length = int(rng.uniform(0.15, 0.4) * RATE)
        t = np.arange(length) / RATE
        base = rng.uniform(300, 500) if label == 0 else rng.uniform(1500, 2500)
        phase = 2 * np.pi * base * (t + 0.5 * t**2)  # a glide: bands change over the clip
        wave = 0.4 * np.sin(phase) + rng.normal(scale=0.05, size=length)
        waves.append(wave.astype(np.float32))
        labels.append(label)
    return Dataset(
        "tones", "audio", "classification", waves, np.array(labels), ("low", "high"),
        sample_rate=RATE,
    )  # fmt: skip


def fitted(features: str, ds: Dataset, **options: object) -> Preprocessor:
    return Preprocessor.fit(ds, np.arange(18), options={"features": features, **options})


def test_each_band_of_a_clip_gets_zero_mean_and_unit_variance_over_its_own_frames() -> None:
    rng = np.random.default_rng(1)
    stats = {"length": 800, "hop_length": 80}  # 11 frames; frame t is centred on sample 80 t
    values = rng.normal(loc=-30.0, scale=8.0, size=(2, 3, 11)).astype(np.float32)
    values[1, 2] = -80.0  # a band at the floor throughout: shifted, not blown up
    waves = [np.zeros(880), np.zeros(400)]  # cropped to 800: frames 0-9; the second: 0-4
    out = utterance_normalised(values, waves, stats)
    np.testing.assert_allclose(out[0, :, :10].mean(axis=1), 0.0, atol=1e-5)
    np.testing.assert_allclose(out[0, :, :10].std(axis=1), 1.0, atol=1e-5)
    inside = out[1, :2, :5]  # the padding's frames take no part in the clip's statistics
    np.testing.assert_allclose(inside.mean(axis=1), 0.0, atol=1e-5)
    np.testing.assert_allclose(inside.std(axis=1), 1.0, atol=1e-5)
    mean, std = values[1, :2, :5].mean(axis=1), values[1, :2, :5].std(axis=1)
    expected_padding = (values[1, :2, 5:] - mean[:, None]) / std[:, None]  # the same shift, scale
    np.testing.assert_allclose(out[1, :2, 5:], expected_padding, rtol=1e-4, atol=1e-4)
    np.testing.assert_array_equal(out[1, 2], 0.0)
    assert STD_FLOOR > 0


@pytest.mark.parametrize("features", ["logmel", "mfcc"])
def test_a_fixed_channel_colouring_drops_out(features: str) -> None:
    """A microphone or a vocal tract that tilts the spectrum (here pre-emphasis, +6 dB per
    octave) shifts each band of a log-mel spectrogram by a constant: CMVN removes it."""
    from scipy.signal import lfilter

    ds = tones()
    clips = [ds.inputs[i][:1200] for i in (1, 4, 7)]  # 0.15 s each: no padding to compare
    coloured = [lfilter([1.0, -0.9], [1.0], c).astype(np.float32) for c in clips]

    def gap(normalize: str) -> float:
        prep = fitted(features, ds, normalize=normalize, seconds=0.15)
        return float(np.abs(prep.transform(clips) - prep.transform(coloured)).mean())

    assert gap("utterance") < 0.5 * gap("none")


def test_the_setting_travels_with_the_fitted_statistics() -> None:
    ds = tones()
    assert fitted("logmel", ds).stats["normalize"] == "none"  # off unless asked for
    assert fitted("mfcc", ds, normalize="utterance").stats["normalize"] == "utterance"
    on = fitted("logmel", ds, normalize="utterance")
    assert on.stats["normalize"] == "utterance"
    # Prediction from the saved statistics alone: a reloaded preprocessor gives the same values.
    again = Preprocessor.from_dict(on.to_dict())
    np.testing.assert_array_equal(again.transform(ds.inputs[:4]), on.transform(ds.inputs[:4]))
    # A run folder written before the option existed has no "normalize": it predicts unnormalised.
    off = fitted("logmel", ds, normalize="none")
    older = {k: v for k, v in off.to_dict()["stats"].items() if k != "normalize"}
    legacy = Preprocessor.from_dict({**off.to_dict(), "stats": older})
    np.testing.assert_array_equal(legacy.transform(ds.inputs[:4]), off.transform(ds.inputs[:4]))
    assert not np.allclose(on.transform(ds.inputs[:4]), off.transform(ds.inputs[:4]), atol=0.1)


def test_mfcc_statistics_are_left_as_they_are() -> None:
    """The engineered features are each clip's means and deviations: CMVN would erase them."""
    ds = tones()
    plain = fitted("mfcc-stats", ds, normalize="none").transform(ds.inputs[:4])
    asked = fitted("mfcc-stats", ds, normalize="utterance").transform(ds.inputs[:4])
    np.testing.assert_array_equal(plain, asked)


def test_an_unknown_setting_is_refused() -> None:
    with pytest.raises(ValueError, match="normalize"):
        FeatureConfig(normalize="global")  # type: ignore[arg-type]


def test_a_run_folder_predicts_with_its_normalisation(tmp_path: Path) -> None:
    import depthlab as dl

    ds = tones(n=36)
    run = dl.train(
        ds,
        dl.TrainSpec(
            model="linear",
            preset="shallow",
            features={"normalize": "utterance"},
            train={"epochs": 2, "device": "cpu"},
        ),
        out=tmp_path / "run",
    )
    loaded = dl.Run.load(tmp_path / "run")
    assert loaded.config["preprocess"]["stats"]["normalize"] == "utterance"
    np.testing.assert_allclose(loaded.outputs(ds.inputs[:6]), run.outputs(ds.inputs[:6]), atol=1e-5)
