"""Bad control data and bad requests give one-line DataErrors that say what to fix."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from depthlab.data.control import PlantData, Trajectories, get_plant, plant_data, simulate
from depthlab.errors import DataError, UnknownNameError


def test_unknown_plant_suggests_the_closest() -> None:
    with pytest.raises(
        UnknownNameError, match=r"unknown plant 'pendulm'\. Did you mean 'pendulum'"
    ):
        get_plant("pendulm")
    with pytest.raises(UnknownNameError, match="Plants: pendulum, cartpole"):
        plant_data("no-such-plant")


def test_unknown_excitation_suggests_the_closest(tmp_path: Path) -> None:
    with pytest.raises(UnknownNameError, match=r"unknown excitation 'multi-sine'.*'multisine'"):
        plant_data("duffing", excitation="multi-sine", cache_dir=tmp_path)


def test_expert_needs_a_policy_and_only_expert_takes_one(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="'expert' excitation needs a policy"):
        plant_data("pendulum", excitation="expert", cache_dir=tmp_path)
    with pytest.raises(DataError, match="got excitation 'prbs' and a policy"):
        plant_data("pendulum", excitation="prbs", policy=lambda y: y[:, :1], cache_dir=tmp_path)


def test_a_policy_of_the_wrong_shape_or_nan_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"inputs of shape \(3, 1\); it returned \(3, 3\)"):
        plant_data("pendulum", excitation="expert", policy=lambda y: y, n_train=3, steps=20)
    with pytest.raises(DataError, match="NaN"):
        plant_data(
            "pendulum",
            excitation="expert",
            policy=lambda y: np.full(len(y), np.nan),
            n_train=3,
            steps=20,
        )


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"n_train": 0}, "at least 1, got 0"),
        ({"steps": 10}, r"steps must be at least 11 \(the initialisation window"),
        ({"seed": -1}, "seed must be a non-negative integer"),
        ({"noise_std": -0.1}, "noise_std must be finite and non-negative"),
    ],
)
def test_bad_sizes(options: dict[str, object], message: str, tmp_path: Path) -> None:
    with pytest.raises(DataError, match=message):
        plant_data("pendulum", cache_dir=tmp_path, **options)  # type: ignore[arg-type]


def test_simulate_checks_inputs_and_states() -> None:
    with pytest.raises(DataError, match=r"shape \(N, T, 1\) \(torque\); got \(2, 10, 2\)"):
        simulate("pendulum", np.zeros((2, 10, 2)))
    bad = np.zeros((1, 10, 1))
    bad[0, 3, 0] = np.nan
    with pytest.raises(DataError, match="finite inputs"):
        simulate("pendulum", bad)
    with pytest.raises(DataError, match=r"x0 must hold finite states of shape \(1, 2\)"):
        simulate("pendulum", np.zeros((1, 10, 1)), x0=np.zeros((1, 3)))


def test_control_records_refuse_wrong_shapes_and_nan() -> None:
    with pytest.raises(DataError, match=r"u of shape \(N, T, n_u\)"):
        Trajectories(np.zeros((5, 1)), np.zeros((5, 1)), 0.1)
    with pytest.raises(DataError, match="same trajectories and steps"):
        Trajectories(np.zeros((2, 5, 1)), np.zeros((2, 6, 1)), 0.1)
    y = np.zeros((2, 5, 1))
    y[1, 2, 0] = np.nan
    with pytest.raises(DataError, match="trajectory 1, step 2"):
        Trajectories(np.zeros((2, 5, 1)), y, 0.1)
    part = Trajectories(np.zeros((2, 5, 1)), np.zeros((2, 5, 1)), 0.1)
    with pytest.raises(DataError, match="initialisation window"):
        PlantData("linear", part, part, part, init_window=5)
