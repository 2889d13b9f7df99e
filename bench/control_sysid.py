"""System identification with a depth axis (issue 21): linear, shallow and deep models on plants.

For each plant (``depthlab.data.control.generate.plant_data``, its default sizes and excitation)
every row of its recipe is fitted (``depthlab.training.sysid.fit``) on the training
trajectories, with choices and early stopping on the validation ones, and scored
(``depthlab.evaluate.sysid.score``) on the test ones: one-step, 10- and 50-step NRMSE, free-run
RMSE after the initialisation window, fit index, diverged share, training seconds. Linear models
are deterministic and fitted once; networks once per seed. Then the issue's goals:

- pendulum: the best network's 10-step NRMSE <= 0.10 and its one-step NRMSE <= 0.02, and the
  best linear model's 10-step NRMSE >= 5x the best network's;
- wiener-hammerstein: the best network's free-run RMSE <= 1/5 of the best linear model's;
- tanks: a multi-step-trained recurrent model has a lower free-run RMSE than every one-step-trained
  NARX MLP and than ARX.

Figures are means over seeds. Prints a table per plant and writes
``bench/results/control_sysid.json``.

example:
  OMP_NUM_THREADS=1 nice -n 5 .venv/bin/python bench/control_sysid.py
  .venv/bin/python bench/control_sysid.py --plants pendulum --seeds 0 --budget 10
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from depthlab.data.control.trajectories import PlantData
from depthlab.evaluate.sysid import score
from depthlab.models.sysid import build
from depthlab.training.sysid import SysIdTrainConfig, fit

HERE = Path(__file__).resolve().parent
ONE = SysIdTrainConfig(loss="one-step", window=64, batch_size=64, lr=3e-3, eval_every=100)
MULTI = SysIdTrainConfig(loss="multi-step", batch_size=32, lr=3e-3, eval_every=50)


def one_step(max_steps: int) -> SysIdTrainConfig:
    return replace(ONE, max_steps=max_steps)


def multi_step(max_steps: int, horizon: int, warmup: int) -> SysIdTrainConfig:
    return replace(MULTI, max_steps=max_steps, horizon=horizon, warmup=warmup)


# label: (model id, model options, training settings; None for linear models). Step caps are
# sized so that each network trains for about 10-40 s here; the wall-clock cap (--budget) is a
# safety net only, so that a run repeats exactly for a fixed seed.
Row = tuple[str, dict[str, Any], SysIdTrainConfig | None]
LINEAR: dict[str, Row] = {"arx": ("arx", {}, None), "n4sid": ("n4sid", {}, None)}
PENDULUM = {"na": 1, "nb": 1}
WH = {"na": 12, "nb": 12}
TANKS = {"na": 4, "nb": 4}
RECIPES: dict[str, dict[str, Row]] = {
    "pendulum": {
        **LINEAR,
        "narx:shallow one-step": (
            "narx:shallow",
            {**PENDULUM, "hidden_size": 128},
            one_step(2500),
        ),
        "narx:deep one-step": ("narx:deep", PENDULUM, one_step(2000)),
        "gru:shallow multi-step": ("gru:shallow", {}, multi_step(1200, 10, 10)),
        "gru:deep multi-step": ("gru:deep", {}, multi_step(450, 10, 10)),
    },
    "wiener-hammerstein": {
        **LINEAR,
        "narx:shallow multi-step": ("narx:shallow", WH, multi_step(3000, 50, 12)),
        "narx:deep multi-step": ("narx:deep", WH, multi_step(2000, 50, 12)),
        "gru:shallow multi-step": ("gru:shallow", {}, multi_step(1300, 50, 20)),
        "gru:deep multi-step": ("gru:deep", {}, multi_step(450, 50, 20)),
    },
    "tanks": {
        **LINEAR,
        "narx:shallow one-step": ("narx:shallow", TANKS, one_step(3000)),
        "narx:deep one-step": ("narx:deep", TANKS, one_step(1500)),
        "gru:shallow multi-step": ("gru:shallow", {"hidden_size": 32}, multi_step(1000, 50, 20)),
        "gru:deep multi-step": ("gru:deep", {"hidden_size": 32}, multi_step(450, 50, 20)),
    },
}
VAL_HORIZON = {"pendulum": 10}  # validation k-step error instead of the free run (chaotic plant)


def run_row(data: PlantData, row: Row, seed: int, budget: float) -> dict[str, Any]:
    model_id, options, config = row
    model = build(model_id, **options)
    if config is not None:
        config = replace(
            config,
            seed=seed,
            max_seconds=budget,
            val_horizon=VAL_HORIZON.get(data.plant),
        )
    result = fit(model, data.train, data.val, config, init_window=data.init_window)
    scores = score(model, data.test, data.init_window)
    return {
        "seed": seed,
        "seconds": result.seconds,
        "steps": result.steps,
        "best_step": result.best_step,
        "history": result.history,
        **scores.as_dict(),
    }


def mean_of(runs: list[dict[str, Any]], key: str) -> float:
    values = [
        r[key] if "." not in key else r[key.split(".")[0]][int(key.split(".")[1])] for r in runs
    ]
    return float(statistics.fmean(values))


def summary(runs: list[dict[str, Any]]) -> dict[str, float]:
    keys = ("one_step_nrmse", "k_step_nrmse.10", "k_step_nrmse.50", "free_run_rmse")
    out = {k.replace(".", "_"): mean_of(runs, k) for k in keys}
    out |= {k: mean_of(runs, k) for k in ("fit_index", "diverged_share", "seconds")}
    return out


def depth(plant: str, table: dict[str, dict[str, float]]) -> dict[str, bool]:
    """For each shallow row with a deep twin: does the deep one score lower (10-step NRMSE on
    the pendulum, free-run RMSE elsewhere)?"""
    metric = "k_step_nrmse_10" if plant == "pendulum" else "free_run_rmse"
    return {
        label.replace("shallow", "deep"): table[label.replace("shallow", "deep")][metric]
        < table[label][metric]
        for label in table
        if "shallow" in label and label.replace("shallow", "deep") in table
    }


def goals(plant: str, table: dict[str, dict[str, float]]) -> dict[str, Any]:
    nets = {k: v for k, v in table.items() if k not in LINEAR}
    linear = {k: v for k, v in table.items() if k in LINEAR}
    if plant == "pendulum":
        best = min(nets, key=lambda k: nets[k]["k_step_nrmse_10"])
        lin = min(v["k_step_nrmse_10"] for v in linear.values())
        b = nets[best]
        return {
            "best network": best,
            "10-step <= 0.10": b["k_step_nrmse_10"] <= 0.10,
            "one-step <= 0.02": b["one_step_nrmse"] <= 0.02,
            "linear / best 10-step": lin / b["k_step_nrmse_10"],
            "5x better than linear": lin >= 5 * b["k_step_nrmse_10"],
        }
    best = min(nets, key=lambda k: nets[k]["free_run_rmse"])
    if plant == "wiener-hammerstein":
        lin = min(v["free_run_rmse"] for v in linear.values())
        ratio = lin / nets[best]["free_run_rmse"]
        return {"best network": best, "linear / best free-run": ratio, "met": ratio >= 5}
    recurrent = [k for k in nets if k.startswith(("gru", "lstm")) and "multi-step" in k]
    rivals = [k for k in nets if k.startswith("narx") and "one-step" in k] + ["arx"]
    best_rec = min(recurrent, key=lambda k: table[k]["free_run_rmse"])
    worst_gap = min(table[r]["free_run_rmse"] for r in rivals)
    return {
        "best recurrent": best_rec,
        "its free-run": table[best_rec]["free_run_rmse"],
        "best rival free-run": worst_gap,
        "met": table[best_rec]["free_run_rmse"] < worst_gap,
    }


def print_table(plant: str, table: dict[str, dict[str, float]]) -> None:
    print(f"\n{plant}")
    head = f"{'model':26s} {'1-step':>8s} {'10-step':>8s} {'50-step':>8s} {'free-run':>9s}"
    print(head + f" {'fit %':>7s} {'div':>5s} {'train s':>8s}")
    for label, r in table.items():
        print(
            f"{label:26s} {r['one_step_nrmse']:8.4f} {r['k_step_nrmse_10']:8.4f} "
            f"{r['k_step_nrmse_50']:8.4f} {r['free_run_rmse']:9.4f} {r['fit_index']:7.2f} "
            f"{r['diverged_share']:5.2f} {r['seconds']:8.1f}"
        )


def load_plant(name: str, cache_dir: str | None) -> PlantData:
    from depthlab.data.control.generate import plant_data

    return plant_data(name, cache_dir=cache_dir)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--plants", default="pendulum,wiener-hammerstein,tanks")
    parser.add_argument("--seeds", default="0")
    parser.add_argument("--budget", type=float, default=90.0, help="safety cap, s per network")
    parser.add_argument("--only", default="", help="comma-separated row labels to run")
    parser.add_argument("--cache-dir", default="/work/unseen/control")
    parser.add_argument("--out", default=str(HERE / "results" / "control_sysid.json"))
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    began, report = time.perf_counter(), {}
    for plant in args.plants.split(","):
        data = load_plant(plant, args.cache_dir)
        rows = RECIPES[plant]
        chosen = [k for k in rows if not args.only or k in args.only.split(",")]
        runs = {
            label: [
                run_row(data, rows[label], s, args.budget)
                for s in (seeds[:1] if rows[label][2] is None else seeds)
            ]
            for label in chosen
        }
        table = {label: summary(r) for label, r in runs.items()}
        print_table(plant, table)
        verdict = goals(plant, table) if not args.only else {}
        verdict["deep beats shallow"] = depth(plant, table)
        print("goals:", verdict)
        report[plant] = {"table": table, "runs": runs, "goals": verdict}
    report["seconds"] = time.perf_counter() - began  # type: ignore[assignment]
    print(f"\ntotal {report['seconds']:.0f} s")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(report, indent=1, default=str))


if __name__ == "__main__":
    main()
