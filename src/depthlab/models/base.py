"""The contract every network family follows, and the registry that resolves families by name.

A family is a ``torch.nn.Module`` subclass of :class:`DepthModel` with a pydantic ``Config`` of
hyperparameters, ``presets`` (at least ``shallow`` and ``deep``) and the input kinds it ``fits``.
``get_config`` / ``from_config`` round-trip a built model through plain JSON.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

import torch
from pydantic import BaseModel, ConfigDict
from torch import nn

from depthlab.config_io import parse_config
from depthlab.errors import ConfigError, closest
from depthlab.features.spec import InputKind, InputSpec


class FamilyConfig(BaseModel):
    """Base of every family's hyperparameters: unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True)


@dataclass(frozen=True)
class Sized:
    """A preset sized to the data: model options and training settings (the lowest layer of
    :func:`depthlab.training.spec.resolve`)."""

    options: dict[str, Any] = field(default_factory=dict)
    train: dict[str, Any] = field(default_factory=dict)


class DepthModel(nn.Module):
    family: ClassVar[str]
    fits: ClassVar[tuple[InputKind, ...]]
    Config: ClassVar[type[FamilyConfig]]
    presets: ClassVar[dict[str, dict[str, Any]]]
    # Training defaults that suit a preset (epochs, learning rate...); TrainConfig fills the rest.
    train_presets: ClassVar[dict[str, dict[str, Any]]] = {}
    # The data modalities a family is made for (the encoder's head: text); empty: any data whose
    # features give an input kind it fits.
    modalities: ClassVar[tuple[str, ...]] = ()

    def __init__(self, spec: InputSpec, config: FamilyConfig) -> None:
        super().__init__()
        self.spec = spec
        self.config = config

    @classmethod
    def sized(cls, preset: str, spec: InputSpec | None = None, n_train: int | None = None) -> Sized:
        """*preset* sized to inputs *spec* and *n_train* training examples: a family with a
        sizing rule derives its shape, regularisation and budget from them; otherwise (or with
        neither given) the preset as written, ``presets`` and ``train_presets``."""
        return Sized(dict(cls.presets[preset]), dict(cls.train_presets.get(preset, {})))

    def depth(self) -> int:
        """Hidden layers (convolutional or recurrent layers count as one each)."""
        return 0

    def pretrained_names(self) -> set[str]:
        """State-dict names of the part that comes pretrained with the model itself (a
        fine-tuned sentence encoder's transformer), trained at ``fine_tune_lr``; none by
        default."""
        return set()

    def representations(self, x: torch.Tensor) -> list[torch.Tensor]:
        """Every hidden layer's output on a batch *x*, each flattened to ``(B, features)`` (feature
        maps average-pooled to a few positions first): what a linear probe reads."""
        return []

    def get_config(self) -> dict[str, Any]:
        """Everything needed to build this model again, as JSON-able values."""
        return {
            "family": self.family,
            "input": self.spec.to_dict(),
            "options": self.config.model_dump(mode="json"),
        }

    @staticmethod
    def from_config(config: dict[str, Any]) -> DepthModel:
        """Rebuild a model (freshly initialised) from :meth:`get_config`'s output."""
        family = get_family(config["family"])
        spec = InputSpec.from_dict(config["input"])
        return family(spec, parse_config(family.Config, dict(config["options"])))


MODELS: dict[str, type[DepthModel]] = {}


def register_model(cls: type[DepthModel]) -> type[DepthModel]:
    """Class decorator adding a family to the registry under ``cls.family``."""
    missing = {"shallow", "deep"} - set(cls.presets)
    if missing:
        raise TypeError(f"{cls.__name__} lacks presets {sorted(missing)}")
    MODELS[cls.family] = cls
    return cls


LADDER = ("linear", "mlp", "cnn", "rnn", "mf", "ncf", "encoder")  # from no hidden layer to
# recurrence; then the recommenders on (user, item) pairs: factorisation (shallow), neural CF
# (deep); then the head over a pretrained sentence encoder (text)


def _load_families() -> None:
    """Import the family modules (which registers them), in the order of the ladder."""
    import importlib

    for name in LADDER:
        importlib.import_module(f"depthlab.models.{name}")


def list_families() -> list[str]:
    """The registered model families, from the shallowest (``linear``) up."""
    _load_families()
    # In the ladder's order, whichever family module was imported first; others after them.
    return sorted(MODELS, key=lambda name: LADDER.index(name) if name in LADDER else len(LADDER))


def get_family(name: str) -> type[DepthModel]:
    _load_families()
    try:
        return MODELS[name]
    except KeyError:
        from depthlab.models.baselines import BASELINES

        every = [*MODELS, *BASELINES]
        raise ConfigError(
            f"unknown model '{name}'.{closest(name, every)} Networks: {', '.join(MODELS)}; "
            f"baselines: {', '.join(BASELINES)}"
        ) from None


def families_for(kind: str) -> list[str]:
    return [name for name in list_families() if kind in MODELS[name].fits]


def check_preset(cls: type[DepthModel], preset: str) -> None:
    """A ConfigError naming the family's presets when *preset* is not one of them."""
    if preset not in cls.presets:
        raise ConfigError(
            f"unknown preset '{preset}' for '{cls.family}'.{closest(preset, cls.presets)} "
            f"Presets: {', '.join(cls.presets)}"
        )


def build_model(
    family: str, spec: InputSpec, preset: str = "shallow", **options: Any
) -> DepthModel:
    """A *family* network for inputs described by *spec*: *preset* values (sized to *spec*,
    :meth:`DepthModel.sized`), then *options* (a resolved spec's options also hold the preset
    sized to the number of training examples).

    Example:
        >>> spec = InputSpec("sequence", (1, 40), n_outputs=10, task="classification")
        >>> build_model("cnn", spec, "deep").family
        'cnn'
    """
    cls = get_family(family)
    if spec.kind not in cls.fits:
        raise ConfigError(
            f"model '{family}' does not fit {spec.kind} inputs; models that fit: "
            f"{', '.join(families_for(spec.kind))} (and the baselines)"
        )
    check_preset(cls, preset)
    config = parse_config(cls.Config, {**cls.sized(preset, spec).options, **options})
    return cls(spec, config)
