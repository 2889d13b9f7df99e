"""The control study's claims and recommendation on made-up tables: the margin rule decides."""

from __future__ import annotations

from typing import Any

from depthlab.studies.control.claims import check_claims
from depthlab.studies.control.recommendation import recommend_model

SEEDS = [0, 1, 2]


def row(n_train: int, error: list[float], one_step: list[float], seconds: float) -> dict[str, Any]:
    values = {
        "free_run_rmse": error,
        "one_step_nrmse": one_step,
        "train_seconds": [seconds] * 3,
    }
    return {
        "fraction": n_train / 10,
        "n_train": n_train,
        "seeds": SEEDS,
        "values": values,
        "mean": {k: sum(v) / len(v) for k, v in values.items()},
    }


def tables(deep_error: float) -> dict[str, list[dict[str, Any]]]:
    """Linear models at error 1; the shallow nets at 0.5; the deep ones at *deep_error*."""
    jitter = [0.0, 0.01, -0.01]

    def model(error: float, one: float, seconds: float) -> list[dict[str, Any]]:
        return [
            row(2, [error + 0.2 + j for j in jitter], [one + j for j in jitter], seconds),
            row(10, [error + j for j in jitter], [one + j for j in jitter], seconds),
        ]

    return {
        "arx": model(1.0, 0.1, 0.1),
        "n4sid": model(1.05, 0.2, 0.05),
        "narx:shallow": model(0.5, 0.3, 2.0),
        "gru:shallow": model(0.6, 0.4, 4.0),
        "narx:deep": model(deep_error, 0.5, 6.0),
        "gru:deep": model(deep_error + 0.1, 0.6, 9.0),
    }


def verdicts(found: list[dict[str, Any]]) -> dict[str, str]:
    return {c["claim"]: c["verdict"] for c in found}


def test_depth_that_pays_is_supported_and_recommended() -> None:
    found = verdicts(check_claims(tables(deep_error=0.3), None))
    assert found["depth pays in free-run error"] == "supported"
    assert found["networks beat linear models on this plant"] == "supported"
    assert found["deep models cost more compute"] == "supported"
    # ARX is the one-step winner and the worst simulator: the Cascaded Tanks lesson
    assert found["one-step error ranks models as free-run error does"] == "contradicted"
    chosen = recommend_model(tables(deep_error=0.3))
    assert chosen is not None and chosen["model"] == "narx:deep"
    assert chosen["text"].startswith("this plant needs a deep network")


def test_a_deep_net_that_ties_the_shallow_one_is_not_recommended() -> None:
    found = verdicts(check_claims(tables(deep_error=0.5), None))
    assert found["depth pays in free-run error"] == "contradicted"  # inside the margin
    chosen = recommend_model(tables(deep_error=0.5))
    assert chosen is not None and chosen["model"] == "narx:shallow"  # cheaper, equivalent
    assert chosen["comparisons"]["narx:shallow"]["label"] in ("equivalent", "not worse")
    assert "not worse than the best" in chosen["text"]


def test_a_worse_deep_net_contradicts_depth_pays() -> None:
    found = verdicts(check_claims(tables(deep_error=0.8), None))
    assert found["depth pays in free-run error"] == "contradicted"
    assert found["deep models need more data"] == "contradicted"  # the gap is the same
    assert recommend_model(tables(deep_error=0.8))["model"] == "narx:shallow"  # type: ignore[index]
