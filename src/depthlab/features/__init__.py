"""Feature pipelines: from a dataset's raw inputs to model-ready arrays (see :mod:`.registry`)."""

from depthlab.features.registry import (
    Features,
    get_features,
    list_features,
    register_features,
    resolve_features,
    supported_modalities,
)

__all__ = [
    "Features",
    "get_features",
    "list_features",
    "register_features",
    "resolve_features",
    "supported_modalities",
]
