"""The small seeded search a study runs per model (tuning/search.py), and the baselines' search
spaces: no training here, objectives are plain functions of the drawn values."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from depthlab.errors import ConfigError
from depthlab.tuning.search import JOURNAL, search
from depthlab.tuning.space import default_space, parse_space, point_of, split_values

pytest.importorskip("optuna")

SPACE = parse_space({"C": {"low": 1e-3, "high": 1e3, "log": True}}, "logistic")


def peak(values: dict[str, Any] | None) -> float:
    """Best at C = 10; the preset (None) stands for C = 1."""
    import math

    c = 1.0 if values is None else values["C"]
    return -abs(math.log10(c) - 1.0)


def run(folder: Path, objective: Any, trials: int = 6, seed: int = 0) -> Any:
    return search(
        folder,
        SPACE,
        objective,
        trials=trials,
        seed=seed,
        start={"C": 1.0},
        settings={"data": "x"},
        catch=(ValueError,),
    )


def test_the_preset_is_the_first_trial_and_the_search_is_seeded(tmp_path: Path) -> None:
    calls: list[dict[str, Any] | None] = []

    def objective(values: dict[str, Any] | None) -> float:
        calls.append(values)
        return peak(values)

    first = run(tmp_path / "a", objective)
    assert calls[0] is None and len(calls) == 6  # the preset as it is, then drawn values
    assert first.preset == peak(None) and first.best is not None and first.best > first.preset
    assert first.params and first.trial != 0 and first.complete == 6 and first.failed == 0
    again = run(tmp_path / "b", peak)
    assert again == first  # same seed, same values, same choice
    other = run(tmp_path / "c", peak, seed=1)
    assert other.params != first.params


def test_the_preset_wins_a_tie(tmp_path: Path) -> None:
    flat = run(tmp_path, lambda values: 0.5)
    assert flat.params == {} and flat.trial == 0 and flat.best == flat.preset == 0.5


def test_failed_trials_count_and_every_failure_is_no_choice(tmp_path: Path) -> None:
    def fragile(values: dict[str, Any] | None) -> float:
        if values is not None and values["C"] > 1.0:
            raise ValueError("diverged")
        return peak(values)

    result = run(tmp_path / "some", fragile)
    assert result.complete + result.failed == 6 and result.failed >= 1

    def broken(values: dict[str, Any] | None) -> float:
        raise ValueError("always")

    nothing = run(tmp_path / "all", broken, trials=3)
    assert (nothing.preset, nothing.best, nothing.params, nothing.failed) == (None, None, {}, 3)


def test_a_killed_search_keeps_its_finished_trials(tmp_path: Path) -> None:
    drawn: list[dict[str, Any] | None] = []

    def killed_at_the_third(values: dict[str, Any] | None) -> float:
        drawn.append(values)
        if len(drawn) == 3:
            raise KeyboardInterrupt
        return peak(values)

    with pytest.raises(KeyboardInterrupt):
        run(tmp_path, killed_at_the_third, trials=4)
    again: list[dict[str, Any] | None] = []

    def counting(values: dict[str, Any] | None) -> float:
        again.append(values)
        return peak(values)

    result = run(tmp_path, counting, trials=4)
    # Only the unfinished trial (with the values it had) and the missing one train.
    assert len(again) == 2 and again[0] == drawn[2]
    assert result.complete == 4 and result.preset == peak(None)
    before = (tmp_path / JOURNAL).read_bytes()
    run(tmp_path, counting, trials=4)  # finished: nothing trains, nothing is written
    assert len(again) == 2 and (tmp_path / JOURNAL).read_bytes() == before


def test_a_search_with_other_settings_is_refused(tmp_path: Path) -> None:
    run(tmp_path, peak, trials=2)
    with pytest.raises(ConfigError, match=r"other settings \(data\)"):
        search(tmp_path, SPACE, peak, trials=2, seed=0, start={}, settings={"data": "y"})


@pytest.mark.parametrize("family", ["logistic", "ridge", "boosting", "biases", "arima"])
def test_every_baseline_but_persistence_has_a_space(family: str) -> None:
    space = parse_space(default_space(family), family)
    assert space.params and all(p.target == "model" for p in space.params.values())
    assert default_space("persistence") == {}


def test_the_start_is_each_baselines_default_where_its_space_holds_it() -> None:
    boosting = parse_space(default_space("boosting"), "boosting")
    # l2_regularization's default, 0, is outside its log range: the preset trial leaves it.
    assert point_of(boosting, {}, {}) == {"learning_rate": 0.1, "max_leaf_nodes": 31}
    arima = parse_space(default_space("arima"), "arima")
    assert point_of(arima, {}, {}) == {"p": 3, "d": 0, "q": 0}
    model, train = split_values({"p": 2, "q": 1}, arima, {"order": (3, 1, 0)})
    assert model == {"order": [2, 1, 1]} and train == {}
    with pytest.raises(ConfigError, match="'p': needs whole numbers >= 0"):
        parse_space({"p": {"choices": [-1]}}, "arima")
