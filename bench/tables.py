"""Every family at its best on tables: networks with their default (sized) settings against the
classical baselines, on the tabular built-ins and on tables nobody tuned for.

For each table and seed, every model trains as ``depthlab train DATA --target T --model M
--preset P --seed S`` does (``depthlab.train`` with the same spec, in one process so the
imports are paid once): the seeded split (70% train, 15% validation, 15% test; stratified for
classes), the table pipeline (standardised numbers, one-hot text, missing values imputed), the
family's preset sized to the data (``DepthModel.sized``), the plateau schedule, the best
validation epoch's weights. The score is the test accuracy (%) or the test R^2, mean over the
seeds; the training score is shown for the linear models, the sign of under-fitting.

Goals (issue 19): the linear network within 1 point of logistic regression (R^2 within 0.01 of
ridge); the best MLP, and the default ``--model mlp`` (shallow), within 1 point (0.01) of the best
classical model or better.

Tables: ``iris``, ``wine``, ``breast-cancer``, ``diabetes``, and those ``bench/unseen_tables.py``
builds under ``/work/unseen/tables`` (penguins, chile, mroz, cars, salaries), when built.

example:
  .venv/bin/python bench/unseen_tables.py          # once: the unseen CSVs
  .venv/bin/python bench/tables.py                 # everything, seeds 0 1 2
  .venv/bin/python bench/tables.py --datasets penguins wine --models linear logistic
  .venv/bin/python bench/tables.py --datasets penguins --set lr=0.1 --models linear
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
import warnings
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from unseen_tables import OUT as UNSEEN  # noqa: E402
from unseen_tables import TABLES, table_info  # noqa: E402

BUILT_IN = ("iris", "wine", "breast-cancer", "diabetes")
REGRESSION = ("diabetes",)
NETWORKS = ("linear", "mlp:shallow", "mlp:deep")
CLASSICAL = {"classification": ("logistic", "boosting"), "regression": ("ridge", "boosting")}
TOLERANCE = {"classification": 1.0, "regression": 0.01}  # points of accuracy, or R^2


def tables(names: list[str] | None, folder: Path) -> list[dict[str, Any]]:
    """What each table is: its data argument, target and task."""
    found = [{"name": n, "data": n, "target": None, "task": _task(n)} for n in BUILT_IN]
    for name in TABLES:
        info = table_info(name, folder)
        if Path(info["path"]).is_file():
            found.append({"name": name, "data": info["path"], **info})
    chosen = [t for t in found if names is None or t["name"] in names]
    missing = set(names or ()) - {t["name"] for t in chosen}
    if missing:
        sys.exit(f"no table {sorted(missing)} (build the unseen ones: bench/unseen_tables.py)")
    return chosen


def _task(name: str) -> str:
    return "regression" if name in REGRESSION else "classification"


def score_of(metrics: dict[str, Any], task: str) -> float:
    return 100.0 * metrics["accuracy"] if task == "classification" else metrics["r2"]


def train_one(
    table: dict[str, Any], model: str, seed: int, extra: dict[str, Any]
) -> dict[str, Any]:
    """One ``depthlab train`` run: its scores and the settings it trained with."""
    import depthlab as dl
    from depthlab.models.baselines import is_baseline

    family, _, preset = model.partition(":")
    data = {"target": table["target"]} if table["target"] else {}
    train = {} if is_baseline(family) else extra
    spec = dl.TrainSpec(model=family, preset=preset or "shallow", data=data, train=train)
    started = time.perf_counter()
    run = dl.train(table["data"], spec, seed=seed)
    metrics, task = run.metrics, table["task"]
    cfg = run.record.train
    return {
        "table": table["name"],
        "model": model,
        "seed": seed,
        "train": score_of(metrics["train"], task),
        "test": score_of(metrics["test"], task),
        "epochs": metrics.get("epochs_run"),
        "best_epoch": metrics.get("best_epoch"),
        "seconds": round(time.perf_counter() - started, 2),
        "settings": None
        if is_baseline(family)
        else {
            "lr": cfg.lr,
            "batch_size": cfg.batch_size,
            "weight_decay": cfg.weight_decay,
            "optimizer": cfg.optimizer,
            "options": {k: v for k, v in run.record.model["options"].items()},
        },
    }


def summarise(table: dict[str, Any], runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Mean scores per model, the gaps the goals speak of, and whether each is met."""
    task = table["task"]
    mean = {
        model: statistics.mean(r["test"] for r in runs if r["model"] == model)
        for model in dict.fromkeys(r["model"] for r in runs)
    }
    train = {
        model: statistics.mean(r["train"] for r in runs if r["model"] == model) for model in mean
    }
    row: dict[str, Any] = {"table": table["name"], "task": task, "test": mean, "train": train}
    classical = [m for m in CLASSICAL[task] if m in mean]
    tol = TOLERANCE[task]
    if classical:
        best = max(classical, key=mean.__getitem__)
        row["classical_best"] = best
        linear_ref = CLASSICAL[task][0]
        if "linear" in mean and linear_ref in mean:
            row["linear_gap"] = mean["linear"] - mean[linear_ref]
            row["linear_met"] = row["linear_gap"] >= -tol
        mlps = [m for m in ("mlp:shallow", "mlp:deep") if m in mean]
        if mlps:
            row["mlp_gap"] = max(mean[m] for m in mlps) - mean[best]
            row["mlp_met"] = row["mlp_gap"] >= -tol
        if "mlp:shallow" in mean:
            row["default_gap"] = mean["mlp:shallow"] - mean[best]
            row["default_met"] = row["default_gap"] >= -tol
    return row


