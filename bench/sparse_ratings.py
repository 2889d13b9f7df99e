"""Every factorisation model against the biases-only baseline on sparse ratings tables nobody
tuned for (built by ``bench/unseen_ratings.py`` under ``/work/unseen/ratings/``).

Protocol: each table is trained on as ``depthlab train TABLE --model MODEL`` would be, with
everything at its default: the 70/15/15 random split of the seed (seeds 0-4, so 5 splits), the
family's preset sized to the training part (``DepthModel.sized``: the penalties and schedule of
``depthlab.models.ratings``), the best validation epoch kept. Reported: test RMSE on the
table's own scale, mean and standard deviation over the seeds, and on how many seeds each model
beats ``biases`` (the same split, so the comparison is paired). The goal: every factorisation
model's mean RMSE below the baseline's on every table. Nothing here was tuned on these tables'
test parts; the sizing constants were chosen on validation parts (bench/README.md).

example:
  .venv/bin/python bench/sparse_ratings.py
  .venv/bin/python bench/sparse_ratings.py --tables synthetic-lowrank-1to10 --seeds 0 1
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
TABLES = ("ml-small-sparse-1to10", "insteval-1to5", "synthetic-lowrank-1to10")
MODELS = ("biases", "mf:shallow", "mf:deep", "ncf:shallow", "ncf:deep")


def measure(path: Path, model: str, seed: int) -> dict[str, Any]:
    """Train *model* on the table at *path* with the split and weights of *seed*."""
    import depthlab as dl

    family, _, preset = model.partition(":")
    spec = dl.TrainSpec(model=family, preset=preset or "shallow", train={"seed": seed})
    started = time.perf_counter()
    run = dl.train(path, spec)
    options = run.record.model.get("options", {})
    sized = {k: options[k] for k in ("dim", "reg", "reg_bias") if k in options}
    if family != "biases":  # a network's sized schedule too
        sized |= {"batch_size": run.record.train.batch_size, "epochs": run.record.train.epochs}
    return {
        "model": model,
        "seed": seed,
        "test_rmse": run.metrics["test"]["rmse"],
        "train_rmse": run.metrics["train"]["rmse"],
        "val_rmse": run.metrics["val"]["rmse"],
        "epochs": len(run.history),
        "sized": sized,
        "seconds": round(time.perf_counter() - started, 1),
    }


def summarise(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Per model: mean and std of the test RMSE, and seeds won against biases."""
    by_model: dict[str, dict[int, float]] = {}
    for r in runs:
        by_model.setdefault(r["model"], {})[r["seed"]] = r["test_rmse"]
    base = by_model.get("biases", {})
    out = {}
    for model, scores in by_model.items():
        values = list(scores.values())
        wins = sum(scores[s] < base[s] for s in scores if s in base)
        out[model] = {
            "mean": statistics.mean(values),
            "std": statistics.stdev(values) if len(values) > 1 else 0.0,
            "wins": wins,
            "seeds": len(values),
        }
    return out


def table(summary: dict[str, dict[str, dict[str, Any]]]) -> str:
    models = list(next(iter(summary.values())))
    lines = ["| table | " + " | ".join(models) + " |", "|---|" + "---|" * len(models)]
    for name, stats in summary.items():
        cells = []
        for model in models:
            s = stats[model]
            wins = "" if model == "biases" else f" ({s['wins']}/{s['seeds']})"
            cells.append(f"{s['mean']:.4f} ± {s['std']:.4f}{wins}")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def verdicts(summary: dict[str, dict[str, dict[str, Any]]]) -> list[str]:
    out = []
    for name, stats in summary.items():
        base = stats["biases"]["mean"]
        for model, s in stats.items():
            if model != "biases":
                verdict = "PASS" if s["mean"] < base else "MISS"
                out.append(f"{name}: {model} {s['mean']:.4f} vs biases {base:.4f} {verdict}")
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--dir", type=Path, default=Path("/work/unseen/ratings"))
    parser.add_argument("--tables", nargs="+", default=list(TABLES))
    parser.add_argument("--models", nargs="+", default=list(MODELS))
    parser.add_argument("--seeds", nargs="+", type=int, default=list(range(5)))
    parser.add_argument("--json", type=Path, default=HERE / "results" / "sparse_ratings.json")
    args = parser.parse_args(argv)
    logging.disable(logging.WARNING)  # the runs' own progress lines
    started, load = time.perf_counter(), os.getloadavg()[0]
    runs: dict[str, list[dict[str, Any]]] = {}
    for name in args.tables:
        path = args.dir / f"{name}.csv"
        if not path.is_file():
            raise SystemExit(f"{path} is missing: build it with bench/unseen_ratings.py")
        for model in args.models:
            for seed in args.seeds:
                result = measure(path, model, seed)
                runs.setdefault(name, []).append(result)
                print(
                    f"{name} {model:12s} seed {seed}: test RMSE {result['test_rmse']:.4f} "
                    f"(train {result['train_rmse']:.4f}, {result['epochs']} epochs, "
                    f"{result['seconds']} s) {result['sized']}",
                    flush=True,
                )
    summary = {name: summarise(rs) for name, rs in runs.items()}
    print()
    print(table(summary))
    print()
    print("\n".join(verdicts(summary)))
    total = time.perf_counter() - started
    print(f"\n{sum(map(len, runs.values()))} runs in {total:.0f} s (load before: {load:.1f})")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    record = {"summary": summary, "runs": runs, "seconds": total, "load_before": load}
    args.json.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
