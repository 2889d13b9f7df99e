"""Identified models (depthlab.models.sysid): linear recovery, learning, round trips, errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy.signal import lfilter

from depthlab.data.control.trajectories import Trajectories
from depthlab.errors import ConfigError, DataError, UnknownNameError
from depthlab.evaluate.sysid import score
from depthlab.models.sysid import ARX, MODEL_IDS, NetModel, build, load, save
from depthlab.training.sysid import SysIdTrainConfig, fit

# y[t+1] = 1.2 y[t] - 0.5 y[t-1] + 0.5 u[t] + 0.2 u[t-1]: b = [0, 0.5, 0.2], a = [1, -1.2, 0.5]
B, A = [0.0, 0.5, 0.2], [1.0, -1.2, 0.5]


def linear(n: int, steps: int, seed: int) -> Trajectories:
    u = np.random.default_rng(seed).normal(size=(n, steps, 1))
    y = np.stack([lfilter(B, A, row[:, 0]) for row in u])[..., None]
    return Trajectories(u, y, 0.1)


def two_outputs(n: int, steps: int, seed: int) -> Trajectories:
    """A known 3-state, 2-input, 2-output system, with an offset on the outputs."""
    rng = np.random.default_rng(seed)
    a = np.array([[0.9, 0.2, 0.0], [-0.2, 0.9, 0.1], [0.0, 0.0, 0.7]])
    b = np.array([[1.0, 0.0], [0.0, 0.5], [0.3, 1.0]])
    c = np.array([[1.0, 0.0, 1.0], [0.0, 1.0, -0.5]])
    u = rng.normal(size=(n, steps, 2))
    x = rng.normal(size=(n, 3))
    y = np.empty((n, steps, 2))
    for t in range(steps):
        y[:, t] = x @ c.T + np.array([2.0, -1.0])
        x = x @ a.T + u[:, t] @ b.T
    return Trajectories(u, y, 0.1)


def nonlinear(n: int, steps: int, seed: int) -> Trajectories:
    rng = np.random.default_rng(seed)
    u = rng.uniform(-1, 1, size=(n, steps, 1))
    y = np.zeros((n, steps, 1))
    for t in range(steps - 1):
        y[:, t + 1] = (
            0.8 * y[:, t] - 0.3 * y[:, t] ** 3 / (1 + y[:, t] ** 2) + 0.7 * np.tanh(2 * u[:, t])
        )
    return Trajectories(u, y, 0.1)


def test_arx_recovers_a_known_linear_system_exactly() -> None:
    train, val, test = linear(3, 200, 0), linear(2, 200, 1), linear(2, 200, 2)
    model = ARX(na=2, nb=2).fit(train, val)
    np.testing.assert_allclose(model.A_[:, 0, 0], [1.2, -0.5], atol=1e-8)
    np.testing.assert_allclose(model.B_[:, 0, 0], [0.5, 0.2], atol=1e-8)
    np.testing.assert_allclose(model.c_, [0.0], atol=1e-8)
    run = model.simulate(test, 2)
    np.testing.assert_allclose(run, test.y, atol=1e-8)
    np.testing.assert_array_equal(run[:, :2], test.y[:, :2])  # the window is the measurement


def test_arx_chooses_orders_on_validation_that_reproduce_the_system() -> None:
    model = ARX().fit(linear(3, 200, 0), linear(2, 200, 1), max_lag=4)
    assert model.na_ >= 2 and model.nb_ >= 2 and model.lag <= 4
    np.testing.assert_allclose(model.simulate(linear(2, 200, 2), 4), linear(2, 200, 2).y, atol=1e-6)


def test_n4sid_reproduces_a_known_mimo_system() -> None:
    model = build("n4sid")
    fit(model, two_outputs(4, 300, 0), two_outputs(2, 300, 1), init_window=10)
    scores = score(model, two_outputs(2, 300, 2), 10)
    assert scores.fit_index > 99
    # the order chosen on validation: the 3 states, and one more may carry the output offset
    assert model.get_state()["A"].shape in ((3, 3), (4, 4))


def test_a_narx_mlp_learns_what_arx_cannot() -> None:
    train, val, test = nonlinear(8, 200, 0), nonlinear(2, 200, 1), nonlinear(2, 200, 2)
    arx = build("arx")
    fit(arx, train, val, init_window=8)
    narx = build("narx:shallow")
    fit(narx, train, val, SysIdTrainConfig(max_steps=600, eval_every=100), init_window=8)
    linear_error = score(arx, test, 8, ks=(10,)).one_step_nrmse
    net_error = score(narx, test, 8, ks=(10,)).one_step_nrmse
    assert net_error < 0.4 * linear_error, (net_error, linear_error)


def tiny(model_id: str) -> dict[str, int]:
    if model_id.startswith(("narx", "gru", "lstm")):
        return {"hidden_size": 8}
    return {}


@pytest.mark.parametrize("model_id", MODEL_IDS)
def test_config_and_state_round_trip_to_identical_predictions(
    model_id: str, tmp_path: Path
) -> None:
    train, test = two_outputs(3, 60, 0), two_outputs(2, 60, 2)
    model = build(model_id, **tiny(model_id))
    config = SysIdTrainConfig(max_steps=5, eval_every=5, window=20, horizon=5)
    fit(model, train, two_outputs(1, 60, 1), config, init_window=10)
    save(model, tmp_path / "model.npz")
    again = load(tmp_path / "model.npz")
    assert again.get_config() == model.get_config()
    np.testing.assert_array_equal(again.simulate(test, 10), model.simulate(test, 10))
    np.testing.assert_array_equal(again.predict_one_step(test), model.predict_one_step(test))
    assert isinstance(model, NetModel) == (model_id.split(":")[0] in ("narx", "gru", "lstm"))


def test_predictions_have_the_trajectories_shape_and_keep_the_window() -> None:
    model = build("gru:shallow", hidden_size=8)
    fit(model, two_outputs(2, 40, 0), two_outputs(1, 40, 1), SysIdTrainConfig(max_steps=2))
    test = two_outputs(3, 40, 2)
    for out in (model.simulate(test, 7), model.predict_one_step(test)):
        assert out.shape == (3, 40, 2) and np.isfinite(out).all()
    np.testing.assert_array_equal(model.simulate(test, 7)[:, :7], test.y[:, :7])


def test_bad_input_is_a_data_error() -> None:
    model = ARX(na=2, nb=2).fit(linear(2, 100, 0), linear(1, 100, 1))
    with pytest.raises(DataError, match="fitted on 1 inputs and 1 outputs"):
        model.simulate(two_outputs(1, 100, 0), 5)
    with pytest.raises(DataError, match="needs 2 measured steps"):
        model.simulate(linear(1, 100, 0), 1)
    with pytest.raises(DataError, match="NaN"):
        Trajectories(np.full((1, 10, 1), np.nan), np.zeros((1, 10, 1)), 0.1)
    with pytest.raises(DataError, match="not fitted"):
        build("narx:deep").simulate(linear(1, 100, 0), 5)
    with pytest.raises(UnknownNameError, match="narx:deep"):
        build("narx:deeep")


def test_arx_identifies_the_linear_plant_exactly(tmp_path: Path) -> None:
    from depthlab.data.control.generate import plant_data

    data = plant_data("linear", n_train=2, steps=100, cache_dir=tmp_path)
    model = ARX(na=2, nb=2).fit(data.train, data.val)
    known = data.meta["arx"]
    assert isinstance(known, dict)
    np.testing.assert_allclose(model.A_[:, 0, 0], known["a"], atol=1e-8)
    np.testing.assert_allclose(model.B_[:, 0, 0], known["b"], atol=1e-8)
    run = model.simulate(data.test, data.init_window)
    np.testing.assert_allclose(run, data.test.y, atol=1e-6)


def test_arx_can_choose_orders_on_the_one_step_error() -> None:
    model = ARX(select="one-step", orders=(1, 2, 3)).fit(linear(3, 200, 0), linear(2, 200, 1))
    assert model.na_ >= 2 and model.nb_ >= 2
    assert model.get_config()["select"] == "one-step"
    with pytest.raises(ConfigError, match="free-run"):
        ARX(select="k-step")
