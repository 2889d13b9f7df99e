"""Tuning on MNIST-1D: the deep MLP tuned with a 10-minute budget against its default preset.

1. ``dl.tune("mnist1d", "mlp", "deep", timeout=600)``: Optuna (seeded TPE, median pruning) over
   the deep MLP's default space (width, depth 2-6, dropout, lr, weight decay, batch size); every
   trial trains on depthlab's seed-0 split and is scored on its validation part.
2. The best configuration and the default ``mlp:deep`` preset are each trained again on seeds 0,
   1 and 2 (split and weights), each in a fresh process, and scored on MNIST-1D's official
   1,000-example test set, which the search never saw.

The figures are the mean ± std test accuracy over the seeds and the training wall time. The
search's own wall time is the budget; how many trials fit in it depends on how busy the machine
is, so the load average is recorded before and after.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
# Greydanus & Kobak (ICML 2024): MLP 68% test accuracy; depthlab's deep MLP preset: 75.17 ± 1.36
# (bench/README.md, accuracy_mnist1d.py, seeds 0-2).
PAPER_MLP = 68.0
PRESET_MLP = (75.17, 1.36)

EXAMPLES = """\
example:
  OMP_NUM_THREADS=1 .venv/bin/python bench/tune_mnist1d.py                 # 600 s, seeds 0 1 2
  OMP_NUM_THREADS=1 .venv/bin/python bench/tune_mnist1d.py --budget 60 --seeds 0
"""


def child(options_json: str, seed: int) -> None:
    """Train one configuration on one seed; print its test accuracy and time as JSON."""
    import depthlab as dl

    options = json.loads(options_json)
    run = dl.train(
        "mnist1d",
        dl.TrainSpec(
            model="mlp", preset="deep", options=options.get("model"), train=options.get("train")
        ),
        seed=seed,
    )
    print(
        json.dumps(
            {
                "seed": seed,
                "test_accuracy": 100 * run.metrics["test"]["accuracy"],
                "train_seconds": run.metrics["cost"]["train_seconds"],
                "epochs_run": run.metrics["epochs_run"],
            }
        )
    )


def retrain(options: dict[str, Any], seed: int) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", json.dumps(options), "--seed", str(seed)],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "DEPTHLAB_QUIET": "1"},
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def mean_std(values: list[float]) -> tuple[float, float]:
    return statistics.mean(values), statistics.stdev(values) if len(values) > 1 else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--budget", type=float, default=600.0, help="search seconds")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--out", type=Path, default=Path("/tmp/depthlab-bench-tune-mnist1d"))
    parser.add_argument("--json", type=Path, default=HERE / "results" / "tune_mnist1d.json")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--seed", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        child(args.child, args.seed)
        return

    import depthlab as dl
    from depthlab.machine import cpu_cores, cpu_name, memory_gib

    load_before = os.getloadavg()
    started = time.perf_counter()
    # Trials are bounded by the budget, not by a count: as many as fit in it.
    result = dl.tune(
        "mnist1d",
        dl.TrainSpec(model="mlp", preset="deep"),
        trials=10_000,
        timeout=args.budget,
        out=args.out,
    )
    search_seconds = time.perf_counter() - started
    best = result.best
    configs = {
        "default mlp:deep": {},
        "tuned mlp:deep": {"model": best["model"], "train": best["train"]},
    }
    rows: dict[str, Any] = {}
    for name, options in configs.items():
        runs = [retrain(options, seed) for seed in args.seeds]
        acc = mean_std([r["test_accuracy"] for r in runs])
        secs = mean_std([r["train_seconds"] for r in runs])
        rows[name] = {"runs": runs, "test_accuracy": acc, "train_seconds": secs}
        print(
            f"{name}: test accuracy {acc[0]:.2f} ± {acc[1]:.2f}  train {secs[0]:.1f} s", flush=True
        )
    report = {
        "machine": {
            "cpu": cpu_name(),
            "cores": cpu_cores(),
            "memory_gib": memory_gib(),
            "python": platform.python_version(),
            "load_before": load_before,
            "load_after": os.getloadavg(),
        },
        "budget_seconds": args.budget,
        "search_seconds": round(search_seconds, 1),
        "trials": best["trials"],
        "best": {k: best[k] for k in ("value", "trial", "params", "model", "train")},
        "results": rows,
        "seeds": args.seeds,
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print()
    print("| MNIST-1D MLP | test accuracy % (mean ± std) | train s / seed | published |")
    print("|---|---|---|---|")
    for name, row in rows.items():
        (acc, sd), (secs, _) = row["test_accuracy"], row["train_seconds"]
        print(f"| {name} | {acc:.2f} ± {sd:.2f} | {secs:.1f} | MLP {PAPER_MLP:.0f} (paper) |")
    print(
        f"\nsearch: {search_seconds:.0f} s, trials {best['trials']}, best val accuracy "
        f"{best['value']:.4f} (trial {best['trial']}): {best['params']}"
    )
    print(f"load average before {load_before}, after {os.getloadavg()}")


if __name__ == "__main__":
    main()
