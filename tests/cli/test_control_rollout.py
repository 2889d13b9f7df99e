"""``depthlab rollout``: a tiny budget end to end, its errors, and no network access."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("gymnasium")
pytest.importorskip("control")


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError(f"network access attempted: {args}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def test_rollout_of_a_cloned_policy_writes_json_plot_and_policy(
    cli: Callable[..., Any], tmp_path: Path
) -> None:
    out = tmp_path / "run"
    result = cli(
        "rollout",
        "CartPole-v1",
        "--controller",
        "linear",
        "--expert-episodes",
        "2",
        "--episodes",
        "3",
        "--dagger",
        "1",
        "--out",
        str(out),
    )
    assert result.code == 0, result.err
    assert "return" in result.out and "success rate" in result.out
    record = json.loads((out / "rollout.json").read_text())
    assert record["spec"]["controller"] == "linear"
    assert record["training"]["transitions"] > record["training"]["expert_transitions"] == 1000
    assert len(record["closed_loop"]["returns"]) == 3
    assert (out / "trajectories.png").stat().st_size > 0
    assert (out / "policy.pt").is_file()


def test_rollout_is_repeatable_for_a_seed(cli: Callable[..., Any], tmp_path: Path) -> None:
    for name in ("a", "b"):
        result = cli(
            "rollout",
            "Pendulum-v1",
            "--episodes",
            "2",
            "--seed",
            "5",
            "--out",
            str(tmp_path / name),
        )
        assert result.code == 0, result.err
    a, b = (json.loads((tmp_path / n / "rollout.json").read_text()) for n in ("a", "b"))
    assert a["closed_loop"]["returns"] == b["closed_loop"]["returns"]


def test_rollout_of_mpc_on_a_tiny_budget(cli: Callable[..., Any]) -> None:
    result = cli("rollout", "Pendulum-v1", "-c", "mpc", "--episodes", "1", "--transitions", "300")
    assert result.code == 0, result.err
    assert "training transitions  300" in result.out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("Foo-v1",), "unknown control environment 'Foo-v1'"),
        (("CartPole-v1", "-c", "mlp:dep"), "Did you mean 'mlp:deep'"),
        (("CartPole-v1", "-c", "mpc"), "Pendulum-v1 only"),
    ],
)
def test_unknown_env_or_controller_is_one_line_and_non_zero(
    cli: Callable[..., Any], args: tuple[str, ...], message: str
) -> None:
    result = cli("rollout", *args)
    assert result.code == 2
    assert message in result.err and len(result.err.strip().splitlines()) == 1


def test_help_has_examples(cli: Callable[..., Any]) -> None:
    result = cli("rollout", "--help")
    assert result.code == 0 and "depthlab rollout Pendulum-v1 --controller mpc" in result.out
