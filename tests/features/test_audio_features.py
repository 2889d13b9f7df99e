"""Audio pipelines (log-mel, MFCC frames, MFCC statistics): shapes, settings, the clip-length
policy, statistics from training clips only, determinism, defaults and errors; and a small CNN
on FSDD log-mel spectrograms that learns."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from depthlab.config import FeatureConfig
from depthlab.data.dataset import Dataset
from depthlab.errors import ConfigError, DataError
from depthlab.features.audio import stft_settings, summary_stats
from depthlab.models.pipelines import resolve_features
from depthlab.training.preprocess import Preprocessor

RATE = 8000


def chirps(n: int = 24, seed: int = 0) -> Dataset:
    """Tones of two pitch ranges with noise, 0.15 to 0.4 s long: class = high pitch."""
    rng = np.random.default_rng(seed)
    waves, labels = [], []
    for i in range(n):
        label = i % 2
        length = int(rng.uniform(0.15, 0.4) * RATE)
        t = np.arange(length) / RATE
        freq = rng.uniform(300, 500) if label == 0 else rng.uniform(1500, 2500)
        wave = 0.4 * np.sin(2 * np.pi * freq * t) + rng.normal(scale=0.02, size=length)
        waves.append(wave.astype(np.float32))
        labels.append(label)
    groups = np.array(["ann", "bob", "cy"] * (n // 3) + ["ann"] * (n % 3))
    return Dataset(
        "chirps",
        "audio",
        "classification",
        waves,
        np.array(labels),
        ("low", "high"),
        groups=groups,
        sample_rate=RATE,
    )


def fitted(features: str, ds: Dataset, train: np.ndarray, **options: object) -> Preprocessor:
    return Preprocessor.fit(ds, train, options={"features": features, **options})


def test_stft_settings_suit_speech_at_each_rate() -> None:
    narrow = stft_settings(8000)  # 25 ms windows every 10 ms, FFT of the next power of two
    assert (narrow["win_length"], narrow["hop_length"], narrow["n_fft"]) == (200, 80, 256)
    assert narrow["fmax"] == 4000
    wide = stft_settings(16000)
    assert (wide["win_length"], wide["hop_length"], wide["n_fft"]) == (400, 160, 512)


@pytest.mark.parametrize(
    ("features", "kind", "shape"),
    [
        ("logmel", "image", (1, 40, 33)),
        ("mfcc", "sequence", (20, 33)),
        ("mfcc-stats", "vector", (120,)),
    ],
)
def test_shapes_kinds_and_determinism(features: str, kind: str, shape: tuple[int, ...]) -> None:
    ds = chirps()
    prep = fitted(features, ds, np.arange(18), seconds=0.32)  # 2,560 samples: 33 frames
    x = prep.transform(ds.inputs)
    assert x.shape == (len(ds), *shape) and x.dtype == np.float32
    assert np.isfinite(x).all()
    spec = prep.input_spec(2)
    assert spec.kind == kind and spec.shape == shape
    np.testing.assert_array_equal(prep.transform(ds.inputs), x)
    # Each clip alone gives what it gave in the batch: nothing depends on its neighbours.
    np.testing.assert_allclose(prep.transform(ds.inputs[5:6])[0], x[5], rtol=1e-5, atol=1e-5)
    # The run folder's JSON is enough to transform again.
    again = Preprocessor.from_dict(prep.to_dict())
    np.testing.assert_array_equal(again.transform(ds.inputs), x)


@pytest.mark.parametrize("features", ["logmel", "mfcc", "mfcc-stats"])
def test_statistics_come_from_training_clips_only(features: str) -> None:
    ds = chirps()
    train = np.arange(18)
    prep = fitted(features, ds, train)
    x = prep.transform(ds.inputs)
    axes = (0, 2, 3) if x.ndim == 4 else (0, 2) if x.ndim == 3 else (0,)
    # Standardised on the training clips: mean 0, std 1 over them (per band / coefficient).
    np.testing.assert_allclose(x[train].mean(axis=axes), 0.0, atol=1e-3)
    np.testing.assert_allclose(x[train].std(axis=axes), 1.0, atol=1e-3)
    # Held-out clips changed beyond recognition leave the fitted statistics as they were.
    louder = list(ds.inputs[:18]) + [w * 3 + 0.1 for w in ds.inputs[18:]]
    other = Dataset("c", "audio", "classification", louder, ds.targets, ds.class_names,
                    sample_rate=RATE)  # fmt: skip
    assert fitted(features, other, train).stats == prep.stats
    assert fitted(features, ds, np.arange(6, 24)).stats != prep.stats


def test_clip_length_is_the_95th_percentile_or_seconds() -> None:
    ds = chirps()
    train = np.arange(18)
    lengths = [len(w) for w in ds.inputs[:18]]
    assert fitted("logmel", ds, train).stats["length"] == int(np.percentile(lengths, 95))
    assert fitted("logmel", ds, train, seconds=0.5).stats["length"] == 4000


def test_short_clips_are_zero_padded_and_long_ones_cropped() -> None:
    ds = chirps()
    prep = fitted("logmel", ds, np.arange(18), seconds=0.2)  # 1,600 samples
    long_clip = ds.inputs[int(np.argmax([len(w) for w in ds.inputs]))]
    short_clip = long_clip[:700]
    padded = np.concatenate([short_clip, np.zeros(900, np.float32)])
    x = prep.transform([long_clip, long_clip[:1600], short_clip, padded])
    np.testing.assert_array_equal(x[0], x[1])  # cropped at the end
    np.testing.assert_array_equal(x[2], x[3])  # zero-padded at the end


@pytest.mark.parametrize("features", ["logmel", "mfcc", "mfcc-stats"])
def test_the_recording_level_drops_out(features: str) -> None:
    ds = chirps()
    prep = fitted(features, ds, np.arange(18))
    clip = ds.inputs[3]
    x = prep.transform([clip, 0.1 * clip, 4.0 * clip])  # -20 dB, +12 dB
    np.testing.assert_allclose(x[1], x[0], atol=1e-3)
    np.testing.assert_allclose(x[2], x[0], atol=1e-3)
    silent = prep.transform([np.zeros(1000, np.float32)])  # the floor throughout, no NaN
    assert np.isfinite(silent).all()


def test_statistics_pool_the_clip_not_its_padding() -> None:
    ds = chirps()
    stats = fitted("mfcc-stats", ds, np.arange(18), seconds=0.4).stats
    clip = ds.inputs[0][:2000]
    near = summary_stats([clip], stats)
    # Much more padding, same clip: the same summary (the padding's frames are left out).
    far = summary_stats([clip], {**stats, "length": 8000})
    np.testing.assert_allclose(near, far, rtol=1e-4, atol=1e-4)


def test_each_model_family_gets_its_audio_pipeline() -> None:
    assert resolve_features("audio", "cnn").name == "logmel"
    assert resolve_features("audio", "rnn").name == "mfcc"
    assert resolve_features("audio", "mlp").name == "logmel"
    assert resolve_features("audio", "linear").name == "logmel"
    assert resolve_features("audio", "logistic").name == "mfcc-stats"
    assert resolve_features("audio", "boosting").name == "mfcc-stats"
    assert resolve_features("audio", "cnn", "waveform").name == "waveform"
    with pytest.raises(ConfigError, match="features 'logmel' are for audio data, not image"):
        resolve_features("image", "cnn", "logmel")


def test_log_mel_suggests_a_pooled_deep_cnn_and_augmentation() -> None:
    logmel = resolve_features("audio", "cnn")
    assert logmel.model_options("cnn", "deep") == {
        "channels": (16, 32, 64, 128),
        "pool": "max",
        "pool_every": 1,
    }
    assert logmel.model_options("cnn", "shallow") == {} == logmel.model_options("mlp", "deep")
    assert logmel.train_defaults == {"augment": "warp+mask"}
    assert resolve_features("audio", "rnn").train_defaults == {}
    assert resolve_features("audio", "logistic").engineered


def test_too_many_mel_bands_say_how_many_fit() -> None:
    with pytest.raises(ConfigError, match=r"n_mels=256 is too many .* use n_mels <= \d+"):
        fitted("logmel", chirps(), np.arange(18), n_mels=256)


def test_more_coefficients_than_bands_is_an_error() -> None:
    with pytest.raises(ConfigError, match="n_mfcc=30 exceeds n_mels=24"):
        fitted("mfcc", chirps(), np.arange(18), n_mels=24, n_mfcc=30)


def test_a_stereo_example_is_refused_at_transform() -> None:
    prep = fitted("logmel", chirps(), np.arange(18))
    with pytest.raises(DataError, match=r"audio example 1 has shape \(800, 2\).*mix channels"):
        prep.transform([np.zeros(800, np.float32), np.zeros((800, 2), np.float32)])


def test_audio_without_a_sample_rate_is_an_error() -> None:
    ds = chirps()
    bare = Dataset("bare", "audio", "classification", ds.inputs, ds.targets, ds.class_names)
    with pytest.raises(DataError, match="bare: audio without a sample rate"):
        fitted("mfcc", bare, np.arange(18))


def test_feature_options_validate() -> None:
    with pytest.raises(ValueError, match="n_mels"):
        FeatureConfig(n_mels=2)


def test_a_small_cnn_on_fsdd_log_mels_learns(mirror: Path) -> None:
    """Speaker-independent is harder; this is the official split's setting, on a subset: takes
    5-14 of every speaker and digit to train (500 clips), takes 0-4 to test (250)."""
    import torch

    import depthlab as dl
    from depthlab.models.base import build_model
    from depthlab.training.loop import Tensors, fit

    ds = dl.load_dataset("fsdd")
    takes = np.array([int(s.rsplit("_", 1)[1].split(".")[0]) for s in ds.sample_ids])
    train, test = np.flatnonzero((takes >= 5) & (takes < 15)), np.flatnonzero(takes < 5)
    prep = Preprocessor.fit(ds, train, "cnn", {"n_mels": 32})
    assert prep.features == "logmel"
    x = torch.from_numpy(prep.transform(ds.subset(np.concatenate([train, test])).inputs))
    y = torch.from_numpy(ds.targets[np.concatenate([train, test])])
    torch.manual_seed(0)
    spec = prep.input_spec(10)
    assert spec.shape == (1, 32, 63)
    # Small enough to train in seconds: three pooled blocks, max over positions.
    model = build_model("cnn", spec, "shallow", channels=(8, 16, 32), kernel_size=3, head="max")
    cfg = dl.TrainConfig(epochs=10, lr=0.01, batch_size=32, device="cpu")
    n = len(train)
    fit(model, Tensors(x[:n], y[:n], x[:0], y[:0]), cfg, "classification")
    model.eval()
    with torch.no_grad():
        accuracy = (model(x[n:]).argmax(1) == y[n:]).float().mean().item()
    assert accuracy >= 0.7  # chance is 0.10; 0.88 when written
