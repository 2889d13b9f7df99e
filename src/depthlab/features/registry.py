"""Registry of feature pipelines: how a dataset's raw inputs become the arrays a model takes.

A pipeline is named by a string id (``table``, ``standard``, ``waveform``, ``logmel``...), serves
some modalities and yields one input kind. ``fit`` sees the training examples only and returns
plain JSON statistics; ``transform`` applies them to any inputs of the modality and never refits.
Which pipeline a model gets by default depends on the modality and the model family (an audio CNN
reads log-mel spectrograms, an audio RNN MFCC frames, a classical baseline MFCC statistics).

Modules register their pipelines on import; the registry imports them on first use.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from depthlab.errors import ConfigError, closest

if TYPE_CHECKING:
    from depthlab.config import FeatureConfig
    from depthlab.data.dataset import Dataset
    from depthlab.features.spec import InputKind, InputSpec

Stats = dict[str, Any]


def _identity(ds: Dataset, options: FeatureConfig) -> Dataset:
    return ds


@dataclass(frozen=True)
class Features:
    """One feature pipeline.

    ``fit(train_part, options) -> stats``; ``transform(inputs, stats) -> array`` (float32, or
    int64 for token and id inputs); ``spec(stats, n_outputs, task) -> InputSpec``; ``examples``
    turns a dataset into the examples models see before it is split (forecasting windows), and
    is the identity for every other pipeline; ``train_defaults`` are training settings that suit
    the pipeline's data (a small series wants small batches), over a family's own and under the
    user's; ``model_defaults`` (family -> preset -> options) are model options that suit its
    inputs (a 40 x 63 log-mel spectrogram wants a deep CNN that pools), over the preset's own
    and under the user's (:meth:`model_options`).
    """

    name: str
    modalities: tuple[str, ...]
    kind: InputKind
    fit: Callable[[Dataset, FeatureConfig], Stats]
    transform: Callable[[Any, Stats], np.ndarray]
    spec: Callable[[Stats, int, str], InputSpec]
    description: str
    examples: Callable[[Dataset, FeatureConfig], Dataset] = _identity
    # Hand-made features (MFCC statistics, TF-IDF): what the study's engineered-features claim
    # compares with networks that learn from the raw input.
    engineered: bool = False
    train_defaults: dict[str, Any] = field(default_factory=dict)
    model_defaults: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)

    def model_options(self, family: str, preset: str) -> dict[str, Any]:
        """The options this pipeline suggests for a *family* model of *preset* (often none)."""
        return dict(self.model_defaults.get(family, {}).get(preset, {}))


FEATURES: dict[str, Features] = {}
# modality -> family (or "*" for any network, "baseline" for the classical models) -> features
DEFAULTS: dict[str, dict[str, str]] = {}
# The modules that register pipelines, imported on first use (a pipeline's heavy libraries are
# imported inside its functions, never here).
MODULES = ("table", "arrays", "text", "audio", "pairs", "series", "chars", "naive_bayes")


def register_features(
    features: Features, defaults: dict[str, dict[str, str]] | None = None
) -> None:
    """Add *features*; *defaults* maps modality -> family -> this pipeline's name."""
    FEATURES[features.name] = features
    for modality, families in (defaults or {}).items():
        DEFAULTS.setdefault(modality, {}).update(families)


def _load() -> None:
    for name in MODULES:
        importlib.import_module(f"depthlab.features.{name}")


def get_features(name: str) -> Features:
    _load()
    try:
        return FEATURES[name]
    except KeyError:
        raise ConfigError(
            f"unknown features '{name}'.{closest(name, FEATURES)} Features: {', '.join(FEATURES)}"
        ) from None


def list_features(modality: str | None = None) -> list[Features]:
    _load()
    return [f for f in FEATURES.values() if modality is None or modality in f.modalities]


def supported_modalities() -> list[str]:
    _load()
    return sorted({m for f in FEATURES.values() for m in f.modalities})


def pipeline_for(modality: str, key: str | None, requested: str | None = None) -> Features:
    """The pipeline for a model of kind *key* (a family id, or ``baseline`` for the classical
    models) on *modality* data: *requested* when given (it must serve the modality), else the
    modality's default for that kind. Which kind a model id is, and which data a family is made
    for, the models layer knows: :func:`depthlab.models.pipelines.resolve_features`."""
    _load()
    if requested:
        chosen = get_features(requested)
        if modality not in chosen.modalities:
            fitting = [f.name for f in list_features(modality)]
            raise ConfigError(
                f"features '{requested}' are for {', '.join(chosen.modalities)} data, not "
                f"{modality}; features for {modality}: {', '.join(fitting) or 'none'}"
            )
        return chosen
    defaults = DEFAULTS.get(modality)
    if not defaults:
        raise ConfigError(
            f"depthlab cannot train on {modality} data yet; supported: "
            f"{', '.join(supported_modalities())}"
        )
    name = defaults.get(key or "*") or defaults.get("*") or next(iter(defaults.values()))
    return FEATURES[name]
