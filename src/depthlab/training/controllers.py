"""One front door for a controller in closed loop: build it (the expert as is, a policy cloned
from the expert with optional DAgger, or MPC on a model learned from random transitions), then
evaluate it over seeded episodes. The ``rollout`` command and ``bench/control_loop.py`` call it.

Example::

    result = rollout(RolloutSpec("Pendulum-v1", "mlp:deep", dagger=8), episodes=100)
    print(result.closed_loop.mean_return, result.training["transitions"])
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from depthlab.errors import ConfigError, UnknownNameError, closest
from depthlab.evaluate.closed_loop import ClosedLoopResult, evaluate_controller
from depthlab.models.control.envs import env_info
from depthlab.models.control.experts import make_expert

CONTROLLERS = ("expert", "linear", "mlp:shallow", "mlp:deep", "mpc")


@dataclass
class RolloutSpec:
    """What to build: *controller* on *env_id*, trained with *seed*.

    Imitation uses ``expert_episodes`` expert episodes then ``dagger`` DAgger iterations of
    ``dagger_episodes`` episodes each; MPC learns from ``transitions`` random-action steps and
    plans ``horizon`` steps ahead with ``samples`` sequences and ``iterations`` CEM rounds.
    """

    env_id: str
    controller: str
    seed: int = 0
    expert_episodes: int = 10
    dagger: int = 0
    dagger_episodes: int = 5
    transitions: int = 10_000
    horizon: int = 15
    samples: int = 200
    iterations: int = 3

    def check(self) -> None:
        """Raise a one-line error for an unknown environment or controller."""
        env_info(self.env_id)
        if self.controller not in CONTROLLERS:
            raise UnknownNameError(
                f"unknown controller '{self.controller}'; controllers: {', '.join(CONTROLLERS)}."
                + closest(self.controller, CONTROLLERS)
            )
        if self.controller == "mpc" and self.env_id != "Pendulum-v1":
            raise ConfigError(
                f"MPC on a learned model supports Pendulum-v1 only, not '{self.env_id}'"
            )


@dataclass
class RolloutResult:
    """The spec, what training used (``training``), and the closed-loop figures."""

    spec: RolloutSpec
    training: dict[str, Any]
    closed_loop: ClosedLoopResult
    model: Any = field(default=None, repr=False)  # the trained policy or dynamics model

    def to_dict(self) -> dict[str, Any]:
        return {
            "spec": asdict(self.spec),
            "training": self.training,
            "closed_loop": self.closed_loop.to_dict(),
        }

    def save_model(self, folder: Path) -> Path | None:
        """Write the trained policy (``policy.pt``) or dynamics model (``dynamics.pt``)."""
        if self.model is None:
            return None
        import torch

        if self.spec.controller == "mpc":
            path = folder / "dynamics.pt"
            torch.save({"config": self.model.get_config(), "state": self.model.state_dict()}, path)
        else:
            path = folder / "policy.pt"
            self.model.save(path)
        return path


def _imitation(spec: RolloutSpec) -> tuple[Any, dict[str, Any], Any]:
    from depthlab.training.imitation import behaviour_cloning, dagger

    policy, report, data = behaviour_cloning(
        spec.env_id, spec.controller, episodes=spec.expert_episodes, seed=spec.seed
    )
    if spec.dagger:
        policy, report, data = dagger(
            policy,
            report,
            data,
            iterations=spec.dagger,
            episodes_per_iteration=spec.dagger_episodes,
        )
    return policy, report.to_dict(), policy


def _mpc(spec: RolloutSpec) -> tuple[Any, dict[str, Any], Any]:
    from depthlab.models.control.mpc import CEMPlanner
    from depthlab.training.dynamics import fit_dynamics, random_transitions

    start = time.perf_counter()
    data = random_transitions(spec.env_id, transitions=spec.transitions, seed=spec.seed)
    model, fit = fit_dynamics(data, seed=spec.seed)
    planner = CEMPlanner(
        model,
        horizon=spec.horizon,
        samples=spec.samples,
        iterations=spec.iterations,
        seed=spec.seed,
    )
    training = {"transitions": len(data), **asdict(fit), "seconds": time.perf_counter() - start}
    return planner, training, model


def build_controller(spec: RolloutSpec) -> tuple[Any, dict[str, Any], Any]:
    """(controller, what training used, the trained model or None) for *spec*."""
    spec.check()
    if spec.controller == "expert":
        return make_expert(spec.env_id), {"transitions": 0, "seconds": 0.0}, None
    if spec.controller == "mpc":
        return _mpc(spec)
    return _imitation(spec)


def rollout(
    spec: RolloutSpec, *, episodes: int = 100, seed: int = 0, keep: int = 0
) -> RolloutResult:
    """Build the controller of *spec* and evaluate it over *episodes* episodes from *seed*."""
    controller, training, model = build_controller(spec)
    result = evaluate_controller(spec.env_id, controller, episodes=episodes, seed=seed, keep=keep)
    return RolloutResult(spec, training, result, model)
