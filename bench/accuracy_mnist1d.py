"""Accuracy of depthlab's default presets on MNIST-1D, beside the paper's figures and our goals.

Every family x preset (``linear``, ``mlp``, ``cnn`` and ``rnn``, each ``shallow`` and ``deep``)
is trained with depthlab's defaults, ``dl.train("mnist1d", family, preset, seed=s)``, once per
seed: the canonical 4,000 training examples (3,250 train + 750 validation after depthlab's
seeded split) and the official 1,000 test examples, on which the accuracy is measured. The
weights kept are those of the best validation epoch, as ``dl.train`` does.

Each run happens in a fresh Python process, so that its peak memory is its own: the figure is
``metrics["cost"]["peak_memory_mb"]``, the rise of the child's peak resident memory
(``ru_maxrss``) over the training loop, after imports and data loading. The parent imports no
torch and stays small, since a child inherits its parent's ``ru_maxrss`` across fork + exec.
Training time is ``metrics["cost"]["train_seconds"]``: the training loop's wall time (the
epochs and their validation passes), without imports, data generation or the final test.
The load average is sampled before and after every run, as a record of how busy the machine was.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DATASET = "mnist1d"
ALL_MODELS = (
    ("linear", "shallow"),
    ("mlp", "shallow"),
    ("mlp", "deep"),
    ("cnn", "shallow"),
    ("cnn", "deep"),
    ("rnn", "shallow"),
    ("rnn", "deep"),
)
# Greydanus & Kobak, "Scaling Down Deep Learning with MNIST-1D" (ICML 2024), test accuracy.
PAPER = {"linear": ("logistic", 32.0), "mlp": ("MLP", 68.0), "cnn": ("CNN", 94.0)}
PAPER["rnn"] = ("GRU", 91.0)
HUMAN_EXPERT = 96.0
# Goals, on the mean test accuracy over the seeds (percent); the CNN also has a time budget.
ACCURACY_GOALS = {
    ("cnn", "deep"): 98.5,
    ("rnn", "deep"): 96.0,
    ("mlp", "deep"): 75.0,
    ("mlp", "shallow"): 58.0,
}
LINEAR_TARGET, LINEAR_TOLERANCE = 32.0, 3.0  # "about 32%": a sanity check, within 3 points
CNN_SECONDS_GOAL = 60.0  # deep CNN training on an otherwise idle 2-core machine

EXAMPLES = """\
example:
  .venv/bin/python bench/accuracy_mnist1d.py                       # everything, seeds 0 1 2
  .venv/bin/python bench/accuracy_mnist1d.py --models cnn:deep mlp --seeds 0
  .venv/bin/python bench/accuracy_mnist1d.py --out bench/results/mnist1d-cnn.json --models cnn
  .venv/bin/python bench/accuracy_mnist1d.py --threads 1   # on a machine busy with other work
"""


# ---------------------------------------------------------------------------------------------
# One training run, in a child process


def child(family: str, preset: str, seed: int, threads: int | None) -> None:
    """Train one model with depthlab's defaults and print its figures as one JSON line."""
    import torch

    import depthlab as dl
    from depthlab.data.load import load_dataset

    if threads is not None:
        torch.set_num_threads(threads)

    ds = load_dataset(DATASET)  # generated here, outside the measured training
    start = time.perf_counter()
    run = dl.train(ds, dl.TrainSpec(model=family, preset=preset), seed=seed)
    wall = time.perf_counter() - start
    cost = run.metrics["cost"]
    result = {
        "family": family,
        "preset": preset,
        "seed": seed,
        "test_accuracy": run.metrics["test"]["accuracy"],
        "val_accuracy": run.metrics["val"]["accuracy"],
        "train_seconds": cost["train_seconds"],
        "train_call_seconds": wall,
        "peak_memory_mb": cost["peak_memory_mb"],
        "parameters": cost["parameters"],
        "flops_per_example": cost["flops_per_example"],
        "epochs_run": run.metrics["epochs_run"],
        "best_epoch": run.metrics["best_epoch"],
        "split": {k: run.config["split"][k] for k in ("train", "val", "test")},
        "model_options": run.config["model"]["options"],
        "train_options": {
            k: run.config["train"][k]
            for k in ("epochs", "batch_size", "lr", "optimizer", "weight_decay", "schedule")
        },
        "torch_threads": torch.get_num_threads(),
        "device": run.metrics["device"],
    }
    print(json.dumps(result))


