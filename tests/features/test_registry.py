"""The feature registry: defaults by modality and family, and clear errors for wrong choices."""

from __future__ import annotations

import numpy as np
import pytest

from depthlab.data.dataset import Dataset
from depthlab.errors import ConfigError
from depthlab.features import get_features, list_features
from depthlab.models.pipelines import resolve_features
from depthlab.training.preprocess import Preprocessor


def test_each_modality_has_a_default_pipeline_for_networks_and_baselines() -> None:
    assert resolve_features("tabular", "mlp").name == "table"
    assert resolve_features("image", "cnn").name == "image"
    assert resolve_features("sequence", "logistic").name == "sequence"


def test_a_pipeline_of_another_modality_is_refused_with_the_valid_ones() -> None:
    with pytest.raises(
        ConfigError, match="features 'image' are for image data, not tabular"
    ) as err:
        resolve_features("tabular", "mlp", "image")
    assert "features for tabular: table" in str(err.value)


def test_an_unknown_pipeline_suggests_the_closest() -> None:
    with pytest.raises(ConfigError, match=r"unknown features 'tabel'\. Did you mean 'table'"):
        get_features("tabel")


def test_every_pipeline_describes_itself() -> None:
    for features in list_features():
        assert features.description and features.modalities


def test_old_run_files_without_a_pipeline_name_still_load() -> None:
    ds = Dataset(
        "s",
        "sequence",
        "classification",
        np.ones((4, 1, 3), np.float32),
        np.array([0, 1, 0, 1]),
        ("a", "b"),
    )
    prep = Preprocessor.fit(ds, np.arange(4))
    raw = prep.to_dict()
    del raw["features"]
    again = Preprocessor.from_dict(raw)
    assert again.features == "sequence"
    np.testing.assert_array_equal(again.transform(ds.inputs), prep.transform(ds.inputs))
