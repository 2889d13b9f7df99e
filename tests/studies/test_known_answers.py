"""Known answers of the depth study, with --quick budgets (the MNIST-1D paper, Greydanus & Kobak):
convolutions win on MNIST-1D, their advantage vanishes once the positions are shuffled, and on
iris depth buys nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from depthlab.evaluate.stats import paired


def run_study(data: str, folder: Path, **config: Any) -> dict[str, Any]:
    from depthlab.depth_study import study

    return study(data, {"quick": True, **config}, out=folder, workers=2).summary


def final(summary: dict[str, Any], model: str) -> list[float]:
    return list(summary["scores"][model][-1]["values"])


@pytest.fixture(scope="module")
def mnist1d(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return run_study("mnist1d", tmp_path_factory.mktemp("mnist1d"))


def test_mnist1d_cnn_beats_the_mlps(mnist1d: dict[str, Any]) -> None:
    for mlp in ("mlp:shallow", "mlp:deep"):
        test = paired(final(mnist1d, "cnn:deep"), final(mnist1d, mlp))
        assert test["significant"] and test["diff"] > 0.15, (mlp, test)
    assert mnist1d["recommendation"]["model"] in ("cnn:deep", "rnn:shallow")
    assert not mnist1d["failures"]
    assert mnist1d["progress"]["done"] == mnist1d["progress"]["planned"]


def test_mnist1d_measurements_and_claims(mnist1d: dict[str, Any]) -> None:
    verdicts = {c["claim"]: c["verdict"] for c in mnist1d["claims"]}
    assert len(verdicts) == 11
    assert set(verdicts.values()) <= {"supported", "contradicted", "inconclusive"}
    # The CNN's later layers separate the digits far better than its input does.
    probes = mnist1d["probes"]["cnn:deep"]
    assert len(probes) == 5 and probes[-1]["mean"] > probes[0]["mean"] + 0.3
    assert verdicts["Linear models only capture linear relations"] == "supported"
    # The compute verdict rests on training times, which a busy machine blurs: no assertion on
    # it (tests never assert on wall time); the FLOPs behind it are deterministic.
    shallow = mnist1d["models"]["mlp:shallow"]["flops_per_example"]
    assert mnist1d["models"]["cnn:deep"]["flops_per_example"] > 10 * shallow
    assert (
        "not measured: no GPU" in mnist1d["claims"][4]["evidence"]
        or mnist1d["environment"]["gpu"] != "none"
    )
    facts = mnist1d["models"]["cnn:deep"]
    assert facts["depth"] == 4 and facts["parameters"] > 10_000 and facts["flops_per_example"] > 0
    assert set(mnist1d["robustness"]) >= {"logistic", "cnn:deep"}
    assert "cnn:deep" in mnist1d["pareto"]["train_time"]


def test_shuffled_mnist1d_takes_the_cnn_advantage_away(tmp_path: Path) -> None:
    summary = run_study(
        "mnist1d-shuffled", tmp_path, models=["mlp:shallow", "mlp:deep", "cnn:deep"], probes=False
    )
    best_mlp = max(("mlp:shallow", "mlp:deep"), key=lambda m: summary["scores"][m][-1]["mean"])
    test = paired(final(summary, "cnn:deep"), final(summary, best_mlp))
    assert not (test["significant"] and test["diff"] > 0), test


def test_iris_depth_brings_no_gain(tmp_path: Path) -> None:
    summary = run_study("iris", tmp_path)
    simple = ("logistic", "linear", "mlp:shallow")
    best_simple = max(simple, key=lambda m: summary["scores"][m][-1]["mean"])
    test = paired(final(summary, "mlp:deep"), final(summary, best_simple))
    assert not (test["significant"] and test["diff"] > 0), test
    # No simple model is shown worse than the best by the margin: depth buys nothing shown here.
    rec = summary["recommendation"]
    assert all(rec["comparisons"].get(m, {}).get("label") != "worse" for m in simple), rec
    assert (tmp_path / "report.html").is_file() and (tmp_path / "summary.json").is_file()


def test_a_regression_study_ranks_by_r2(tmp_path: Path) -> None:
    summary = run_study(
        "diabetes", tmp_path, models=["ridge", "linear", "mlp:shallow"], fractions=[0.5, 1.0]
    )
    assert summary["metric"] == "r2"
    ridge = summary["scores"]["ridge"][-1]
    assert 0.2 < ridge["mean"] < 0.7  # diabetes: a linear model explains about half the variance
    assert summary["recommendation"]["model"] in ("ridge", "linear", "mlp:shallow")
    assert not summary["failures"]
    assert {c["verdict"] for c in summary["claims"]} <= {
        "supported",
        "contradicted",
        "inconclusive",
    }


def test_an_image_study_shows_its_mistakes(tmp_path: Path) -> None:
    import base64

    models = ["logistic", "mlp:shallow", "cnn:shallow"]
    summary = run_study("digits", tmp_path, models=models, fractions=[1.0], epochs=2)
    grids = summary["mistakes"]
    assert grids, "some model misclassifies some digits"
    for grid in grids.values():
        assert 0 < grid["shown"] <= 16 and grid["shown"] <= grid["wrong"] <= grid["total"]
        png = base64.b64decode(grid["png"].removeprefix("data:image/png;base64,"))
        assert png.startswith(b"\x89PNG")
    page = (tmp_path / "report.html").read_text()
    mistakes = page[page.index('<section id="mistakes">') : page.index('<section id="features">')]
    assert mistakes.count("data:image/png;base64,") == len(grids)
    assert "test images wrong" in mistakes