def _fmt(value: float | None, task: str) -> str:
    if value is None:
        return "-"
    return f"{value:.1f}" if task == "classification" else f"{value:.3f}"


def _gap(row: dict[str, Any], key: str) -> str:
    if f"{key}_gap" not in row:
        return "-"
    value = row[f"{key}_gap"]
    text = f"{value:+.1f}" if row["task"] == "classification" else f"{value:+.3f}"
    return f"{text} {'met' if row[f'{key}_met'] else '**not met**'}"


def markdown(rows: list[dict[str, Any]]) -> str:
    head = (
        "| table | classical best | logistic / ridge | linear net (train) | shallow MLP | "
        "deep MLP | linear gap | best-MLP gap | default-MLP gap |\n"
        "|---|---|---:|---:|---:|---:|---|---|---|\n"
    )
    lines = []
    for row in rows:
        task, test, train = row["task"], row["test"], row["train"]
        ref = CLASSICAL[task][0]
        best = row.get("classical_best")
        lines.append(
            f"| {row['table']} | {f'{best} {_fmt(test[best], task)}' if best else '-'} "
            f"| {_fmt(test.get(ref), task)} "
            f"| {_fmt(test.get('linear'), task)} ({_fmt(train.get('linear'), task)}) "
            f"| {_fmt(test.get('mlp:shallow'), task)} | {_fmt(test.get('mlp:deep'), task)} "
            f"| {_gap(row, 'linear')} | {_gap(row, 'mlp')} | {_gap(row, 'default')} |"
        )
    return head + "\n".join(lines)


def parse_set(items: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in items:
        key, _, value = item.partition("=")
        try:
            out[key] = json.loads(value)
        except json.JSONDecodeError:
            out[key] = value
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--datasets", nargs="+", help="tables (default: every one built)")
    parser.add_argument("--models", nargs="+", help="e.g. linear mlp:deep logistic (default: all)")
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--unseen", type=Path, default=UNSEEN, help="bench/unseen_tables.py --out")
    parser.add_argument(
        "--set", nargs="*", default=[], help="training settings for the networks (experiments)"
    )
    parser.add_argument("--out", type=Path, default=HERE / "results/tables.json")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    extra = parse_set(args.set)
    rows, runs = [], []
    started, load = time.perf_counter(), os.getloadavg()[0]
    for table in tables(args.datasets, args.unseen):
        models = args.models or [*CLASSICAL[table["task"]], *NETWORKS]
        done = []
        for model in models:
            if model in ("logistic", "ridge") and model not in CLASSICAL[table["task"]]:
                continue
            for seed in args.seeds:
                result = train_one(table, model, seed, extra)
                done.append(result)
                print(
                    f"{table['name']:14s} {model:12s} seed {seed}: test "
                    f"{_fmt(result['test'], table['task'])} train "
                    f"{_fmt(result['train'], table['task'])} epochs {result['epochs']} "
                    f"({result['seconds']:.1f} s)",
                    flush=True,
                )
        runs += done
        rows.append(summarise(table, done))
    print()
    print(markdown(rows))
    seconds = time.perf_counter() - started
    print(f"\n{seconds:.0f} s; load average {load:.1f} before, {os.getloadavg()[0]:.1f} after")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps({"rows": rows, "runs": runs, "seeds": args.seeds, "set": extra}, indent=1)
    )


if __name__ == "__main__":
    main()
