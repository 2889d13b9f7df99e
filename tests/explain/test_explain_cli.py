"""``depthlab explain`` and ``dl.explain``: a run folder explained on its test examples, the
pictures that fit its data, faithfulness and stability written, the fallback notice, and
one-line errors."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import depthlab as dl
from depthlab.data.dataset import Dataset

pytest.importorskip("captum")

FAST = {"epochs": 15}


@pytest.fixture(scope="module")
def iris_runs(tmp_path_factory: pytest.TempPathFactory, mirror: Path) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("runs")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DEPTHLAB_DATA_DIR", str(mirror))
        patch.setenv("DEPTHLAB_OFFLINE", "1")
        for seed in (0, 1):
            dl.train(
                "iris", dl.TrainSpec(model="mlp", train=FAST), out=folder / f"mlp{seed}", seed=seed
            )
    return folder / "mlp0", folder / "mlp1"


def test_explain_writes_pictures_and_numbers(
    cli: Callable[..., Any], iris_runs: tuple[Path, Path], tmp_path: Path
) -> None:
    first, second = iris_runs
    out = tmp_path / "ig"
    result = cli("explain", str(first), "--compare", str(second), "--out", str(out), "-n", "12")
    assert result.code == 0, result.err
    assert "faithfulness" in result.out and "stability" in result.out
    summary = json.loads((out / "explanation.json").read_text())
    assert summary["method"] == "integrated-gradients" and summary["samples"] == 12
    assert summary["faithfulness"]["faithfulness"] > 0
    assert 0 < summary["stability"]["mean"] <= 1
    arrays = np.load(out / "attributions.npz")
    assert arrays["attributions"].shape == arrays["inputs"].shape == (12, 4)
    assert (out / "attributions.png").stat().st_size > 1000  # the feature bar chart
    assert (out / "weights.png").stat().st_size > 1000  # a shallow MLP's first layer


def test_default_folder_is_inside_the_run(
    cli: Callable[..., Any], iris_runs: tuple[Path, Path]
) -> None:
    result = cli("explain", str(iris_runs[0]), "--method", "occlusion", "--json")
    assert result.code == 0, result.err
    assert json.loads(result.out)["method"] == "occlusion"
    assert (iris_runs[0] / "explain" / "occlusion" / "explanation.json").is_file()


def test_a_baseline_asked_for_gradients_gets_permutation_with_a_notice(
    cli: Callable[..., Any], tmp_path: Path
) -> None:
    dl.train("iris", dl.TrainSpec(model="logistic"), out=tmp_path / "logistic")
    result = cli("explain", str(tmp_path / "logistic"), "--method", "saliency", "-n", "16")
    assert result.code == 0, result.err
    assert "no gradients" in result.err and "permutation" in result.err
    assert result.out.startswith("permutation on 16 test examples")


def test_bad_input_is_one_line(
    cli: Callable[..., Any], iris_runs: tuple[Path, Path], tmp_path: Path
) -> None:
    unknown = cli("explain", str(iris_runs[0]), "--method", "gradcam")
    assert unknown.code == 2 and "unknown explanation method 'gradcam'" in unknown.err
    assert len(unknown.err.strip().splitlines()) == 1
    missing = cli("explain", str(tmp_path))
    assert missing.code == 2 and "not a depthlab run folder" in missing.err
    few = cli("explain", str(iris_runs[0]), "--samples", "0")
    assert few.code == 2 and "--samples" in few.err


def test_a_sequence_gets_a_heat_map_and_a_linear_model_its_weights(tmp_path: Path) -> None:
    run = dl.train(
        "mnist1d", dl.TrainSpec(model="linear", train={"epochs": 1}), out=tmp_path / "linear"
    )
    result = dl.explain(run, method="saliency", samples=8)
    assert result.attributions.shape == (8, 1, 40)
    folder = tmp_path / "linear" / "explain" / "saliency"
    assert (folder / "attributions.png").is_file() and (folder / "weights.png").is_file()


def test_text_tokens_are_highlighted(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    words = ["good", "bad", "movie", "plot", "the", "actors", "was", "very"]
    texts, labels = [], []
    for _ in range(120):
        label = int(rng.integers(2))
        filler = list(rng.choice(words[2:], size=4))
        texts.append(" ".join([*filler[:2], "good" if label else "bad", *filler[2:]]))
        labels.append(label)
    ds = Dataset("toy", "text", "classification", texts, np.array(labels), ("neg", "pos"))
    run = dl.train(ds, dl.TrainSpec(model="mlp", train={"epochs": 30}), out=tmp_path / "text")
    result = dl.explain(run, data=ds, samples=10)
    assert result.attributions.shape == result.inputs.shape  # one score per token
    page = (tmp_path / "text" / "explain" / "integrated-gradients" / "tokens.html").read_text()
    assert "<span" in page and ("good" in page or "bad" in page)
    # the one word that decides carries the largest score of its text
    vocab = ["<pad>", "<unk>", *run.preprocessor.stats["vocab"]]
    top = [
        vocab[ids[np.abs(a).argmax()]]
        for ids, a in zip(result.inputs, result.attributions, strict=True)
    ]
    assert sum(word in ("good", "bad") for word in top) >= 8
    with pytest.raises(dl.ConfigError, match="data=ds"):
        dl.explain(run, samples=4)
