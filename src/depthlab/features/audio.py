"""Audio pipelines from librosa: log-mel spectrograms, MFCC frames and MFCC summary statistics.

``logmel``      log-mel spectrogram, one channel, ``(1, n_mels, frames)`` (image kind), each mel
                band standardised with its training mean and standard deviation;
``mfcc``        MFCC frames, ``(n_mfcc, frames)`` (sequence kind: coefficients are channels, an
                RNN reads one frame per step), each coefficient standardised likewise;
``mfcc-stats``  engineered features for classical models: per coefficient, the mean, standard
                deviation, minimum and maximum over the clip's frames and the mean and standard
                deviation of its deltas, ``(6 * n_mfcc,)`` (vector kind), standardised.

Clip length: ``seconds`` when given, else the 95th percentile of the training clips' lengths
(FSDD: 4,979 samples, 0.62 s). Shorter clips are zero-padded at the end and longer ones cropped
at the end, before any spectrum is taken; ``mfcc-stats`` pools only the frames of the clip
itself, never the padding.

Per-clip normalisation (``normalize``, FeatureConfig): ``utterance`` is cepstral mean and
variance normalisation (CMVN, standard in speaker-independent speech recognition): each mel band
(``logmel``) or coefficient (``mfcc``) of a clip is shifted and scaled to zero mean and unit
variance over the clip's own frames (the padding follows the same shift and scale), which takes
out a speaker's and a microphone's fixed spectral colouring. It needs no training statistics, so
prediction applies it identically; the training-set standardisation of each band follows. It
is off by default: on FSDD with one speaker held out it cost the deep CNN 8 points (seed 0,
mean over the 5 speakers 79.1% against 87.2%; bench/README.md): a spoken digit is too short
for its mean spectrum to be only the channel; it is mostly the vowel.
``mfcc-stats`` never applies it: its per-clip means and deviations are the features themselves.

STFT settings follow speech practice and the sample rate: 25 ms Hann windows every 10 ms, an FFT
of the next power of two (8 kHz: 200-sample windows, hop 80, 256-point FFT, 129 bins), mel bands
from 20 Hz to the Nyquist frequency (Slaney mel scale), power in decibels relative to each clip's
loudest bin and floored 80 dB below it (librosa's ``power_to_db(ref=np.max, top_db=80)``, per
clip: the recording level drops out; zero padding sits at the floor). Everything a transform
needs is stored in the fitted statistics, so a run folder predicts with the settings it was
trained with.

Example:
    >>> import depthlab as dl
    >>> spec = dl.TrainSpec(model="cnn", features={"features": "logmel"})
    >>> run = dl.train("fsdd", spec)  # doctest: +SKIP
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

import numpy as np

from depthlab.errors import ConfigError, DataError, require
from depthlab.features.arrays import clip_length, fixed_length
from depthlab.features.registry import Features, Stats, register_features
from depthlab.features.spec import InputSpec

if TYPE_CHECKING:
    from depthlab.config import FeatureConfig
    from depthlab.data.dataset import Dataset

WINDOW_SECONDS = 0.025
HOP_SECONDS = 0.010
FMIN = 20.0
AMIN = 1e-10  # power floor (-100 dB) before the level is taken relative to the loudest bin
TOP_DB = 80.0  # dB below a clip's loudest bin where its features stop
CHUNK = 256  # clips per librosa call: bounded memory, and numpy's FFT is fast on batches
EPS = 1e-8
STATS = ("mean", "std", "min", "max", "delta_mean", "delta_std")
# The deep CNN on a spectrogram (40 x 63 for FSDD) pools after every block, widening as it goes:
# the preset's four 64-channel blocks at full resolution (right for MNIST-1D's 40 steps) take
# 560 MFLOP per clip here against 17, and an epoch 14 times as long (bench/fsdd.py). It pins
# one block per stage: the preset sized to a 40 x 63 image has two (models/cnn.py).
DEEP_CNN: dict[str, Any] = {"channels": (16, 32, 64, 128), "pool": "max", "pool_every": 1}
# Spectrograms train warped (speaking rate, vocal tract length) and masked (SpecAugment): with
# one FSDD speaker held out, the deep CNN's mean accuracy over the 5 speakers was 88.8% with
# masks alone and 91.4% with both (seed 0; bench/README.md). `--augment none` turns it off.
TRAIN_DEFAULTS: dict[str, Any] = {"augment": "warp+mask"}
# A band that moves less than this over a clip (dB, or MFCC units of dB) counts as steady: CMVN
# shifts it without blowing its noise up to unit variance.
STD_FLOOR = 1.0


def stft_settings(rate: int) -> Stats:
    """Window, hop and FFT size for audio at *rate* Hz (25 ms windows every 10 ms)."""
    window = max(16, round(WINDOW_SECONDS * rate))
    return {
        "sample_rate": int(rate),
        "win_length": window,
        "hop_length": max(1, round(HOP_SECONDS * rate)),
        "n_fft": 1 << (window - 1).bit_length(),
        "fmin": FMIN,
        "fmax": rate / 2,
    }


def _rate(part: Dataset) -> int:
    if not part.sample_rate:
        raise DataError(
            f"{part.name}: audio without a sample rate; set the Dataset's sample_rate (Hz), "
            "or use --features waveform"
        )
    return int(part.sample_rate)


def _check_bands(settings: Stats, n_mels: int) -> None:
    """Too many mel bands for the FFT leave some bands empty (librosa only warns)."""
    import librosa

    def empty(n: int) -> bool:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            basis = librosa.filters.mel(
                sr=settings["sample_rate"],
                n_fft=settings["n_fft"],
                n_mels=n,
                fmin=settings["fmin"],
                fmax=settings["fmax"],
            )
        return bool((basis.max(axis=1) <= 0).any())

    if empty(n_mels):
        most = next((n for n in range(n_mels - 1, 0, -1) if not empty(n)), 1)
        raise ConfigError(
            f"n_mels={n_mels} is too many for {settings['sample_rate']} Hz audio "
            f"({settings['n_fft']}-point FFT): some mel bands would be empty; "
            f"use n_mels <= {most}"
        )


def _fit_settings(part: Dataset, options: FeatureConfig) -> Stats:
    require("librosa", "audio")
    settings = stft_settings(_rate(part))
    lengths = np.array([len(w) for w in part.inputs])
    settings["length"] = clip_length(lengths, settings["sample_rate"], options)
    settings["n_mels"] = options.n_mels
    _check_bands(settings, options.n_mels)
    return settings


def frames(stats: Stats) -> int:
    """Frames per clip (centred frames, one every hop)."""
    return 1 + int(stats["length"]) // int(stats["hop_length"])


def _clips(waves: Any, length: int) -> np.ndarray:
    """Mono waveforms cropped or zero-padded to *length*, ``(N, length)``."""
    out = np.zeros((len(waves), length), dtype=np.float32)
    for i, wave in enumerate(waves):
        clip = np.asarray(wave, dtype=np.float32)
        if clip.ndim != 1:
            raise DataError(
                f"audio example {i} has shape {clip.shape}; a mono waveform (one channel, "
                "1-D) is expected: mix channels down first"
            )
        out[i] = fixed_length(clip, length)
    return out


def log_mel(waves: Any, stats: Stats) -> np.ndarray:
    """Log-mel power in dB, ``(N, n_mels, frames)``, before standardisation."""
    require("librosa", "audio")
    import librosa

    clips = _clips(waves, int(stats["length"]))
    out = np.empty((len(clips), int(stats["n_mels"]), frames(stats)), dtype=np.float32)
    for start in range(0, len(clips), CHUNK):
        power = librosa.feature.melspectrogram(
            y=clips[start : start + CHUNK],
            sr=int(stats["sample_rate"]),
            n_fft=int(stats["n_fft"]),
            hop_length=int(stats["hop_length"]),
            win_length=int(stats["win_length"]),
            n_mels=int(stats["n_mels"]),
            fmin=float(stats["fmin"]),
            fmax=float(stats["fmax"]),
            power=2.0,
        )
        out[start : start + CHUNK] = to_db(power)
    return out


def to_db(power: np.ndarray) -> np.ndarray:
    """Decibels relative to each clip's loudest bin, floored at ``-TOP_DB``, ``(N, M, T)``.

    librosa's ``power_to_db(ref=np.max, top_db=80)``, clip by clip rather than over the batch: a
    clip's recording level (FSDD's speakers differ by 16 dB on average) no longer shifts its
    features, and zero padding sits at the floor, like the quietest sound. With one FSDD speaker
    held out this lifted the deep CNN from 81.0% to 88.8% (seed 0, mask augmentation) and
    logistic regression on MFCC statistics from 65.0% to 70.1%, against absolute decibels.
    """
    import librosa

    out = np.full(power.shape, -TOP_DB, dtype=np.float32)  # a silent clip: the floor throughout
    for i, clip in enumerate(power):
        if clip.max() > AMIN:
            out[i] = librosa.power_to_db(clip, ref=np.max, amin=AMIN, top_db=TOP_DB)
    return out


def mfcc_frames(waves: Any, stats: Stats) -> np.ndarray:
    """MFCCs (type-II DCT of the log-mel frames), ``(N, n_mfcc, frames)``, unstandardised."""
    import librosa

    db = log_mel(waves, stats)
    return np.asarray(librosa.feature.mfcc(S=db, n_mfcc=int(stats["n_mfcc"])), dtype=np.float32)


def clip_frames(waves: Any, stats: Stats, n_frames: int) -> np.ndarray:
    """Which frames belong to each clip rather than to its padding, ``(N, 1, n_frames)``.

    Frame t is centred on sample t * hop: it belongs to the clip when that sample does (a clip
    shorter than one hop still has its first frame)."""
    lengths = np.array([min(len(w), int(stats["length"])) for w in waves], dtype=np.int64)
    last = np.maximum((lengths - 1) // int(stats["hop_length"]), 0)  # (N,)
    return (np.arange(n_frames)[None, :] <= last[:, None])[:, None, :]


def utterance_normalised(values: np.ndarray, waves: Any, stats: Stats) -> np.ndarray:
    """CMVN: each row of each clip (``(N, K, T)``: mel bands or MFCCs over frames) minus its
    mean and over its standard deviation (at least :data:`STD_FLOOR`) across the clip's own
    frames; padding frames take the same shift and scale.

    Example:
        >>> stats = {"length": 400, "hop_length": 80}
        >>> x = np.array([[[1.0, 3.0, 5.0, 7.0, 9.0, 0.0]]], dtype=np.float32)
        >>> print(utterance_normalised(x, [np.zeros(400)], stats).round(2))
        [[[-1.41 -0.71  0.    0.71  1.41 -1.77]]]
    """
    inside = clip_frames(waves, stats, values.shape[2])  # (N, 1, T)
    count = inside.sum(axis=2, keepdims=True)  # (N, 1, 1)
    mean = np.where(inside, values, 0.0).sum(axis=2, keepdims=True) / count  # (N, K, 1)
    var = np.where(inside, (values - mean) ** 2, 0.0).sum(axis=2, keepdims=True) / count
    std = np.maximum(np.sqrt(var), STD_FLOOR)
    return np.asarray((values - mean) / std, dtype=np.float32)


def _normalised(values: np.ndarray, waves: Any, stats: Stats) -> np.ndarray:
    """*values* after the per-clip normalisation the fitted *stats* name (none before it
    existed: older run folders predict as they were trained)."""
    if stats.get("normalize", "none") == "utterance":
        return utterance_normalised(values, waves, stats)
    return values


def _band_stats(values: np.ndarray) -> Stats:
    """Mean and standard deviation of each row (band or coefficient) over examples and frames."""
    return {
        "mean": values.mean(axis=(0, 2)).tolist(),
        "std": (values.std(axis=(0, 2)) + EPS).tolist(),
    }


def _standardise(values: np.ndarray, stats: Stats) -> np.ndarray:
    mean = np.asarray(stats["mean"], dtype=np.float32)[None, :, None]
    std = np.asarray(stats["std"], dtype=np.float32)[None, :, None]
    return np.asarray((values - mean) / std, dtype=np.float32)


# logmel -----------------------------------------------------------------------------------


def fit_logmel(part: Dataset, options: FeatureConfig) -> Stats:
    stats = {**_fit_settings(part, options), "normalize": options.normalize}
    return {**stats, **_band_stats(_normalised(log_mel(part.inputs, stats), part.inputs, stats))}


def transform_logmel(waves: Any, stats: Stats) -> np.ndarray:
    values = _normalised(log_mel(waves, stats), waves, stats)
    return _standardise(values, stats)[:, None]  # (N, 1, n_mels, frames)


def logmel_spec(stats: Stats, n_outputs: int, task: str) -> InputSpec:
    return InputSpec("image", (1, int(stats["n_mels"]), frames(stats)), n_outputs, task)


# mfcc -------------------------------------------------------------------------------------


def fit_mfcc(part: Dataset, options: FeatureConfig) -> Stats:
    stats = {
        **_fit_settings(part, options),
        "n_mfcc": options.n_mfcc,
        "normalize": options.normalize,
    }
    if options.n_mfcc > options.n_mels:
        raise ConfigError(
            f"n_mfcc={options.n_mfcc} exceeds n_mels={options.n_mels}: MFCCs are computed "
            "from the mel bands; lower n_mfcc or raise n_mels"
        )
    values = _normalised(mfcc_frames(part.inputs, stats), part.inputs, stats)
    return {**stats, **_band_stats(values)}


def transform_mfcc(waves: Any, stats: Stats) -> np.ndarray:
    values = _normalised(mfcc_frames(waves, stats), waves, stats)
    return _standardise(values, stats)  # (N, n_mfcc, frames)


def mfcc_spec(stats: Stats, n_outputs: int, task: str) -> InputSpec:
    return InputSpec("sequence", (int(stats["n_mfcc"]), frames(stats)), n_outputs, task)


# mfcc-stats -------------------------------------------------------------------------------


def summary_stats(waves: Any, stats: Stats) -> np.ndarray:
    """Per coefficient: mean, std, min and max of the MFCCs and mean and std of their deltas,
    over the frames of each clip (padding excluded), ``(N, 6 * n_mfcc)``, unstandardised."""
    import librosa

    coefficients = mfcc_frames(waves, stats)  # (N, K, T)
    n_frames = coefficients.shape[2]
    mask = clip_frames(waves, stats, n_frames)  # (N, 1, T)
    last = mask.sum(axis=(1, 2)) - 1  # (N,): the clip's last frame
    steps = np.arange(n_frames)[None, :]  # (1, T)
    # Deltas of the clip alone: the padding's frames repeat the clip's last frame, so the
    # jump into the silent floor never shows as a slope.
    held = np.take_along_axis(coefficients, np.minimum(steps, last[:, None])[:, None, :], axis=2)
    width = min(9, n_frames - (n_frames % 2 == 0))  # odd, and at most the frames there are
    deltas = librosa.feature.delta(held, width=width) if width >= 3 else np.zeros_like(held)
    count = mask.sum(axis=2)  # (N, 1)

    def mean_std(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        mean = np.where(mask, x, 0.0).sum(axis=2) / count
        var = np.where(mask, (x - mean[:, :, None]) ** 2, 0.0).sum(axis=2) / count
        return mean, np.sqrt(var)

    mean, std = mean_std(coefficients)
    delta_mean, delta_std = mean_std(deltas)
    low = np.where(mask, coefficients, np.inf).min(axis=2)
    high = np.where(mask, coefficients, -np.inf).max(axis=2)
    return np.concatenate([mean, std, low, high, delta_mean, delta_std], axis=1).astype(np.float32)


def fit_mfcc_stats(part: Dataset, options: FeatureConfig) -> Stats:
    stats = {**_fit_settings(part, options), "n_mfcc": options.n_mfcc}
    features = summary_stats(part.inputs, stats)
    stats["feature_mean"] = features.mean(axis=0).tolist()
    stats["feature_std"] = (features.std(axis=0) + EPS).tolist()
    stats["features"] = [f"mfcc{k}_{s}" for s in STATS for k in range(options.n_mfcc)]
    return stats


def transform_mfcc_stats(waves: Any, stats: Stats) -> np.ndarray:
    mean = np.asarray(stats["feature_mean"], dtype=np.float32)
    std = np.asarray(stats["feature_std"], dtype=np.float32)
    return np.asarray((summary_stats(waves, stats) - mean) / std, dtype=np.float32)


def mfcc_stats_spec(stats: Stats, n_outputs: int, task: str) -> InputSpec:
    return InputSpec("vector", (len(stats["features"]),), n_outputs, task)


register_features(
    Features(
        "logmel",
        ("audio",),
        "image",
        fit_logmel,
        transform_logmel,
        logmel_spec,
        "log-mel spectrogram, bands standardised, (1, n_mels, frames)",
        model_defaults={"cnn": {"deep": DEEP_CNN}},
        train_defaults=TRAIN_DEFAULTS,
    ),
    defaults={"audio": {"*": "logmel", "cnn": "logmel", "linear": "logmel", "mlp": "logmel"}},
)
register_features(
    Features(
        "mfcc",
        ("audio",),
        "sequence",
        fit_mfcc,
        transform_mfcc,
        mfcc_spec,
        "MFCC frames, coefficients standardised, (n_mfcc, frames)",
    ),
    defaults={"audio": {"rnn": "mfcc"}},
)
register_features(
    Features(
        "mfcc-stats",
        ("audio",),
        "vector",
        fit_mfcc_stats,
        transform_mfcc_stats,
        mfcc_stats_spec,
        "MFCC and delta summary statistics per coefficient, standardised, (6 * n_mfcc,)",
        engineered=True,
    ),
    defaults={"audio": {"baseline": "mfcc-stats"}},
)
