"""Parameter and FLOP counts against their formulas; latency and memory are only sane numbers."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import numpy as np
import pytest
import torch
from sklearn.datasets import load_iris
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits
from torch import nn

from depthlab.errors import ConfigError
from depthlab.evaluate import cost
from depthlab.evaluate.cost import (
    count_parameters,
    flops_per_example,
    latency_ms,
    model_cost,
    peak_memory_mb,
    sklearn_cost,
    sklearn_parameters,
)


def test_parameters_of_a_linear_layer() -> None:
    assert count_parameters(nn.Linear(10, 3)) == 10 * 3 + 3


def test_frozen_parameters_are_not_counted() -> None:
    model = nn.Sequential(nn.Linear(10, 3), nn.Linear(3, 1))
    model[0].requires_grad_(False)
    assert count_parameters(model) == 3 + 1


def test_flops_of_a_linear_layer_count_a_multiply_add_as_two() -> None:
    assert flops_per_example(nn.Linear(10, 3), torch.randn(10)) == 2 * 10 * 3


def test_a_numpy_example_in_another_dtype_is_converted() -> None:
    model = nn.Linear(10, 3).double()
    assert flops_per_example(model, np.zeros(10, dtype=np.float32)) == 60


def test_flops_of_a_conv1d_match_the_formula() -> None:
    conv = nn.Conv1d(3, 5, kernel_size=4, stride=2, padding=1)
    length_out = (20 + 2 * 1 - 4) // 2 + 1  # 10
    assert flops_per_example(conv, torch.randn(3, 20)) == 2 * 5 * length_out * 3 * 4


def test_flops_of_an_lstm_are_counted_despite_fused_kernels() -> None:
    # oneDNN runs an LSTM as one fused op the counter cannot see into; it must not read 0.
    lstm = nn.LSTM(input_size=4, hidden_size=8, batch_first=True)
    steps, gates = 5, 4
    assert flops_per_example(lstm, torch.randn(steps, 4)) == 2 * steps * gates * 8 * (4 + 8)


def test_flops_of_a_transformer_layer_include_attention() -> None:
    layer = nn.TransformerEncoderLayer(d_model=8, nhead=2, dim_feedforward=16, batch_first=True)
    length, d = 5, 8
    projections = 2 * length * d * (3 * d + d)  # in_proj (q, k, v) and out_proj
    feed_forward = 2 * length * (d * 16 + 16 * d)
    attention = 2 * (2 * length * length * d)  # Q K^T and scores V, over all heads
    assert flops_per_example(layer, torch.randn(length, d)) == (
        projections + feed_forward + attention
    )


def test_counting_leaves_modes_and_backends_as_they_were() -> None:
    model = nn.Sequential(nn.Linear(4, 4), nn.Dropout(0.5))
    model[1].eval()  # a mix of modes must come back as it was
    fastpath = torch.backends.mha.get_fastpath_enabled()
    onednn, cudnn = torch.backends.mkldnn.enabled, torch.backends.cudnn.enabled
    flops_per_example(model, torch.randn(4))
    assert model.training and model[0].training and not model[1].training
    assert torch.backends.mha.get_fastpath_enabled() == fastpath
    assert (torch.backends.mkldnn.enabled, torch.backends.cudnn.enabled) == (onednn, cudnn)


def test_latency_is_positive_and_finite() -> None:
    model = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 2))
    for batch_size in (1, 256):
        timing = latency_ms(model, torch.randn(10), batch_size, repeats=5, warmup=1)
        assert set(timing) == {"median", "p90"}
        assert all(math.isfinite(v) and v > 0 for v in timing.values())
        assert timing["p90"] >= timing["median"]  # an order of statistics, not of timings
    assert model.training


@pytest.mark.parametrize("arguments", [(0, 5, 1), (1, 0, 1), (1, 5, -1)])
def test_bad_timing_arguments_are_a_config_error(arguments: tuple[int, int, int]) -> None:
    batch_size, repeats, warmup = arguments
    with pytest.raises(ConfigError, match="batch_size >= 1"):
        latency_ms(nn.Linear(2, 1), torch.randn(2), batch_size, repeats, warmup)


def test_model_cost_is_json_ready() -> None:
    figures = model_cost(nn.Linear(10, 3), torch.randn(10), repeats=3)
    assert json.loads(json.dumps(figures)) == figures
    assert figures["parameters"] == 33 and figures["flops_per_example"] == 60
    assert figures["latency_ms_batch1"] > 0 and figures["latency_ms_batch256"] > 0


def test_peak_memory_returns_the_result() -> None:
    result, used = peak_memory_mb(lambda: "done")
    assert result == "done" and used >= 0


def test_peak_memory_sees_a_200_mb_array() -> None:
    # Taken after the other tests here have raised the process's high-water mark: the peak is reset.
    _, used = peak_memory_mb(lambda: np.ones(25_000_000).sum())  # 200 MB of float64
    assert used >= 150
    _, used = peak_memory_mb(lambda: np.ones(25_000_000).sum())  # and again: not 0 the second time
    assert used >= 150


def test_peak_memory_falls_back_to_the_high_water_mark(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cost, "_reset_peak_rss", lambda: False)  # as on macOS
    _, used = peak_memory_mb(lambda: np.ones(1000).sum())
    assert used >= 0  # a rise only: 0 when the process had been as high before


@pytest.fixture(scope="module")
def iris() -> tuple[np.ndarray, np.ndarray]:
    x, y = load_iris(return_X_y=True)
    return x, y


@pytest.fixture(scope="module")
def logistic(iris: tuple[np.ndarray, np.ndarray]) -> LogisticRegression:
    with threadpool_limits(1):  # BLAS threads on a busy machine turn 50 ms into seconds
        return LogisticRegression(max_iter=500).fit(*iris)


def test_sklearn_cost_of_logistic_regression(
    logistic: LogisticRegression, iris: tuple[np.ndarray, np.ndarray]
) -> None:
    figures = sklearn_cost(logistic, iris[0][0], repeats=3)
    assert figures["parameters"] == 4 * 3 + 3
    assert figures["flops_per_example"] is None
    assert figures["latency_ms_batch1"] > 0 and figures["latency_ms_batch256"] > 0
    assert json.loads(json.dumps(figures)) == figures


def test_sklearn_parameters_of_other_models(
    logistic: LogisticRegression, iris: tuple[np.ndarray, np.ndarray]
) -> None:
    x, y = iris
    scaler = StandardScaler().fit(x)
    assert sklearn_parameters(Pipeline([("scale", scaler), ("model", logistic)])) == 15
    with threadpool_limits(1):
        boosted = HistGradientBoostingClassifier(max_iter=3, random_state=0).fit(x, y)
        forest = RandomForestClassifier(n_estimators=3, random_state=0).fit(x, y)
    trees = [tree for trees in boosted._predictors for tree in trees]
    assert len(trees) == 3 * 3  # one tree per iteration and class
    # binary trees: every node but the leaves splits in two
    assert sklearn_parameters(boosted) == sum(2 * t.get_n_leaf_nodes() - 1 for t in trees)
    nodes = sum(tree.tree_.node_count for tree in forest.estimators_)
    assert sklearn_parameters(forest) == nodes
    assert sklearn_parameters(KNeighborsClassifier().fit(x, y)) is None


def test_unfitted_estimator_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="not fitted"):
        sklearn_cost(LogisticRegression(), np.zeros(4))


def test_importing_evaluate_stays_light() -> None:
    code = (
        "import sys\nimport depthlab.evaluate.cost, depthlab.evaluate.metrics\n"
        "print([m for m in ('torch', 'sklearn') if m in sys.modules])"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "[]"
