"""MovieLens 100K, 5-fold cross-validation as in the Surprise library's README: depthlab's
biases-only baseline, matrix factorisation (``mf:shallow``, ``mf:deep``) and neural CF
(``ncf:deep``).

Protocol (Surprise's ``cross_validate(algo, data, cv=5)``): the 100,000 ratings are shuffled
into 5 folds (``depthlab.data.splits.kfold``, seed 0, the same folds for every model); each fold
is the test set once while the model trains on the other four, less 5% of them carved out (seed
0) as a validation part: a network keeps its best validation epoch, and the baseline fits on the
same 95%. Every hyperparameter is the preset's, sized to the training part as ``depthlab train``
sizes it (``DepthModel.sized``: the penalties and schedule of ``depthlab.models.ratings``); the
sizing constants were chosen on validation parts, never on a test fold. Networks are initialised
with seed 0.

Reported per model: RMSE and MAE on the test fold (mean and standard deviation over the 5
folds), HR@10 and NDCG@10 under depthlab's sampled-candidates protocol
(:mod:`depthlab.evaluate.ranking`), parameters and training time. Every (model, fold) runs in a
fresh process; times are wall-clock seconds of the training loop on this machine, which other
jobs may share (the load average is recorded).

example:
  .venv/bin/python bench/movielens.py                         # 3 models x 5 folds
  .venv/bin/python bench/movielens.py --models mf --folds 0 1 --json out/bench/movielens.json
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

DATASET = "movielens-100k"
MODELS = {
    "biases": ("biases", "shallow"),
    "mf": ("mf", "shallow"),
    "mf-deep": ("mf", "deep"),
    "ncf": ("ncf", "deep"),
}
LABELS = {
    "biases": "biases only (depthlab)",
    "mf": "matrix factorisation, mf:shallow",
    "mf-deep": "matrix factorisation, mf:deep",
    "ncf": "neural CF, ncf:deep",
}
K = 5
VAL_FRACTION = 0.05  # of each fold's training part: the networks' best epoch
# Surprise's README (github.com/NicolasHug/Surprise, commit 3136e0a): 5-fold CV on ML-100K.
PUBLISHED = [
    ("Surprise SVD (getting-started example)", 0.9355, 0.7375),
    ("Surprise SVD (benchmark table)", 0.934, 0.737),
    ("Surprise SVD++ (benchmark table)", 0.919, 0.721),
    ("Surprise k-NN Baseline (benchmark table)", 0.931, 0.733),
    ("Surprise BaselineOnly (benchmark table)", 0.944, 0.748),
]
GOAL_RMSE = 0.89  # the best depthlab network, mean over the folds


def child(model: str, fold: int, threads: int | None) -> None:
    """Train *model* on the other folds, test on *fold*; print the figures as one JSON line."""
    import numpy as np
    import torch

    from depthlab.config import TrainSpec
    from depthlab.data.load import load_dataset
    from depthlab.data.splits import kfold
    from depthlab.evaluate.forward import forward
    from depthlab.evaluate.metrics import compute_metrics
    from depthlab.evaluate.ranking import topk_metrics
    from depthlab.models.base import build_model
    from depthlab.models.baselines import Baseline, make_baseline
    from depthlab.training.fitting import Tensors, fit_model
    from depthlab.training.preprocess import Preprocessor
    from depthlab.training.spec import resolve

    if threads is not None:
        torch.set_num_threads(threads)
    family, preset = MODELS[model]
    ds = load_dataset(DATASET)
    split = kfold(ds, k=K, seed=0, val_fraction=VAL_FRACTION)[fold]
    prep = Preprocessor.fit(ds, split.train, family)
    x = torch.from_numpy(prep.transform(ds.inputs))
    y = torch.from_numpy(prep.transform_targets(ds.targets))
    spec = prep.input_spec(1)
    tensors = Tensors(x[split.train], y[split.train], x[split.val], y[split.val])
    torch.manual_seed(0)
    given = TrainSpec(model=family, preset=preset, train={"seed": 0, "device": "cpu"})
    resolved = resolve(given, shape=(spec, len(split.train)))  # sized as depthlab train does
    cfg = resolved.train
    if family == "biases":
        net: Any = make_baseline(family, spec, seed=0)
        epochs = None
    else:
        net = build_model(family, spec, preset, **resolved.options)
        epochs = cfg.epochs
    fitted = fit_model(net, tensors, cfg, cost="size")
    cost = fitted.cost

    def predict(inputs: Any) -> np.ndarray:
        """Ratings on the target's scale (what a run folder's predict gives)."""
        x_in = prep.transform(inputs)
        out = net.outputs(x_in) if isinstance(net, Baseline) else forward(net, x_in).numpy()
        return prep.inverse_targets(out[:, 0])

    test = ds.subset(split.test)
    scores = compute_metrics("regression", test.targets, predict(test.inputs))
    ranking = topk_metrics(predict, ds, split.train, split.test)
    result = {
        "model": model,
        "fold": fold,
        "rmse": scores["rmse"],
        "mae": scores["mae"],
        **ranking,
        "train_seconds": cost["train_seconds"],
        "parameters": cost["parameters"],
        "epochs": epochs,
        "epochs_run": len(fitted.result.history),
        "best_epoch": fitted.result.best_epoch,
        "sized": {k: v for k, v in resolved.options.items() if k in ("dim", "reg", "reg_bias")},
        "batch_size": cfg.batch_size,
        "n_train": len(split.train),
        "n_val": len(split.val),
        "n_test": len(split.test),
        "torch_threads": torch.get_num_threads(),
        "numpy": np.__version__,
    }
    print(json.dumps(result))


def measure(model: str, fold: int, threads: int | None) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", model, "--folds", str(fold)]
    if threads is not None:
        command += ["--threads", str(threads)]
    load = os.getloadavg()[0]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{model} fold {fold} failed:\n{done.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    result["process_seconds"] = round(time.perf_counter() - started, 1)
    result["load_before"] = round(load, 2)
    return result


def mean_std(values: list[float]) -> tuple[float, float]:
    return statistics.mean(values), statistics.stdev(values) if len(values) > 1 else 0.0


def summarise(runs: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {"folds": [r["fold"] for r in runs], "parameters": runs[0]["parameters"]}
    for key in ("rmse", "mae", "hr@10", "ndcg@10", "train_seconds"):
        values = [r[key] for r in runs if key in r]
        if values:
            out[key] = dict(zip(("mean", "std"), mean_std(values), strict=True))
            out[key]["each"] = values
    return out


def machine() -> dict[str, Any]:
    from importlib.metadata import version

    from depthlab.machine import cpu_cores, cpu_name, memory_gib

    return {
        "cpu": cpu_name(),
        "usable_cores": cpu_cores(),
        "ram_gib": memory_gib(),
        "python": platform.python_version(),
        "torch": version("torch"),
        "depthlab": version("depthlab"),
    }


def table(summary: dict[str, dict[str, Any]]) -> str:
    def cell(stats: dict[str, Any], key: str, digits: int = 4) -> str:
        if key not in stats:
            return "-"
        return f"{stats[key]['mean']:.{digits}f} ± {stats[key]['std']:.{digits}f}"

    lines = [
        "| model | RMSE | MAE | HR@10 | NDCG@10 | parameters | train s / fold |",
        "|---|---|---|---|---|---|---|",
    ]
    for model, stats in summary.items():
        lines.append(
            f"| {LABELS[model]} | {cell(stats, 'rmse')} | {cell(stats, 'mae')} | "
            f"{cell(stats, 'hr@10', 3)} | {cell(stats, 'ndcg@10', 3)} | "
            f"{stats['parameters']:,} | {cell(stats, 'train_seconds', 1)} |"
        )
    for name, rmse, mae in PUBLISHED:
        lines.append(f"| {name} | {rmse} | {mae} | | | | |")
    return "\n".join(lines)


def verdicts(summary: dict[str, dict[str, Any]]) -> list[str]:
    out = []
    rmse = {m: s["rmse"]["mean"] for m, s in summary.items()}
    networks = {m: v for m, v in rmse.items() if m != "biases"}
    if networks:
        best = min(networks, key=networks.__getitem__)
        verdict = "PASS" if networks[best] <= GOAL_RMSE else "MISS"
        out.append(f"goal: best network RMSE <= {GOAL_RMSE}: {best} {networks[best]:.4f} {verdict}")
    if {"mf", "ncf"} <= set(summary):
        a, b = summary["mf"]["rmse"]["each"], summary["ncf"]["rmse"]["each"]
        wins = sum(y < x for x, y in zip(a, b, strict=True))
        winner = "deep (ncf)" if rmse["ncf"] < rmse["mf"] else "shallow (mf)"
        out.append(
            f"shallow vs deep: mf {rmse['mf']:.4f}, ncf {rmse['ncf']:.4f}; lower mean: {winner}; "
            f"ncf better on {wins} of {len(a)} folds"
        )
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--models", nargs="+", choices=list(MODELS), default=list(MODELS))
    parser.add_argument("--folds", nargs="+", type=int, default=list(range(K)))
    parser.add_argument("--threads", type=int, default=None, help="torch threads per run")
    parser.add_argument("--json", type=Path, default=None, help="write every figure here")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child, args.folds[0], args.threads)
        return
    started = time.perf_counter()
    runs: dict[str, list[dict[str, Any]]] = {}
    for model in args.models:
        for fold in args.folds:
            result = measure(model, fold, args.threads)
            runs.setdefault(model, []).append(result)
            print(
                f"{model:7s} fold {fold}: RMSE {result['rmse']:.4f}  MAE {result['mae']:.4f}  "
                f"train {result['train_seconds']:.1f} s  (load {result['load_before']})",
                flush=True,
            )
    summary = {model: summarise(rs) for model, rs in runs.items()}
    print()
    print(table(summary))
    print()
    for line in verdicts(summary):
        print(line)
    total = time.perf_counter() - started
    print(f"\n{len(args.models) * len(args.folds)} runs in {total:.0f} s on {machine()['cpu']}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        record = {"machine": machine(), "summary": summary, "runs": runs, "seconds": total}
        args.json.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
