"""Which feature pipeline a model gets: the models layer knows which ids are classical baselines
and which data each network family is made for; the features layer knows the pipelines."""

from __future__ import annotations

from depthlab.errors import ConfigError
from depthlab.features.registry import Features, pipeline_for
from depthlab.models.base import MODELS, list_families
from depthlab.models.baselines import is_baseline


def resolve_features(modality: str, family: str | None, requested: str | None = None) -> Features:
    """The pipeline for *family* on *modality* data: *requested* when given (it must serve the
    modality), else the modality's default for that family.

    Example:
        >>> resolve_features("image", "cnn").name
        'image'
    """
    if family and not is_baseline(family):
        list_families()  # imports, and so registers, the families
        made_for = MODELS[family].modalities if family in MODELS else ()
        if made_for and modality not in made_for:
            raise ConfigError(
                f"model '{family}' is made for {', '.join(made_for)} data, not {modality}"
            )
    return pipeline_for(
        modality, "baseline" if family and is_baseline(family) else family, requested
    )
