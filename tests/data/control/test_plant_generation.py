"""Every plant's generator: seeded, the right shapes and names, finite, nested data sizes, the
excitations in range, the linear plant identified exactly, and no network access."""

from __future__ import annotations

import socket
from pathlib import Path

import numpy as np
import pytest

from depthlab.data.control import (
    EXCITATIONS,
    PlantData,
    get_plant,
    list_plants,
    plant_data,
    simulate,
)
from depthlab.data.control.excitation import excite

PLANTS = [p.name for p in list_plants()]
SMALL = {"n_train": 3, "steps": 80}  # every init window is under 80 steps


def small(name: str, tmp_path: Path, **options: object) -> PlantData:
    return plant_data(name, cache_dir=tmp_path, **{**SMALL, **options})  # type: ignore[arg-type]


def test_the_registry_holds_the_plants_of_issue_21() -> None:
    assert PLANTS == [
        "pendulum",
        "cartpole",
        "acrobot",
        "duffing",
        "tanks",
        "wiener-hammerstein",
        "linear",
    ]
    kinds = {p.name: p.kind for p in list_plants()}
    assert {n for n, k in kinds.items() if k == "gym"} == {"pendulum", "cartpole", "acrobot"}


@pytest.mark.parametrize("name", PLANTS)
def test_shapes_names_and_finite_values(name: str, tmp_path: Path) -> None:
    spec = get_plant(name)
    data = small(name, tmp_path)
    assert (data.plant, data.excitation, data.init_window) == (
        name,
        spec.excitation,
        spec.init_window,
    )
    for part, n in ((data.train, 3), (data.val, spec.n_val), (data.test, spec.n_test)):
        assert part.u.shape == (n, 80, spec.n_u)
        assert part.y.shape == (n, 80, spec.n_y)
        assert (part.input_names, part.output_names, part.dt) == (
            spec.input_names,
            spec.output_names,
            spec.dt,
        )
        assert np.isfinite(part.u).all() and np.isfinite(part.y).all()
        assert part.y.std() > 0  # the plant moved
    assert (data.train.u >= np.array(spec.u_low) - 1e-12).all()
    assert (data.train.u <= np.array(spec.u_high) + 1e-12).all()


@pytest.mark.parametrize("name", PLANTS)
def test_same_seed_same_arrays_other_seed_other_arrays(name: str, tmp_path: Path) -> None:
    first = small(name, tmp_path / "a", seed=4)
    again = small(name, tmp_path / "b", seed=4)  # another cache: generated afresh
    other = small(name, tmp_path / "c", seed=5)
    for split in ("train", "val", "test"):
        for field in ("u", "y"):
            a, b, c = (getattr(getattr(d, split), field) for d in (first, again, other))
            assert np.array_equal(a, b), (split, field)
            assert not np.array_equal(a, c), (split, field)
    # the three splits are different trajectories
    assert not np.array_equal(first.train.y[0], first.test.y[0])


def test_test_set_is_fixed_and_training_sets_are_nested(tmp_path: Path) -> None:
    few = plant_data("pendulum", n_train=5, cache_dir=tmp_path)
    many = plant_data("pendulum", n_train=20, cache_dir=tmp_path)
    assert np.array_equal(few.test.y, many.test.y)
    assert np.array_equal(few.val.u, many.val.u)
    assert np.array_equal(few.train.y, many.train.y[:5])
    assert many.train.n == 20


def test_defaults_follow_the_spec(tmp_path: Path) -> None:
    spec = get_plant("pendulum")
    data = plant_data("pendulum", cache_dir=tmp_path)
    assert (data.train.n, data.train.steps) == (spec.n_train, spec.steps)
    assert data.train.n * data.train.steps == 10_000  # the research's 10k transitions
    assert data.meta["noise_std"] == 0.0


@pytest.mark.parametrize("excitation", ["multisine", "prbs", "random-steps"])
@pytest.mark.parametrize("name", ["duffing", "tanks", "linear"])
def test_open_loop_excitations_stay_in_range(name: str, excitation: str) -> None:
    spec = get_plant(name)
    u = excite(excitation, np.random.default_rng(0), 300, spec)
    assert u.shape == (300, spec.n_u)
    assert u.min() >= spec.u_low[0] - 1e-12 and u.max() <= spec.u_high[0] + 1e-12
    span = spec.u_high[0] - spec.u_low[0]
    assert u.max() - u.min() > 0.5 * span  # uses the range, not a corner of it


def test_prbs_is_binary_and_held() -> None:
    spec = get_plant("pendulum")  # hold 5
    u = excite("prbs", np.random.default_rng(1), 200, spec)[:, 0]
    assert set(np.unique(u)) == {-2.0, 2.0}
    assert (u.reshape(40, 5) == u.reshape(40, 5)[:, :1]).all()


