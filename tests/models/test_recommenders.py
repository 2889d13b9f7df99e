"""Recommenders: the biases-only baseline's known answers, matrix factorisation and neural CF
learning a low-rank rating matrix, new users and items getting the baseline, and HR/NDCG."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

import depthlab as dl
from depthlab.data.dataset import Dataset
from depthlab.errors import ConfigError
from depthlab.evaluate.ranking import hit_rate_ndcg, rank_among, topk_metrics
from depthlab.features.spec import InputSpec
from depthlab.models.base import build_model
from depthlab.models.baselines import Baseline
from depthlab.models.biases import BiasesOnly
from depthlab.models.mf import penalised

PAIRS = InputSpec("pairs", (2,), n_outputs=1, task="regression", cardinalities=(4, 5))


def test_biases_recover_an_additive_table_exactly() -> None:
    # r = 3 + user effect + item effect, every pair seen: without shrinkage ALS is exact.
    users, items = np.meshgrid(np.arange(1, 4), np.arange(1, 5), indexing="ij")
    effect_user, effect_item = np.array([0, 1.0, -0.5, 0.25]), np.array([0, 0.5, -1, 0, 0.75])
    ratings = 3 + effect_user[users] + effect_item[items]
    x = np.stack([users.ravel(), items.ravel()], axis=1)
    model = BiasesOnly(reg_user=0.0, reg_item=0.0, n_epochs=30).fit(x, ratings.ravel())
    np.testing.assert_allclose(model.predict(x), ratings.ravel(), atol=1e-9)


def test_biases_shrink_as_surprise_baselineonly_does() -> None:
    # Two users, two items; one ALS sweep by hand with reg_item=1, reg_user=2:
    # mu = 3; b_i1 = ((4-3) + (2-3)) / (1 + 2) = 0, b_i2 = (5-3) / (1 + 1) = 1;
    # b_u1 = ((4-3-0) + (5-3-1)) / (2 + 2) = 0.5, b_u2 = (2-3-0) / (2 + 1) = -1/3.
    x = np.array([[1, 1], [1, 2], [2, 1]])
    model = BiasesOnly(reg_user=2.0, reg_item=1.0, n_epochs=1).fit(x, np.array([4.0, 5.0, 2.0]))
    assert model.intercept_ == pytest.approx(11 / 3)
    mu = 11 / 3
    b_i1 = ((4 - mu) + (2 - mu)) / 3
    b_i2 = (5 - mu) / 2
    b_u1 = ((4 - mu - b_i1) + (5 - mu - b_i2)) / 4
    b_u2 = (2 - mu - b_i1) / 3
    np.testing.assert_allclose(model.item_bias, [0, b_i1, b_i2])
    np.testing.assert_allclose(model.user_bias, [0, b_u1, b_u2])
    # a new user (index 0) gets the mean plus the item's bias; a new item, the user's
    np.testing.assert_allclose(model.predict(np.array([[0, 2], [2, 0]])), [mu + b_i2, mu + b_u2])


def test_only_the_biases_baseline_takes_pairs() -> None:
    assert Baseline("biases", PAIRS).family == "biases"
    with pytest.raises(ConfigError, match="for \\(user, item\\) pairs use biases"):
        Baseline("ridge", PAIRS)
    vector = InputSpec("vector", (3,), n_outputs=1, task="regression")
    with pytest.raises(ConfigError, match="for \\(user, item\\) pairs of interaction data only"):
        Baseline("biases", vector)


def low_rank_ratings(seed: int = 0) -> Dataset:
    """60 users x 40 items whose ratings are 3 + biases + a rank-2 interaction, 60% observed."""
    rng = np.random.default_rng(seed)
    n_users, n_items = 60, 40
    u, v = rng.normal(size=(n_users, 2)), rng.normal(size=(n_items, 2))
    full = 3 + 0.3 * rng.normal(size=(n_users, 1)) + 0.3 * rng.normal(size=(1, n_items)) + u @ v.T
    users, items = np.nonzero(rng.random((n_users, n_items)) < 0.6)
    ratings = full[users, items] + 0.05 * rng.normal(size=len(users))
    return Dataset(
        name="low-rank",
        modality="interactions",
        task="regression",
        inputs=pd.DataFrame({"user": users, "item": items}),
        targets=ratings,
    )


@pytest.fixture(scope="module")
def low_rank() -> Dataset:
    return low_rank_ratings()


FAST = {"epochs": 30, "batch_size": 128, "lr": 0.03}


def test_factorisation_learns_what_biases_cannot(low_rank: Dataset) -> None:
    biases = dl.train(low_rank, dl.TrainSpec(model="biases"))
    mf = dl.train(low_rank, dl.TrainSpec(model="mf", options={"dim": 8, "reg": 0.01}, train=FAST))
    assert biases.metrics["test"]["rmse"] > 1.0  # the rank-2 interaction is most of the signal
    assert mf.metrics["test"]["rmse"] < 0.5 * biases.metrics["test"]["rmse"]


def test_neural_cf_learns_too(low_rank: Dataset) -> None:
    biases = dl.train(low_rank, dl.TrainSpec(model="biases"))
    options = {"dim": 8, "hidden_sizes": [32, 16], "fusion_dim": 8, "reg": 0.01, "dropout": 0.0}
    ncf = dl.train(low_rank, dl.TrainSpec(model="ncf", preset="deep", options=options, train=FAST))
    assert ncf.metrics["test"]["rmse"] < 0.6 * biases.metrics["test"]["rmse"]


@pytest.mark.parametrize("family", ["mf", "ncf"])
def test_a_new_user_or_item_gets_the_baseline(family: str) -> None:
    torch.manual_seed(0)
    model = build_model(family, PAIRS, "deep").eval()
    user_bias, item_bias = model.user_bias, model.item_bias
    assert isinstance(user_bias, torch.nn.Embedding) and isinstance(item_bias, torch.nn.Embedding)
    with torch.no_grad():
        user_bias.weight[1:].normal_()  # biases as if trained; row 0 (unknown) stays zero
        item_bias.weight[1:].normal_()
        model.mean.fill_(0.3)
        out = model(torch.tensor([[0, 3], [2, 0], [0, 0], [2, 3]])).squeeze(1)
        b_user, b_item = user_bias.weight[:, 0], item_bias.weight[:, 0]
    expected = torch.stack([0.3 + b_item[3], 0.3 + b_user[2], torch.tensor(0.3)])
    torch.testing.assert_close(out[:3], expected)
    assert not torch.isclose(out[3], 0.3 + b_user[2] + b_item[3])  # known pair: interaction


def test_the_penalty_adds_its_gradient_and_nothing_else() -> None:
    rows = torch.tensor([[1.0, 2.0], [3.0, -1.0]], requires_grad=True)
    out = penalised(rows, reg=0.5)
    assert torch.equal(out, rows)
    out.sum().backward()
    # d/drows of sum + mean over the batch of 0.5 * |row|^2 = 1 + 2 * 0.5 * rows / 2
    torch.testing.assert_close(rows.grad, 1 + 0.5 * rows.detach())


def test_a_trained_recommender_round_trips_through_its_run_folder(
    low_rank: Dataset, tmp_path: Path
) -> None:
    pairs = pd.DataFrame({"user": [0, 5, 999], "item": [1, 2, 3]})
    for model in ("biases", "mf"):
        run = dl.train(
            low_rank, dl.TrainSpec(model=model, train={"epochs": 2}), out=tmp_path / model
        )
        again = dl.Run.load(tmp_path / model)
        np.testing.assert_allclose(again.predict(pairs), run.predict(pairs), rtol=1e-6)
    assert (tmp_path / "biases" / "model.skops").is_file()


def test_hit_rate_and_ndcg_known_answers() -> None:
    scores = hit_rate_ndcg(np.array([0, 2, 9, 10, 50]), k=10)
    assert scores["hr@10"] == pytest.approx(3 / 5)
    assert scores["ndcg@10"] == pytest.approx((1 + 1 / np.log2(4) + 1 / np.log2(11)) / 5)
    # ties count against the held-out item; NaN padding never outranks it
    candidates = np.array([[0.1, 0.5, np.nan], [0.5, 0.9, 0.2]])
    np.testing.assert_array_equal(rank_among(np.array([0.5, 0.4]), candidates), [1, 2])


def test_topk_metrics_on_a_hand_made_ranking() -> None:
    # 3 users x 12 items; every test rating is a 5. The predictor ranks item i by -i, so a
    # held-out item's rank is the number of unrated candidates with a smaller id.
    users = np.repeat([1, 2, 3], 2)
    items = np.array([0, 1, 0, 6, 0, 11])
    ds = Dataset(
        name="hand",
        modality="interactions",
        task="regression",
        inputs=pd.DataFrame({"user": users, "item": items}),
        targets=np.array([5.0, 5.0, 5.0, 5.0, 5.0, 5.0]),
    )
    extra = Dataset(
        name="hand",
        modality="interactions",
        task="regression",
        inputs=pd.DataFrame({"user": np.r_[users, [9] * 12], "item": np.r_[items, np.arange(12)]}),
        targets=np.r_[ds.targets, np.zeros(12)],
    )
    train, test = np.r_[[0, 2, 4], np.arange(6, 18)], np.array([1, 3, 5])

    def predict(frame: pd.DataFrame) -> np.ndarray:
        return -frame["item"].astype(int).to_numpy().astype(float)

    # Every user has 10 unrated items (12 minus the two rated) and asks for 99: all of them.
    # user 1 item 1: candidates 2..11, rank 0; user 2 item 6: 1..5 outrank, rank 5;
    # user 3 item 11: all 10 outrank it, rank 10 (a miss at k=10).
    scores = topk_metrics(predict, extra, train, test, k=10)
    assert scores["hr@10"] == pytest.approx(2 / 3)
    assert scores["ndcg@10"] == pytest.approx((1 + 1 / np.log2(7)) / 3)
    # ratings below 4 are not ranked at all
    assert topk_metrics(predict, extra, train, np.array([6, 7]), k=10) == {}
