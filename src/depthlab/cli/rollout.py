"""``depthlab rollout ENV --controller C``: train a controller if needed, roll it out, report."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from depthlab.training.controllers import RolloutResult

CONTROLLER_HELP = "expert | linear | mlp:shallow | mlp:deep | mpc"


def rollout_command(
    env_id: str = typer.Argument(..., metavar="ENV", help="CartPole-v1 or Pendulum-v1."),
    controller: str = typer.Option("expert", "--controller", "-c", help=CONTROLLER_HELP),
    episodes: int = typer.Option(100, "--episodes", min=1, help="Evaluation episodes."),
    seed: int = typer.Option(0, "--seed", help="Seed of training and of the first episode."),
    expert_episodes: int = typer.Option(
        10, "--expert-episodes", min=1, help="Expert episodes to clone from (policies)."
    ),
    dagger: int = typer.Option(0, "--dagger", min=0, help="DAgger iterations after cloning."),
    transitions: int = typer.Option(
        10_000, "--transitions", min=10, help="Random-action transitions MPC's model learns from."
    ),
    out: Path | None = typer.Option(
        None, "--out", help="Folder for rollout.json, trajectories.png and the trained model."
    ),
) -> None:
    """Train a controller (nothing for the expert; behaviour cloning and DAgger from the expert
    for a policy; a dynamics model from random transitions for MPC), evaluate it over seeded
    episodes in the real gymnasium simulator, and print the figures.

    Episode i starts from env.reset(seed=SEED + i): the same seed gives the same returns.

    Examples:

      depthlab rollout CartPole-v1 --controller linear --expert-episodes 3

      depthlab rollout Pendulum-v1 --controller mlp:deep --dagger 8 --out runs/pendulum-deep

      depthlab rollout Pendulum-v1 --controller mpc --episodes 20
    """
    from depthlab.training.controllers import RolloutSpec, rollout

    spec = RolloutSpec(
        env_id,
        controller,
        seed=seed,
        expert_episodes=expert_episodes,
        dagger=dagger,
        transitions=transitions,
    )
    spec.check()
    result = rollout(spec, episodes=episodes, seed=seed, keep=3 if out else 0)
    loop = result.closed_loop
    rows = [
        ("environment", env_id),
        ("controller", controller),
        ("episodes", f"{loop.episodes} (seeds {seed}..{seed + loop.episodes - 1})"),
        ("return", f"{loop.mean_return:.1f} +- {loop.std_return:.1f}"),
        ("success rate", f"{loop.success_rate:.0%}"),
        ("effort", f"{loop.effort:.3g} (mean |u|)"),
        ("training transitions", str(result.training.get("transitions", 0))),
        (
            "time per step",
            f"{1000 * loop.seconds_per_step:.2f} ms (slowest {1000 * loop.max_step_seconds:.2f})",
        ),
        ("wall time", f"{loop.wall_seconds:.1f} s evaluation"),
    ]
    for name, value in rows:
        typer.echo(f"{name:<22}{value}")
    if out is not None:
        _write(result, out)


def _write(result: RolloutResult, out: Path) -> None:
    from depthlab.evaluate.closed_loop_plot import plot_trajectories

    out.mkdir(parents=True, exist_ok=True)
    (out / "rollout.json").write_text(json.dumps(result.to_dict(), indent=2), encoding="utf-8")
    plot_trajectories(result.closed_loop, out / "trajectories.png")
    result.save_model(out)
    typer.echo(f"{'written to':<22}{out} (rollout.json, trajectories.png)")
