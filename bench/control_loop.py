"""Controllers in closed loop on gymnasium 1.3.0's CartPole-v1 and Pendulum-v1 (issue 21).

Rows, each evaluated over the same seeded episodes (episode i from ``env.reset(seed=i)``):

- the expert (CartPole: bang-bang dLQR from python-control; Pendulum: energy shaping + dLQR);
- CartPole-v1: linear / shallow / deep policies cloned from 10 expert episodes (no DAgger);
- Pendulum-v1: linear / shallow / deep policies cloned from 10 expert episodes, then 8 DAgger
  iterations of 5 episodes each (8,000 labelled states more);
- Pendulum-v1: CEM model-predictive control on a dynamics MLP learned from 10,000 random-action
  transitions (horizon 15, 200 samples, 3 iterations, 20 elites).

Goals (bench/README.md): CartPole mean >= 475 for each policy; Pendulum deep policy >= -175;
MPC >= -200 with <= 0.1 s of controller time per control step. Writes
bench/results/control_loop.json and prints a table.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
POLICIES = ("linear", "mlp:shallow", "mlp:deep")
GOALS = {
    ("CartPole-v1", "linear"): 475.0,
    ("CartPole-v1", "mlp:shallow"): 475.0,
    ("CartPole-v1", "mlp:deep"): 475.0,
    ("Pendulum-v1", "mlp:deep"): -175.0,
    ("Pendulum-v1", "mpc"): -200.0,
}
MPC_SECONDS_PER_STEP = 0.1

EXAMPLES = """\
example:
  nice -n 5 python bench/control_loop.py                      # everything, 100 episodes
  nice -n 5 python bench/control_loop.py --mpc-episodes 20    # fewer MPC episodes (slow machine)
"""


def _rows(args: argparse.Namespace) -> list[Any]:
    from depthlab.training.controllers import RolloutSpec

    specs = [RolloutSpec("CartPole-v1", "expert", seed=args.seed)]
    specs += [
        RolloutSpec("CartPole-v1", p, seed=args.seed, expert_episodes=args.expert_episodes)
        for p in POLICIES
    ]
    specs.append(RolloutSpec("Pendulum-v1", "expert", seed=args.seed))
    specs += [
        RolloutSpec(
            "Pendulum-v1",
            p,
            seed=args.seed,
            expert_episodes=args.expert_episodes,
            dagger=args.dagger,
            dagger_episodes=args.dagger_episodes,
        )
        for p in POLICIES
    ]
    specs.append(RolloutSpec("Pendulum-v1", "mpc", seed=args.seed, transitions=args.transitions))
    return [s for s in specs if not args.only or s.env_id in args.only]


def _verdict(row: dict[str, Any]) -> str:
    key = (row["spec"]["env_id"], row["spec"]["controller"])
    if key not in GOALS:
        return "-"
    ok = row["closed_loop"]["mean_return"] >= GOALS[key]
    if key[1] == "mpc":
        ok = ok and row["closed_loop"]["seconds_per_step"] <= MPC_SECONDS_PER_STEP
    return f"{'met' if ok else 'NOT met'} (>= {GOALS[key]:g})"


def _line(row: dict[str, Any]) -> str:
    spec, loop, training = row["spec"], row["closed_loop"], row["training"]
    return (
        f"| {spec['env_id']} | {spec['controller']} | {loop['episodes']} | "
        f"{loop['mean_return']:.1f} ± {loop['std_return']:.1f} | {loop['success_rate']:.0%} | "
        f"{loop['effort']:.3g} | {training.get('transitions', 0):,} | "
        f"{1000 * loop['seconds_per_step']:.2f} ({1000 * loop['max_step_seconds']:.1f}) | "
        f"{training.get('seconds', 0.0):.1f} | "
        f"{loop['wall_seconds']:.1f} | {row['verdict']} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, epilog=EXAMPLES, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--episodes", type=int, default=100)
    parser.add_argument("--mpc-episodes", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0, help="training seed (episodes from 0)")
    parser.add_argument("--expert-episodes", type=int, default=10)
    parser.add_argument("--dagger", type=int, default=8)
    parser.add_argument("--dagger-episodes", type=int, default=5)
    parser.add_argument("--transitions", type=int, default=10_000)
    parser.add_argument("--only", nargs="*", help="environments to run (default: both)")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "control_loop.json")
    args = parser.parse_args()

    from depthlab.training.controllers import rollout

    header = (
        "| env | controller | episodes | return (mean ± std) | success | effort | "
        "transitions | ms/step (max) | train s | eval s | goal |"
    )
    print(header + "\n|" + "---|" * 11, flush=True)
    rows, start = [], time.perf_counter()
    for spec in _rows(args):
        episodes = args.mpc_episodes if spec.controller == "mpc" else args.episodes
        row = rollout(spec, episodes=episodes, seed=0).to_dict()
        row["verdict"] = _verdict(row)
        rows.append(row)
        print(_line(row), flush=True)
    total = time.perf_counter() - start
    print(f"total {total:.0f} s; load average {os.getloadavg()}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    record = {"args": {k: str(v) for k, v in vars(args).items()}, "rows": rows, "seconds": total}
    args.out.write_text(json.dumps(record, indent=2), encoding="utf-8")
    print(f"written {args.out}")


if __name__ == "__main__":
    main()