def measure(family: str, preset: str, seed: int, threads: int | None) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", f"{family}:{preset}", "--seeds", str(seed)]
    if threads is not None:
        command += ["--threads", str(threads)]
    load_before = os.getloadavg()
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False, cwd=Path.cwd())
    if done.returncode != 0:
        raise SystemExit(f"training {family} {preset} seed {seed} failed:\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    result["process_seconds"] = time.perf_counter() - started
    result["load_before"] = [round(x, 2) for x in load_before]
    result["load_after"] = [round(x, 2) for x in os.getloadavg()]
    return result


# ---------------------------------------------------------------------------------------------
# The parent: machine, runs, table, JSON


def machine() -> dict[str, Any]:
    """The machine and software, as every benchmark records them (depthlab.machine)."""
    from depthlab.machine import describe

    return dict(describe("numpy", "mnist1d"))


def shown_command() -> str:
    python = Path(sys.executable)
    try:
        shown = str(python.relative_to(Path.cwd()))
    except ValueError:
        shown = str(python)
    return shlex.join([shown, *sys.argv])


def parse_models(names: list[str] | None) -> list[tuple[str, str]]:
    """``cnn`` (both presets), ``cnn:deep`` or ``linear``, in the benchmark's order."""
    if not names:
        return list(ALL_MODELS)
    chosen: set[tuple[str, str]] = set()
    for name in names:
        family, _, preset = name.partition(":")
        matches = [m for m in ALL_MODELS if m[0] == family and preset in ("", m[1])]
        if not matches:
            known = ", ".join(f"{f}:{p}" for f, p in ALL_MODELS)
            raise SystemExit(f"unknown model '{name}'; choose from {known} (or a family alone)")
        chosen.update(matches)
    return [m for m in ALL_MODELS if m in chosen]


def mean_std(values: list[float]) -> tuple[float, float]:
    return statistics.mean(values), statistics.stdev(values) if len(values) > 1 else 0.0


def summarise(runs: list[dict[str, Any]]) -> dict[str, Any]:
    accuracy = [100 * r["test_accuracy"] for r in runs]
    seconds = [r["train_seconds"] for r in runs]
    acc_mean, acc_std = mean_std(accuracy)
    sec_mean, sec_std = mean_std(seconds)
    return {
        "seeds": [r["seed"] for r in runs],
        "test_accuracy_mean": acc_mean,
        "test_accuracy_std": acc_std,
        "test_accuracy_each": accuracy,
        "train_seconds_mean": sec_mean,
        "train_seconds_std": sec_std,
        "train_seconds_min": min(seconds),
        "peak_memory_mb_median": statistics.median(r["peak_memory_mb"] for r in runs),
        "parameters": runs[0]["parameters"],
        "flops_per_example": runs[0]["flops_per_example"],
        "best_epochs": [r["best_epoch"] for r in runs],
    }


def verdicts(summary: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """One line per goal whose model was run: what it asks, what was measured, PASS or MISS."""
    lines: list[dict[str, Any]] = []
    for (family, preset), goal in ACCURACY_GOALS.items():
        s = summary.get(f"{family}:{preset}")
        if s is None:
            continue
        measured = s["test_accuracy_mean"]
        lines.append(
            {
                "goal": f"{family} {preset} accuracy >= {goal}%",
                "measured": f"{measured:.2f}%",
                "passed": measured >= goal,
            }
        )
        if (family, preset) == ("cnn", "deep"):
            seconds = s["train_seconds_mean"]
            lines.append(
                {
                    "goal": f"cnn deep training <= {CNN_SECONDS_GOAL:.0f} s (idle machine)",
                    "measured": f"{seconds:.1f} s mean, {s['train_seconds_min']:.1f} s fastest",
                    "passed": seconds <= CNN_SECONDS_GOAL,
                }
            )
    s = summary.get("linear:shallow")
    if s is not None:
        measured = s["test_accuracy_mean"]
        lines.append(
            {
                "goal": f"linear about {LINEAR_TARGET:.0f}% (within {LINEAR_TOLERANCE:.0f} points)",
                "measured": f"{measured:.2f}%",
                "passed": abs(measured - LINEAR_TARGET) <= LINEAR_TOLERANCE,
            }
        )
    return lines


def report(results: dict[str, Any]) -> None:
    m = results["machine"]
    print()
    print(
        f"machine: {m['cpu']}, {m['usable_cores']} usable cores ({m['cores']} in all), "
        f"{m['ram_gib']} GiB RAM, {m['os']}"
    )
    threads = sorted({r["torch_threads"] for r in results["runs"]})
    print(
        f"python {m['python']}, torch {m['torch']} ({', '.join(map(str, threads))} threads), "
        f"numpy {m['numpy']}, depthlab {m['depthlab']}, mnist1d {m['mnist1d']}"
    )
    print(f"command: {results['command']}")
    loads = [r["load_before"][0] for r in results["runs"]] + [
        r["load_after"][0] for r in results["runs"]
    ]
    print(
        f"load average (1 min) around the runs: median {statistics.median(loads):.2f}, "
        f"max {max(loads):.2f} on {m['usable_cores']} cores"
    )
    print()
    header = (
        f"{'model':14}{'test acc %':>16}{'paper %':>15}{'goal %':>9}"
        f"{'train s':>15}{'params':>10}{'peak Δ MiB':>12}"
    )
    print(header)
    print("-" * len(header))
    for key, s in results["summary"].items():
        family, preset = key.split(":")
        label, paper = PAPER[family]
        goal = ACCURACY_GOALS.get((family, preset))
        goal_text = f">={goal:g}" if goal else ("~32" if family == "linear" else "")
        print(
            f"{family + ' ' + preset:14}"
            f"{s['test_accuracy_mean']:9.2f} ± {s['test_accuracy_std']:4.2f}"
            f"{label:>9} {paper:4.0f}{goal_text:>9}"
            f"{s['train_seconds_mean']:8.1f} ± {s['train_seconds_std']:4.1f}"
            f"{s['parameters']:>10,}{s['peak_memory_mb_median']:12.1f}"
        )
    print("-" * len(header))
    print(f"human expert (paper): {HUMAN_EXPERT:g}%   seeds: {results['params']['seeds']}")
    print()
    for line in results["verdicts"]:
        mark = "PASS" if line["passed"] else "MISS"
        print(f"{mark}  {line['goal']:44} measured {line['measured']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=(
            "Test accuracy on MNIST-1D of every model family and preset trained with depthlab's "
            "defaults, mean ± std over seeds, with training time, parameters and peak memory, "
            "beside the MNIST-1D paper's figures and depthlab's goals (each run in a fresh "
            "process)."
        ),
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--seeds", type=int, nargs="+", default=[0, 1, 2], help="seeds (default 0 1 2)"
    )
    parser.add_argument(
        "--models",
        nargs="+",
        metavar="MODEL",
        help="a subset: families (cnn) or family:preset (cnn:deep); default all seven",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=HERE / "results" / "accuracy_mnist1d.json",
        help="JSON results (default bench/results/accuracy_mnist1d.json)",
    )
    parser.add_argument(
        "--threads",
        type=int,
        help="torch.set_num_threads in each run (default: torch's own choice, one per core); "
        "1 keeps a busy machine from being oversubscribed",
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:
        family, preset = args.child.split(":")
        child(family, preset, args.seeds[0], args.threads)
        return 0

    models = parse_models(args.models)
    results: dict[str, Any] = {
        "benchmark": "accuracy_mnist1d",
        "date": time.strftime("%Y-%m-%d"),
        "command": shown_command(),
        "machine": machine(),
        "params": {"dataset": DATASET, "seeds": args.seeds, "threads": args.threads},
        "paper": {family: {"model": m, "accuracy": a} for family, (m, a) in PAPER.items()},
        "runs": [],
    }
    started = time.perf_counter()
    by_model: dict[str, list[dict[str, Any]]] = {}
    for family, preset in models:
        for seed in args.seeds:
            result = measure(family, preset, seed, args.threads)
            results["runs"].append(result)
            by_model.setdefault(f"{family}:{preset}", []).append(result)
            print(
                f"  {family:6} {preset:7} seed {seed}: test {100 * result['test_accuracy']:6.2f}%"
                f"  train {result['train_seconds']:7.1f} s  peak Δ "
                f"{result['peak_memory_mb']:7.1f} MiB  load {result['load_before'][0]:.2f}"
                f"->{result['load_after'][0]:.2f}",
                flush=True,
            )
    results["summary"] = {key: summarise(runs) for key, runs in by_model.items()}
    results["verdicts"] = verdicts(results["summary"])
    results["total_seconds"] = time.perf_counter() - started
    report(results)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nresults: {args.out} ({results['total_seconds'] / 60:.1f} min in all)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
