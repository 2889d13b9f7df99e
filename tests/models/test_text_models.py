"""Networks on text: the embedding front of linear / mlp / cnn / rnn, padding that never changes a
prediction, learning the Sentiment Labelled Sentences above chance, and run folders that
predict the same after loading; the ``encoder`` head over sentence embeddings."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

import depthlab as dl
from depthlab.data.dataset import Dataset
from depthlab.data.load import load_dataset
from depthlab.features.registry import get_features
from depthlab.features.spec import InputSpec
from depthlab.models.base import build_model
from depthlab.models.text import masked_pool
from depthlab.training.run import Run

SPEC = InputSpec("tokens", (6,), n_outputs=2, task="classification", vocab_size=30)
NETWORKS = [
    ("linear", "shallow", {}),
    ("mlp", "shallow", {}),
    ("mlp", "deep", {}),
    ("cnn", "deep", get_features("tokens").model_options("cnn", "deep")),
    ("cnn", "shallow", {"pool": "max", "norm": "batch", "head": "avg"}),  # pooling halves L
    ("rnn", "deep", {}),
    ("rnn", "shallow", {"cell": "lstm", "pooling": "last"}),
]


@pytest.fixture
def sentiment() -> Dataset:
    return load_dataset("sentiment")


def test_masked_pooling_leaves_padding_out() -> None:
    x = torch.tensor([[[1.0], [3.0], [100.0]], [[-2.0], [-4.0], [-100.0]]])  # (B, L, 1)
    mask = torch.tensor([[True, True, False], [True, False, False]])
    assert masked_pool(x, mask, "mean", dim=1).flatten().tolist() == [2.0, -2.0]
    assert masked_pool(x, mask, "max", dim=1).flatten().tolist() == [3.0, -2.0]
    empty = torch.zeros(1, 3, dtype=torch.bool)
    assert masked_pool(x[:1], empty, "max", dim=1).tolist() == [[0.0]]


@pytest.mark.parametrize(("family", "preset", "options"), NETWORKS)
def test_padding_never_changes_a_prediction(
    family: str, preset: str, options: dict[str, object]
) -> None:
    torch.manual_seed(0)
    model = build_model(family, SPEC, preset, **options).eval()
    texts = torch.tensor([[5, 9, 2, 17, 0, 0], [3, 0, 0, 0, 0, 0], [4, 8, 15, 16, 23, 29]])
    longer = torch.cat([texts, torch.zeros(3, 10, dtype=torch.long)], dim=1)  # (3, 16)
    with torch.no_grad():
        out = model(texts)
        torch.testing.assert_close(model(longer), out, rtol=1e-5, atol=1e-6)
        torch.testing.assert_close(model(texts[1:2]), out[1:2], rtol=1e-5, atol=1e-6)
        reps = model.representations(texts)
    assert len(reps) == model.depth()
    assert all(r.shape[0] == 3 and r.dim() == 2 for r in reps)


@pytest.mark.parametrize("family", ["linear", "mlp", "cnn", "rnn"])
def test_token_models_learn_sentiment(sentiment: Dataset, family: str) -> None:
    run = dl.train(sentiment, dl.TrainSpec(model=family, preset="shallow", train={"epochs": 6}))
    assert run.preprocessor.features == "tokens"
    assert run.model.spec.kind == "tokens"  # type: ignore[union-attr]
    assert run.metrics["test"]["accuracy"] >= 0.70  # chance is 0.5 (balanced classes)


def test_a_text_run_folder_predicts_the_same_after_loading(
    sentiment: Dataset, tmp_path: Path
) -> None:
    folder = tmp_path / "run"
    run = dl.train(
        sentiment, dl.TrainSpec(model="cnn", preset="deep", train={"epochs": 2}), out=folder
    )
    saved = json.loads((folder / "run.json").read_text())
    assert saved["preprocess"]["features"] == "tokens"
    assert saved["model"]["options"]["head"] == "max"  # the text CNN preset
    assert saved["train"]["lr"] == 0.01
    texts = ["An excellent phone, I love it", "Broken and useless", "zyxxy qwerty"]
    loaded = Run.load(folder)
    np.testing.assert_allclose(loaded.predict_proba(texts), run.predict_proba(texts), atol=1e-6)


def test_the_vocabulary_options_reach_the_run(sentiment: Dataset) -> None:
    run = dl.train(
        sentiment,
        dl.TrainSpec(
            model="linear", features={"min_freq": 5, "max_tokens": 12}, train={"epochs": 1}
        ),
    )
    stats = run.preprocessor.stats
    assert stats["length"] == 12 and run.model.spec.shape == (12,)  # type: ignore[union-attr]
    assert 100 < len(stats["vocab"]) < 600  # only words seen 5 times or more


@pytest.mark.slow
def test_the_encoder_head_learns_from_few_examples(sentiment: Dataset, tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    few = sentiment.subset(np.sort(rng.choice(len(sentiment), 300, replace=False)))
    run = dl.train(few, dl.TrainSpec(model="encoder", preset="deep"), out=tmp_path / "run")
    assert run.preprocessor.features == "encoder"
    assert run.preprocessor.stats["encoder"] == "all-MiniLM-L6-v2"
    assert run.model.depth() == 1  # type: ignore[union-attr]
    assert run.metrics["test"]["accuracy"] >= 0.75  # 210 training sentences
    texts = ["An excellent phone, I love it", "Broken and useless"]
    loaded = Run.load(tmp_path / "run")
    assert loaded.predict(texts).tolist() == [1, 0]
    np.testing.assert_allclose(loaded.predict_proba(texts), run.predict_proba(texts), atol=1e-6)
