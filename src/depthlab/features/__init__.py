"""Feature pipelines: from a dataset's raw inputs to model-ready arrays (see :mod:`.registry`)."""

from depthlab.features.registry import (
    Features,
    get_features,
    list_features,
    pipeline_for,
    register_features,
    supported_modalities,
)

__all__ = [
    "Features",
    "get_features",
    "list_features",
    "pipeline_for",
    "register_features",
    "supported_modalities",
]