def test_random_steps_are_held_k_steps() -> None:
    spec = get_plant("pendulum")
    u = excite("random-steps", np.random.default_rng(1), 200, spec)[:, 0]
    blocks = u.reshape(40, 5)
    assert (blocks == blocks[:, :1]).all()
    assert len(np.unique(blocks[:, 0])) == 40


def test_every_excitation_is_registered() -> None:
    assert set(EXCITATIONS) == {"multisine", "prbs", "random-steps", "expert"}


def test_expert_in_the_loop_with_noise(tmp_path: Path) -> None:
    spec = get_plant("linear")

    def proportional(y: np.ndarray) -> np.ndarray:  # (N, n_y) -> (N,)
        return np.clip(-0.2 * y[:, 0], -1.0, 1.0)

    data = small("linear", tmp_path, excitation="expert", policy=proportional)
    assert data.excitation == "expert"
    noise = data.train.u[..., 0] - proportional(data.train.y.reshape(-1, 1)).reshape(3, 80)
    half = (spec.u_high[0] - spec.u_low[0]) / 2
    assert 0.05 * half < noise.std() < 0.15 * half  # the documented tenth of the half range
    # the loop stabilises the plant: it moves much less than in open loop
    assert data.train.y.std() < small("linear", tmp_path).train.y.std()
    assert not list((tmp_path / "control").glob("*expert*"))  # a policy's data is not cached


def test_linear_plant_coefficients_are_recovered_exactly_by_arx(tmp_path: Path) -> None:
    arx = get_plant("linear").meta["arx"]
    data = plant_data("linear", cache_dir=tmp_path)
    assert data.meta["noise_std"] == 0.0
    u, y = data.train.u[..., 0], data.train.y[..., 0]  # (N, T)
    # y[t+1] = a1 y[t] + a2 y[t-1] + b1 u[t] + b2 u[t-1], rows t = 1 .. T-2 of every trajectory
    phi = np.stack([y[:, 1:-1], y[:, :-2], u[:, 1:-1], u[:, :-2]], axis=-1).reshape(-1, 4)
    theta, *_ = np.linalg.lstsq(phi, y[:, 2:].reshape(-1), rcond=None)
    expected = np.array([*arx["a"], *arx["b"]])  # type: ignore[index]
    assert np.allclose(theta, expected, rtol=0, atol=1e-8)
    # simulate, started from the state at t = 1 (y[t], y[t-1], u[t-1]), replays the outputs
    state = np.stack([y[:, 1], y[:, 0], u[:, 0]], axis=1)
    replay = simulate("linear", data.train.u[:, 1:], state)
    assert np.allclose(replay.y, data.train.y[:, 1:], rtol=0, atol=1e-9)


def test_simulate_is_seeded_and_clips_like_the_plant() -> None:
    u = np.full((2, 30, 1), 5.0)  # beyond the pendulum's 2 N m
    a = simulate("pendulum", u, seed=3)
    b = simulate("pendulum", u, seed=3)
    c = simulate("pendulum", u, seed=4)
    assert np.array_equal(a.y, b.y) and not np.array_equal(a.y, c.y)
    assert (a.u == 2.0).all()
    one = simulate("pendulum", np.zeros((30, 1)), x0=np.array([[0.0, 0.0]]))
    assert one.y.shape == (1, 30, 3)
    assert np.allclose(one.y[0], [[1.0, 0.0, 0.0]] * 30)  # at rest at the bottom stays there


def test_acrobot_inputs_are_the_env_torques(tmp_path: Path) -> None:
    data = small("acrobot", tmp_path)
    assert set(np.unique(data.train.u)) <= {-1.0, 0.0, 1.0}


def test_tanks_overflow_caps_the_levels() -> None:
    full = simulate("tanks", np.full((1, 200, 1), 10.0), x0=np.array([[9.0, 9.0]]))
    assert full.y.max() == pytest.approx(10.0)  # the lower tank fills to its top, no further
    empty = simulate("tanks", np.zeros((1, 400, 1)), x0=np.array([[5.0, 5.0]]))
    assert 0 <= empty.y[0, -1, 0] < 1.0  # drains


def test_measurement_noise_is_an_option(tmp_path: Path) -> None:
    clean = small("duffing", tmp_path, noise_std=0.0)
    noisy = small("duffing", tmp_path, noise_std=0.1)
    default = small("duffing", tmp_path)
    assert np.array_equal(clean.train.u, noisy.train.u)  # same excitation, only noise added
    assert np.std(noisy.train.y - clean.train.y) == pytest.approx(0.1, rel=0.1)
    assert default.meta["noise_std"] == get_plant("duffing").noise_std > 0


def test_no_network_access_while_generating_every_plant(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"network access attempted: {args}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    for name in PLANTS:
        data = small(name, tmp_path)
        assert data.train.n == 3
        simulate(name, data.test.u[:1])
