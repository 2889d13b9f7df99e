"""Preprocessing fitted on training rows only, for every modality a network trains on."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from depthlab.data.dataset import Dataset
from depthlab.errors import DataError
from depthlab.training.preprocess import Preprocessor

TRAIN = np.arange(6)
HELD_OUT = np.arange(6, 8)


def table() -> Dataset:
    frame = pd.DataFrame(
        {
            # Held-out rows are far off: if they leaked into the statistics, the mean would move.
            "size": [1.0, 2.0, 3.0, np.nan, 5.0, 7.0, 1000.0, 2000.0],
            "colour": pd.Categorical(["red", "blue", "red", "blue", None, "red", "green", "green"]),
        }
    )
    return Dataset(
        "houses",
        "tabular",
        "regression",
        frame,
        np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 100.0, 200.0]),
        feature_names=("size", "colour"),
    )


def test_tabular_standardises_with_training_rows_only() -> None:
    ds = table()
    prep = Preprocessor.fit(ds, TRAIN)
    seen = np.array([1.0, 2.0, 3.0, 5.0, 7.0])  # the training rows' sizes, NaN left out
    mean, std = prep.stats["numeric"]["size"]
    assert mean == pytest.approx(seen.mean())
    assert std == pytest.approx(seen.std(), rel=1e-6)
    x = prep.transform(ds.subset(TRAIN).inputs)
    assert x.dtype == np.float32
    assert prep.stats["features"] == ["size", "colour=blue", "colour=red"]
    size = x[:, 0]
    present = ~np.isnan(ds.inputs["size"].to_numpy()[TRAIN])
    assert size[present].mean() == pytest.approx(0.0, abs=1e-6)
    assert size[present].std() == pytest.approx(1.0, abs=1e-5)
    assert size[3] == 0.0  # missing -> 0 after standardising, i.e. the training mean
    assert not np.isnan(x).any()


def test_one_hot_over_training_levels_and_unseen_levels_are_zeros() -> None:
    ds = table()
    prep = Preprocessor.fit(ds, TRAIN)
    # 'green' is a level of the column's dtype but appears only in held-out rows.
    assert prep.stats["categorical"]["colour"] == ["blue", "red"]
    x = prep.transform(ds.inputs)
    assert x.shape == (8, 3)
    np.testing.assert_array_equal(x[:3, 1:], [[0, 1], [1, 0], [0, 1]])
    np.testing.assert_array_equal(x[4, 1:], [0, 0])  # missing category
    np.testing.assert_array_equal(x[6:, 1:], [[0, 0], [0, 0]])  # unseen in training
    new = pd.DataFrame({"size": [3.0, None], "colour": ["purple", "blue"]})
    np.testing.assert_array_equal(prep.transform(new)[:, 1:], [[0, 0], [1, 0]])


def test_a_missing_column_lists_the_expected_columns() -> None:
    prep = Preprocessor.fit(table(), TRAIN)
    with pytest.raises(DataError, match=r"lack column\(s\) \['colour'\]") as err:
        prep.transform(pd.DataFrame({"size": [1.0]}))
    assert "expected columns: ['size', 'colour']" in str(err.value)
    with pytest.raises(DataError, match="column 'size' must be numeric"):
        prep.transform(pd.DataFrame({"size": ["big"], "colour": ["red"]}))


@pytest.mark.parametrize("shape", [(3, 5), (2, 4, 3)], ids=["sequence", "image"])
def test_arrays_are_standardised_per_channel(shape: tuple[int, ...]) -> None:
    rng = np.random.default_rng(0)
    n = 40
    channels = shape[0]
    view = (1, channels) + (1,) * (len(shape) - 1)
    centres = np.arange(channels).reshape(view) * 10.0
    scales = (np.arange(channels) + 1.0).reshape(view)
    inputs = (rng.normal(size=(n, *shape)) * scales + centres).astype(np.float32)
    inputs[30:] += 500.0  # held-out rows must not move the statistics
    modality = "sequence" if len(shape) == 2 else "image"
    ds = Dataset("arrays", modality, "classification", inputs, np.arange(n) % 2, ("a", "b"))
    train = np.arange(30)
    prep = Preprocessor.fit(ds, train)
    axes = (0, *range(2, inputs.ndim))
    np.testing.assert_allclose(prep.stats["mean"], inputs[train].mean(axis=axes), rtol=1e-5)
    x = prep.transform(inputs[train])
    assert x.shape == (30, *shape) and x.dtype == np.float32
    np.testing.assert_allclose(x.mean(axis=axes), 0.0, atol=1e-4)
    np.testing.assert_allclose(x.std(axis=axes), 1.0, atol=1e-4)
    spec = prep.input_spec(2)
    assert spec.shape == shape and spec.kind == modality
    with pytest.raises(DataError, match="the model expects"):
        prep.transform(inputs[:, :1])


def test_audio_is_padded_or_cropped_to_the_95th_percentile_length() -> None:
    rng = np.random.default_rng(0)
    lengths = list(range(10, 110, 5))  # 20 training waves, 10..105 samples
    waves = [rng.uniform(-0.5, 0.5, size=n).astype(np.float32) for n in lengths]
    waves.append(np.ones(1000, dtype=np.float32))  # held out, and much longer
    ds = Dataset("beeps", "audio", "classification", waves, np.arange(21) % 2, ("a", "b"))
    train = np.arange(20)
    prep = Preprocessor.fit(ds, train, options={"features": "waveform"})
    length = int(np.percentile(lengths, 95))
    assert prep.stats["length"] == length
    scale = float(np.std(np.concatenate(waves[:20])))
    assert prep.stats["scale"] == pytest.approx(scale, rel=1e-5)
    x = prep.transform(waves)
    assert x.shape == (21, 1, length)
    np.testing.assert_allclose(x[0, 0, :10], waves[0] / prep.stats["scale"], rtol=1e-6)
    assert not x[0, 0, 10:].any()  # zero padding
    np.testing.assert_allclose(x[19, 0], waves[19][:length] / prep.stats["scale"], rtol=1e-6)
    assert prep.input_spec(2).shape == (1, length)


def test_regression_targets_are_scaled_and_mapped_back() -> None:
    ds = table()
    prep = Preprocessor.fit(ds, TRAIN)
    assert prep.stats["target_mean"] == pytest.approx(3.5)  # training rows only
    scaled = prep.transform_targets(ds.targets)
    assert scaled.dtype == np.float32
    assert scaled[TRAIN].mean() == pytest.approx(0.0, abs=1e-6)
    assert scaled[TRAIN].std() == pytest.approx(1.0, abs=1e-5)
    np.testing.assert_allclose(prep.inverse_targets(scaled), ds.targets, rtol=1e-5)
    classes = Dataset("c", "tabular", "classification", ds.inputs, np.arange(8) % 2, ("a", "b"))
    cprep = Preprocessor.fit(classes, TRAIN)
    assert "target_mean" not in cprep.stats
    assert cprep.transform_targets(classes.targets).dtype == np.int64


def test_to_dict_round_trips_through_json() -> None:
    ds = table()
    prep = Preprocessor.fit(ds, TRAIN)
    again = Preprocessor.from_dict(json.loads(json.dumps(prep.to_dict())))
    assert again == prep
    np.testing.assert_array_equal(again.transform(ds.inputs), prep.transform(ds.inputs))
    assert again.input_spec(1) == prep.input_spec(1)
