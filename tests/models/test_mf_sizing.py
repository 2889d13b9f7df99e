"""The factorisation models' sizing to a ratings table (``depthlab.models.ratings``): penalties
that grow as the ratings per user and item shrink, sane values at the extremes, the per-id
penalty's weights, and a sized MF that beats the biases on a sparse low-rank table."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
import torch

import depthlab as dl
from depthlab.config import TrainSpec
from depthlab.data.dataset import Dataset
from depthlab.features.spec import InputSpec
from depthlab.models.base import build_model, get_family
from depthlab.models.ratings import RatingCounts, penalised, sized_penalties, sized_schedule
from depthlab.training.spec import resolve


def pairs(users: int, items: int) -> InputSpec:
    """A pairs spec of *users* and *items* (plus index 0, the unknown id)."""
    return InputSpec("pairs", (2,), 1, "regression", cardinalities=(users + 1, items + 1))


@pytest.mark.parametrize("family", ["mf", "ncf"])
def test_penalties_grow_as_ratings_per_user_shrink(family: str) -> None:
    n_train, items = 20_000, 400  # 50 ratings per item throughout
    regs, bias_regs = [], []
    for users in (20, 100, 500, 2_000, 20_000):  # 1,000 down to 1 rating per user
        options = get_family(family).sized("shallow", pairs(users, items), n_train).options
        regs.append(options["reg"])
        bias_regs.append(options["reg_bias"])
    assert all(a < b for a, b in itertools.pairwise(regs)), regs
    assert all(a < b for a, b in itertools.pairwise(bias_regs)), bias_regs


def test_penalties_grow_as_ratings_per_item_shrink() -> None:
    regs = [sized_penalties(pairs(500, items), 20_000)["reg"] for items in (20, 200, 2_000)]
    assert regs[0] < regs[1] < regs[2]


def test_sane_values_at_the_extremes() -> None:
    # One rating per user (and 20 per item): the factors held back hard, but not frozen.
    sparse = sized_penalties(pairs(2_000, 100), 2_000)
    assert 0.5 < sparse["reg"] < 2.0
    assert 0.5 < sparse["reg_bias"] < 2.0  # six pseudo-ratings against 1 and 20 real ones
    # A thousand ratings per user and per item: hardly any penalty.
    dense = sized_penalties(pairs(1_000, 1_000), 1_000_000)
    assert 0.0 < dense["reg"] < 0.05
    assert 0.0 < dense["reg_bias"] < 0.01
    # MovieLens 100K's training part (80 ratings per user, 45 per item): near the values its
    # folds' validation parts chose.
    movielens = sized_penalties(pairs(943, 1_682), 76_000)
    assert movielens["reg"] == pytest.approx(0.116, abs=0.01)
    assert movielens["reg_bias"] == pytest.approx(0.1, abs=0.01)


def test_the_schedule_gives_small_tables_enough_steps() -> None:
    assert sized_schedule(76_000) == {"batch_size": 1024, "epochs": 14}
    small = sized_schedule(6_500)
    assert small["batch_size"] == 256 and small["epochs"] * math.ceil(6_500 / 256) >= 1_000
    assert sized_schedule(30) == {"batch_size": 64, "epochs": 200}  # capped
    assert sized_schedule(10_000_000) == {"batch_size": 1024, "epochs": 10}  # at least 10
    assert sized_schedule(None) == {} and sized_penalties(None, 1_000) == {}


@pytest.mark.parametrize("family", ["mf", "ncf"])
def test_without_the_number_of_ratings_the_preset_is_as_written(family: str) -> None:
    cls = get_family(family)
    for preset in ("shallow", "deep"):
        sized = cls.sized(preset, pairs(50, 60))
        assert sized.options == cls.presets[preset]
        assert sized.train == cls.train_presets[preset]
    model = build_model(family, pairs(50, 60), "shallow")  # sizes with the spec alone
    assert model.penalties.reg == cls.Config().reg


def test_explicit_options_and_settings_override_the_sizing() -> None:
    shape = (pairs(300, 900), 6_500)
    sized = resolve(TrainSpec(model="mf"), shape=shape)
    assert sized.options["reg"] == pytest.approx(sized_penalties(*shape)["reg"])
    assert sized.train.batch_size == 256
    given = TrainSpec(model="mf", options={"reg": 0.05}, train={"batch_size": 32})
    mine = resolve(given, shape=shape)
    assert mine.options["reg"] == 0.05 and mine.train.batch_size == 32
    assert mine.options["reg_bias"] == pytest.approx(sized_penalties(*shape)["reg_bias"])


def test_per_id_weights_give_every_id_the_same_total_penalty() -> None:
    counts = RatingCounts(n_users=4, n_items=3)
    users, items = torch.tensor([1, 1, 1, 2]), torch.tensor([1, 1, 2, 2])
    w_user, w_item = counts.weights(users, items)
    # 4 ratings, 2 users and 2 items seen: n_ref = 4 / sqrt(2 * 2) = 2
    torch.testing.assert_close(w_user, torch.tensor([2 / 3, 2 / 3, 2 / 3, 2.0]))
    torch.testing.assert_close(w_item, torch.tensor([1.0, 1.0, 1.0, 1.0]))
    total = torch.zeros(4).index_add_(0, users, w_user)
    torch.testing.assert_close(total[1:3], torch.tensor([2.0, 2.0]))  # n_ref for each user


def test_a_penalty_per_row_adds_its_own_gradient() -> None:
    rows = torch.tensor([[1.0, 2.0], [3.0, -1.0]], requires_grad=True)
    penalised(rows, torch.tensor([0.5, 2.0])).sum().backward()
    expected = 1 + torch.tensor([[0.5], [2.0]]) * rows.detach()  # 1 + 2 * reg * row / 2
    torch.testing.assert_close(rows.grad, expected)


def test_nothing_is_counted_or_penalised_outside_training() -> None:
    model = build_model("mf", pairs(5, 5), "shallow").eval()
    with torch.no_grad():
        model(torch.tensor([[1, 2], [3, 4]]))
    assert model.penalties.counts.users.sum() == 0
    assert "penalties.counts.users" not in model.state_dict()  # old run folders still load


def sparse_low_rank(seed: int = 0) -> Dataset:
    """150 users x 20 ratings of 300 items: 4 + biases + a rank-2 interaction + noise, the
    interaction as strong as the noise; about 14 ratings per user and 10 per item in training."""
    rng = np.random.default_rng(seed)
    n_users, n_items, per_user = 150, 300, 20
    p, q = rng.normal(0, 0.85, (n_users, 2)), rng.normal(0, 0.85, (n_items, 2))
    b_user, b_item = rng.normal(0, 0.5, n_users), rng.normal(0, 0.5, n_items)
    users = np.repeat(np.arange(n_users), per_user)
    items = np.concatenate([rng.choice(n_items, per_user, replace=False) for _ in range(n_users)])
    truth = 4 + b_user[users] + b_item[items] + np.sum(p[users] * q[items], axis=1)
    return Dataset(
        name="sparse-low-rank",
        modality="interactions",
        task="regression",
        inputs=pd.DataFrame({"user": users, "item": items}),
        targets=truth + rng.normal(0, 0.5, len(truth)),
    )


def test_sized_mf_beats_the_biases_on_a_sparse_low_rank_table() -> None:
    data = sparse_low_rank()
    biases = dl.train(data, dl.TrainSpec(model="biases"))
    mf = dl.train(data, dl.TrainSpec(model="mf"))  # the preset, sized to 2,100 ratings
    assert mf.record.model["options"]["reg"] > 0.3  # sized, not MovieLens' 0.1
    assert mf.metrics["test"]["rmse"] < 0.95 * biases.metrics["test"]["rmse"]


def test_neural_cf_narrows_its_mlp_on_sparse_tables() -> None:
    ncf = get_family("ncf")
    movielens = ncf.sized("deep", pairs(943, 1_682), 76_000).options
    assert movielens["hidden_sizes"] == (128, 64, 32) and movielens["dropout"] == 0.3
    sparse = ncf.sized("deep", pairs(300, 900), 6_500).options
    assert sparse["hidden_sizes"] == (32, 16, 8)  # a quarter, the least it keeps
    assert 0.45 < sparse["dropout"] <= 0.5
    middle = ncf.sized("deep", pairs(3_000, 1_100), 50_000).options["hidden_sizes"]
    assert (32, 16, 8) < middle < (128, 64, 32)
    build_model("ncf", pairs(300, 900), "deep", **sparse)  # a valid configuration
