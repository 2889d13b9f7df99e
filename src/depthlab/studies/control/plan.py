"""The plan of a control study: the identification ladder over seeds and training-data sizes
and, for a plant with an expert in gymnasium, the control ladder over seeds.

A job is a :class:`~depthlab.studies.plan.job.Job` of kind ``fit``: ``narx:deep/f0.25/s1``
identifies the plant with the deep NARX net on the first quarter of seed 1's training
trajectories; ``policy:mlp:deep/f1/s1`` clones the expert into the deep policy with seed 1;
``policy:expert/f1/s0`` evaluates the expert itself (the reference, one job).

Example:
    >>> plan = make_plan("linear", quick=True)
    >>> plan.fractions, plan.seeds, len(plan.jobs)
    ((0.25, 1.0), (0, 1, 2), 36)
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from depthlab.data.control import get_plant
from depthlab.errors import ConfigError
from depthlab.studies.plan.job import Job

LINEAR = ("arx", "n4sid")
SHALLOW = ("narx:shallow", "gru:shallow")
DEEP = ("narx:deep", "gru:deep")
MODELS = (*LINEAR, *SHALLOW, *DEEP)
POLICIES = ("linear", "mlp:shallow", "mlp:deep")
POLICY_PREFIX = "policy:"
EXPERT = "expert"
# The plants whose gymnasium environment has an expert to imitate (wt-ctrl's experts).
ENVIRONMENTS = {"pendulum": "Pendulum-v1", "cartpole": "CartPole-v1"}
# NARX orders per plant (outputs, inputs), as bench/control_sysid.py found them: the gymnasium
# plants measure their whole state (one step back is enough); Wiener-Hammerstein's filters and
# the tanks' levels need a longer past. Other plants: 2 and 2.
NARX_ORDERS = {
    "pendulum": (1, 1),
    "cartpole": (1, 1),
    "acrobot": (1, 1),
    "wiener-hammerstein": (12, 12),
    "tanks": (4, 4),
}
LABELS = {
    "arx": "ARX (least squares)",
    "n4sid": "N4SID (subspace)",
    "narx:shallow": "NARX MLP, 1 hidden layer",
    "narx:deep": "NARX MLP, 3 hidden layers",
    "gru:shallow": "GRU, 1 layer",
    "gru:deep": "GRU, 3 layers",
    "expert": "expert (reference)",
    "linear": "linear policy",
    "mlp:shallow": "MLP policy, 1 hidden layer",
    "mlp:deep": "MLP policy, 3 hidden layers",
}


@dataclass(frozen=True)
class Training:
    """How every network of the ladder trains (``depthlab.training.sysid``'s settings): the
    multi-step (simulation) loss, a fixed step cap (no wall-clock cap: results must not depend
    on the machine's speed), early stopping on validation. ``val_horizon`` None selects on the
    validation free run; k on the k-step NRMSE (plants whose free run is chaotic)."""

    loss: str = "multi-step"
    horizon: int = 20
    batch_size: int = 32
    lr: float = 3e-3
    max_steps: int = 600
    eval_every: int = 50
    patience: int = 6
    val_horizon: int | None = None


@dataclass(frozen=True)
class Imitation:
    """The control ladder: behaviour cloning from ``expert_episodes`` expert episodes, then
    ``dagger`` DAgger rounds of ``dagger_episodes``; ``epochs`` / ``patience`` of each fit;
    every controller evaluated over ``episodes`` seeded episodes (seeds 0 ..)."""

    env_id: str
    expert_episodes: int = 10
    dagger: int = 2
    dagger_episodes: int = 5
    epochs: int = 100
    patience: int = 10
    episodes: int = 20


@dataclass(frozen=True)
class ControlPlan:
    plant: str
    quick: bool
    fractions: tuple[float, ...]
    seeds: tuple[int, ...]
    n_train: int  # the plant's training trajectories at fraction 1
    training: Training
    imitation: Imitation | None
    models: tuple[str, ...] = MODELS
    policies: tuple[str, ...] = field(default=POLICIES)
    metric: str = "free_run_rmse"  # the error claims and recommendation decide by
    narx_orders: tuple[int, int] = (2, 2)  # NARX's past outputs and inputs

    def options(self, model: str) -> dict[str, Any]:
        """The options *model* is built with (``depthlab.models.sysid.build``)."""
        if model.startswith("narx"):
            return {"na": self.narx_orders[0], "nb": self.narx_orders[1]}
        return {}

    @property
    def jobs(self) -> list[Job]:
        """Every job, the costliest first (recurrent deep nets, then the others), so parallel
        workers finish together."""
        order = sorted(self.models, key=lambda m: (m not in DEEP, m not in SHALLOW))
        order = sorted(order, key=lambda m: not m.startswith("gru"))
        fits = [
            Job("fit", model, fraction, seed)
            for model in order
            for fraction in sorted(self.fractions, reverse=True)
            for seed in self.seeds
        ]
        if self.imitation is None:
            return fits
        policies = [
            Job("fit", POLICY_PREFIX + p, 1.0, seed)
            for p in reversed(self.policies)
            for seed in self.seeds
        ]
        return [*policies, *fits, Job("fit", POLICY_PREFIX + EXPERT, 1.0, self.seeds[0])]

    def trajectories(self, fraction: float) -> int:
        """Training trajectories at *fraction* (at least one)."""
        return max(1, round(fraction * self.n_train))

    def to_dict(self) -> dict[str, Any]:
        return {
            "plant": self.plant,
            "quick": self.quick,
            "fractions": list(self.fractions),
            "seeds": list(self.seeds),
            "n_train": self.n_train,
            "training": asdict(self.training),
            "imitation": None if self.imitation is None else asdict(self.imitation),
            "models": list(self.models),
            "policies": list(self.policies) if self.imitation is not None else [],
            "metric": self.metric,
            "narx_orders": list(self.narx_orders),
            "jobs": [job.key for job in self.jobs],
        }

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> ControlPlan:
        imitation = raw.get("imitation")
        return cls(
            plant=raw["plant"],
            quick=bool(raw["quick"]),
            fractions=tuple(raw["fractions"]),
            seeds=tuple(raw["seeds"]),
            n_train=int(raw["n_train"]),
            training=Training(**raw["training"]),
            imitation=None if imitation is None else Imitation(**imitation),
            models=tuple(raw["models"]),
            policies=tuple(raw.get("policies") or POLICIES),
            metric=str(raw.get("metric", "free_run_rmse")),
            narx_orders=tuple(raw.get("narx_orders", (2, 2))),
        )


def make_plan(
    plant: str, *, quick: bool = False, seeds: int | None = None, first_seed: int = 0
) -> ControlPlan:
    """The study of *plant* (a name of ``depthlab.data.control.list_plants()``).

    ``quick``: fractions 0.25 and 1, 500 training steps per network, 1 DAgger round and 20
    evaluation episodes; full: fractions 0.1, 0.25, 0.5 and 1, 2,000 steps, 8 DAgger rounds
    and 100 episodes. Both take 3 seeds unless *seeds* says otherwise.
    """
    spec = get_plant(plant)
    count = 3 if seeds is None else seeds
    if count < 2:
        raise ConfigError(f"--seeds must be at least 2 (paired intervals need two), got {count}")
    if first_seed < 0:
        raise ConfigError(f"--first-seed must be a non-negative integer, got {first_seed}")
    # A gymnasium plant runs free chaotically (the pendulum swings over): a free run of 190
    # steps is lost for every model, near-oracle ones included (research: control-anchors.md),
    # so networks stop on their 10-step error there and the study decides by it; a stable
    # simulated plant by its free run.
    chaotic = spec.kind == "gym"
    training = Training(
        horizon=10 if chaotic else 20,
        max_steps=500 if quick else 2000,
        val_horizon=10 if chaotic else None,
    )
    imitation = None
    if plant in ENVIRONMENTS:
        imitation = Imitation(
            ENVIRONMENTS[plant],
            dagger=1 if quick else 8,
            epochs=100 if quick else 200,
            patience=10 if quick else 20,
            episodes=20 if quick else 100,
        )
    return ControlPlan(
        plant=plant,
        quick=quick,
        fractions=(0.25, 1.0) if quick else (0.1, 0.25, 0.5, 1.0),
        seeds=tuple(range(first_seed, first_seed + count)),
        n_train=spec.n_train,
        training=training,
        imitation=imitation,
        metric="nrmse_10" if chaotic else "free_run_rmse",
        narx_orders=NARX_ORDERS.get(plant, (2, 2)),
    )


def is_policy(model: str) -> bool:
    return model.startswith(POLICY_PREFIX)


def tier(model: str) -> str:
    """``linear``, ``shallow`` or ``deep``: a model's rung of the ladder."""
    name = model.removeprefix(POLICY_PREFIX)
    if name in LINEAR or name == "linear":
        return "linear"
    if name == EXPERT:
        return "expert"
    return "deep" if name.endswith(":deep") else "shallow"
