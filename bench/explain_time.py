"""Explanation time per example of each attribution method on the MNIST-1D deep CNN.

For each seed, a fresh Python process trains the deep CNN with depthlab's defaults
(``dl.train("mnist1d", "cnn", "deep", seed=s)``, optionally fewer ``--epochs``), then explains
the same ``--samples`` test examples with every method of ``depthlab explain``
(integrated gradients with ``--steps`` steps, saliency, occlusion, permutation), all examples in
one batched call as ``dl.explain`` makes it. The time per example is that call's wall time
divided by the number of examples (after one untimed warm-up call on two examples); the
faithfulness (deletion curve, random order minus attribution order) of each method's
attributions is printed beside it, as a check that the fast methods are not fast for nothing.
The load average is recorded before and after: the machine may be shared.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

METHODS = ("integrated-gradients", "saliency", "occlusion", "permutation")

EXAMPLES = """\
example:
  .venv/bin/python bench/explain_time.py                      # seeds 0 1 2, 200 examples
  .venv/bin/python bench/explain_time.py --seeds 0 --epochs 5 --samples 50
"""


def child(seed: int, samples: int, steps: int, epochs: int | None, threads: int) -> None:
    """Train one deep CNN, time every method on the same test examples; one JSON line."""
    import numpy as np
    import torch

    import depthlab as dl
    from depthlab.data.load import load_dataset
    from depthlab.explaining.data import background, pick, target_of
    from depthlab.explaining.faithfulness import deletion
    from depthlab.explaining.methods import attribute
    from depthlab.training.reload import run_data

    torch.set_num_threads(threads)
    ds = load_dataset("mnist1d")
    options = {"epochs": epochs} if epochs else {}
    run = dl.train(ds, dl.TrainSpec(model="cnn", preset="deep", train=options), seed=seed)
    examples, split = run_data(run, ds)
    indices = pick(split.test, samples, seed)
    x = run.preprocessor.transform(examples.subset(indices).inputs)
    target = target_of(run.task, examples.targets[indices])
    base = background(run.preprocessor.transform(examples.subset(split.train[:2000]).inputs))
    out: dict[str, Any] = {
        "seed": seed,
        "test_accuracy": run.metrics["test"]["accuracy"],
        "samples": len(x),
        "threads": torch.get_num_threads(),
        "methods": {},
    }
    for method in METHODS:
        attribute(run.model, x[:2], method, target=target[:2], baseline=base, steps=steps)
        started = time.perf_counter()
        values = attribute(run.model, x, method, target=target, baseline=base, steps=steps)
        seconds = time.perf_counter() - started
        faith = deletion(run.model, x, values, target=target, baseline=base)
        out["methods"][method] = {
            "ms_per_example": 1000 * seconds / len(x),
            "faithfulness": faith["faithfulness"],
            "finite": bool(np.isfinite(values).all()),
        }
    print(json.dumps(out))


def measure(seed: int, args: argparse.Namespace) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", "--seeds", str(seed)]
    command += ["--samples", str(args.samples), "--steps", str(args.steps)]
    command += ["--threads", str(args.threads)]
    if args.epochs:
        command += ["--epochs", str(args.epochs)]
    load_before = os.getloadavg()[0]
    done = subprocess.run(command, capture_output=True, text=True, check=False, cwd=Path.cwd())
    if done.returncode != 0:
        raise SystemExit(f"seed {seed} failed:\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    result["load_average"] = [load_before, os.getloadavg()[0]]
    return result


def spread(values: list[float], digits: int) -> str:
    mean = statistics.fmean(values)
    std = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{mean:.{digits}f} ± {std:.{digits}f}"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--samples", type=int, default=200, help="test examples explained")
    parser.add_argument("--steps", type=int, default=32, help="integrated-gradients steps")
    parser.add_argument("--epochs", type=int, default=None, help="cap the CNN's training")
    parser.add_argument("--threads", type=int, default=1, help="torch threads of each child")
    parser.add_argument("--out", type=Path, default=None, help="also write the results (JSON)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.seeds[0], args.samples, args.steps, args.epochs, args.threads)
        return

    from depthlab.machine import cpu_cores, cpu_name, memory_gib

    print(f"machine: {cpu_name()}, {cpu_cores()} cores, {memory_gib() or 0:.0f} GiB")
    results = []
    for seed in args.seeds:
        result = measure(seed, args)
        results.append(result)
        print(
            f"seed {seed}: test accuracy {result['test_accuracy']:.1%}, load average "
            f"{result['load_average'][0]:.1f} -> {result['load_average'][1]:.1f}",
            flush=True,
        )
    print(
        f"\nMNIST-1D deep CNN, {results[0]['samples']} test examples, {args.steps} IG steps, "
        f"{args.threads} thread(s), {len(results)} seed(s): mean ± std over seeds"
    )
    print(f"{'method':<22} {'ms per example':>18} {'faithfulness':>18}")
    for method in METHODS:
        times = [r["methods"][method]["ms_per_example"] for r in results]
        faith = [r["methods"][method]["faithfulness"] for r in results]
        print(f"{method:<22} {spread(times, 2):>18} {spread(faith, 3):>18}")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
