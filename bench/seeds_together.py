"""Training several seeds of one model together: does it pay on this machine?

The depth study trains every model once per seed. This measures, for the study's deep MLP and deep
CNN on MNIST-1D (depthlab's split and preprocessing, the presets' recipe, a fixed number of
epochs), the wall time of 3 seeds divided by the time of one seed, three ways:

- ``one``: one seed with all cores (``torch`` threads = cores), the reference;
- ``stacked``: 3 seeds in one process, parameters stacked with ``torch.func.stack_module_state`` and
  the forward pass ``vmap``-ed over the seeds (``functional_call``), one AdamW over the stacks,
  each seed with its own batches and dropout;
- ``workers``: 3 seeds as separate processes, at most one per core with one thread each: what the
  study's executor does.

Only the training loop is timed (each process reports when its loop started and ended; a mode's
time is the span from the first start to the last end). Goal (issue 4): 3 seeds / 1 seed <= 1.6.

example:
  .venv/bin/python bench/seeds_together.py
  .venv/bin/python bench/seeds_together.py --models mlp:deep --epochs 3
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SEEDS = (0, 1, 2)
GOAL = 1.6


def tensors(seed: int) -> tuple[Any, Any, Any]:
    import torch

    import depthlab as dl
    from depthlab.training.preprocess import Preprocessor

    ds = dl.load_dataset("mnist1d")
    split = dl.split_dataset(ds, seed=seed)
    prep = Preprocessor.fit(ds, split.train)
    x = torch.from_numpy(prep.transform(ds.inputs))[split.train]
    y = torch.from_numpy(prep.transform_targets(ds.targets))[split.train]
    return x, y, prep.input_spec(ds.n_classes)


def child_one(model: str, seed: int, epochs: int, threads: int) -> dict[str, float]:
    import torch

    from depthlab.config import TrainSpec
    from depthlab.models.base import build_model
    from depthlab.training.fitting import Tensors, fit_model
    from depthlab.training.spec import resolve

    torch.set_num_threads(threads)
    x, y, spec = tensors(seed)
    family, preset = model.split(":")
    given = TrainSpec(model=family, preset=preset, train={"epochs": epochs, "seed": seed})
    torch.manual_seed(seed)
    net = build_model(family, spec, preset)
    started = time.time()
    fit_model(net, Tensors(x, y, x[:0], y[:0]), resolve(given).train)
    return {"start": started, "end": time.time()}


def child_stacked(model: str, epochs: int, threads: int) -> dict[str, float]:
    """3 seeds through torch.func: stacked parameters, a vmapped forward, one optimiser."""
    import torch
    from torch.func import functional_call, stack_module_state, vmap

    from depthlab.config import TrainConfig
    from depthlab.models.base import build_model, get_family
    from depthlab.training.loop import make_optimizer, make_scheduler

    torch.set_num_threads(threads)
    data = [tensors(seed) for seed in SEEDS]
    family, preset = model.split(":")
    cfg = TrainConfig(**{**get_family(family).train_presets.get(preset, {}), "epochs": epochs})
    nets = []
    for seed in SEEDS:
        torch.manual_seed(seed)
        nets.append(build_model(family, data[0][2], preset))
    params, buffers = stack_module_state(nets)  # type: ignore[arg-type]
    base = copy.deepcopy(nets[0]).to("meta")
    holder = torch.nn.Module()
    for i, value in enumerate(params.values()):
        holder.register_parameter(f"p{i}", torch.nn.Parameter(value.detach()))
    names = list(params)

    def forward(p: dict[str, Any], b: dict[str, Any], xb: Any) -> Any:
        return functional_call(base, (p, b), (xb,))

    n = min(len(d[0]) for d in data)
    steps = (n + cfg.batch_size - 1) // cfg.batch_size
    optimizer = make_optimizer(holder, cfg)
    scheduler = make_scheduler(optimizer, cfg, steps)
    generators = [torch.Generator().manual_seed(s) for s in SEEDS]
    started = time.time()
    for _ in range(cfg.epochs):
        orders = [torch.randperm(n, generator=g) for g in generators]
        for step in range(steps):
            idx = [o[step * cfg.batch_size : (step + 1) * cfg.batch_size] for o in orders]
            size = min(len(i) for i in idx)
            xb = torch.stack([d[0][i[:size]] for d, i in zip(data, idx, strict=True)])
            yb = torch.stack([d[1][i[:size]] for d, i in zip(data, idx, strict=True)])
            stacked = {k: getattr(holder, f"p{i}") for i, k in enumerate(names)}
            out = vmap(forward, randomness="different")(stacked, buffers, xb)  # (S, B, K)
            loss = torch.nn.functional.cross_entropy(out.flatten(0, 1), yb.flatten()) * len(SEEDS)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            if scheduler is not None:
                scheduler.step()
    return {"start": started, "end": time.time()}


def launch(args: list[str], threads: int) -> subprocess.Popen[str]:
    env = {**os.environ, "OMP_NUM_THREADS": str(threads), "DEPTHLAB_QUIET": "1"}
    command = [sys.executable, __file__, "--child", *args, "--threads", str(threads)]
    return subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env)


def span(processes: list[subprocess.Popen[str]]) -> float:
    times = []
    for process in processes:
        out, _ = process.communicate()
        if process.returncode != 0:
            raise SystemExit(f"a measurement failed ({process.returncode})")
        times.append(json.loads(out.strip().splitlines()[-1]))
    return max(t["end"] for t in times) - min(t["start"] for t in times)


def measure(model: str, epochs: int, cores: int) -> dict[str, float]:
    one = span([launch(["one", model, "0", str(epochs)], cores)])
    stacked = span([launch(["stacked", model, "-", str(epochs)], cores)])
    running: list[subprocess.Popen[str]] = []
    finished: list[dict[str, float]] = []
    for seed in SEEDS:  # at most one worker per core, one thread each, like the study
        if len(running) == cores:
            first = running.pop(0)
            out, _ = first.communicate()
            finished.append(json.loads(out.strip().splitlines()[-1]))
        running.append(launch(["one", model, str(seed), str(epochs)], 1))
    for process in running:
        out, _ = process.communicate()
        finished.append(json.loads(out.strip().splitlines()[-1]))
    workers = max(t["end"] for t in finished) - min(t["start"] for t in finished)
    return {"one": one, "stacked": stacked, "workers": workers}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--models", nargs="+", default=["mlp:deep", "cnn:deep"])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--out", default=str(HERE / "results" / "seeds_together.json"))
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    parser.add_argument("--threads", type=int, default=0, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        mode, model, seed, epochs = options.child
        if mode == "one":
            result = child_one(model, int(seed), int(epochs), options.threads)
        else:
            result = child_stacked(model, int(epochs), options.threads)
        print(json.dumps(result))
        return
    cores = len(os.sched_getaffinity(0))
    rows = {}
    header = ("model", "1 seed s", "stacked x3", "ratio", "workers x3", "ratio")
    print("{:10s} {:>9s} {:>11s} {:>6s} {:>11s} {:>6s}".format(*header))
    for model in options.models:
        t = measure(model, options.epochs, cores)
        rows[model] = {
            **t,
            "stacked_ratio": t["stacked"] / t["one"],
            "workers_ratio": t["workers"] / t["one"],
        }
        r = rows[model]
        print(
            f"{model:10s} {t['one']:9.2f} {t['stacked']:11.2f} {r['stacked_ratio']:6.2f} "
            f"{t['workers']:11.2f} {r['workers_ratio']:6.2f}",
            flush=True,
        )
    best = {m: min(r["stacked_ratio"], r["workers_ratio"]) for m, r in rows.items()}
    for model, ratio in best.items():
        verdict = "met" if ratio <= GOAL else "MISSED"
        print(f"goal 3 seeds / 1 seed <= {GOAL}: {model} best {ratio:.2f} ({verdict})")
    record = {
        "machine": {
            "platform": platform.platform(),
            "cores": cores,
            "python": sys.version.split()[0],
        },
        "epochs": options.epochs,
        "results": rows,
    }
    Path(options.out).parent.mkdir(parents=True, exist_ok=True)
    Path(options.out).write_text(json.dumps(record, indent=2) + "\n")
    print(f"results: {options.out}")


if __name__ == "__main__":
    main()
