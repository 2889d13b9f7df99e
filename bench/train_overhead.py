"""Training overhead: depthlab's loop against a hand-written PyTorch loop, same model and steps.

Every contestant trains the same network (same architecture, same initial weights, copied through
``state_dict``) on the same float32 tensors (MNIST-1D through depthlab's split and preprocessing)
for the same number of optimiser steps, with the same recipe: AdamW, a one-cycle learning-rate
schedule stepped per batch, gradient-norm clipping, shuffled batches, and a validation pass
(loss and accuracy) after every epoch. The contestants:

- ``hand``: a plain PyTorch loop over in-memory tensors with ``randperm`` batches (the reference);
- ``depthlab``: ``depthlab.training.loop.fit(model, Tensors(...), TrainConfig(...), task)``, the
  public training path that ``dl.train`` calls, without a checkpoint or history file;
- ``dataloader``: the hand loop fed by a ``DataLoader`` over a ``TensorDataset`` (for context);
- ``skorch``: ``NeuralNetClassifier`` with the validation set as a predefined split;
- ``lightning``: ``lightning.pytorch.Trainer`` with ``max_steps``, no checkpointing, logger or
  progress bar, in-memory ``TensorDataset`` DataLoaders.

skorch and Lightning are optional (``make bench-env`` installs them in ``bench/.venv`` only); a
missing one is reported and skipped. Each measurement runs in a fresh Python process that sets
``torch.set_num_threads``, imports everything, and warms up with one epoch on a copy of the model
before the clock starts. The contestants alternate, ``--repeats`` times each; the table reports
the median wall time, its ratio to the hand loop's median, and the test accuracy of the trained
model (so that nobody wins by doing less). Goal (issue): depthlab's ratio at most 1.05.
"""

from __future__ import annotations

import argparse
import copy
import gc
import hashlib
import importlib.util
import json
import logging
import math
import os
import platform
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

RATIO_GOAL = 1.05
EVAL_BATCH = 1024  # the validation batch of every contestant, as depthlab's loop uses
HERE = Path(__file__).resolve().parent
CONTESTANTS = ("hand", "depthlab", "dataloader", "skorch", "lightning")
OPTIONAL = {"skorch": "skorch", "lightning": "lightning"}  # contestant -> module to import
MODELS: dict[str, dict[str, Any]] = {
    # The MNIST-1D paper's MLP (two hidden layers of 100 ReLU units) ...
    "mlp": {"hidden_sizes": [100, 100], "activation": "relu", "norm": "none", "dropout": 0.0},
    # ... and a small CNN like its: three convolutions of 25 channels, kernel 5, ReLU, no norm
    # (depthlab's CNN max-pools after each and averages over positions before the linear head).
    "cnn": {
        "channels": [25, 25, 25],
        "kernel_size": 5,
        "norm": "none",
        "activation": "relu",
        "pool": "max",
        "dropout": 0.0,
    },
}

EXAMPLES = """\
example:
  .venv/bin/python bench/train_overhead.py                # depthlab, hand loop, DataLoader
  make bench-train                                        # + skorch and Lightning (bench/.venv)
  bench/.venv/bin/python bench/train_overhead.py --models mlp --steps 2000 --repeats 5
"""


# ---------------------------------------------------------------------------------------------
# What every contestant shares (used in the child processes)


def load_shared(folder: Path, family: str) -> tuple[dict[str, Any], Any, dict[str, Any]]:
    """The prepared tensors, a freshly built model with the shared initial weights, the setup."""
    import torch

    import depthlab
    from depthlab.features.spec import InputSpec

    setup = json.loads((folder / "setup.json").read_text())
    tensors = torch.load(folder / "tensors.pt")
    spec = InputSpec.from_dict(setup["spec"])
    model = depthlab.build_model(family, spec, **MODELS[family])
    model.load_state_dict(torch.load(folder / f"{family}-init.pt"))
    return tensors, model, setup


def evaluate(model: Any, x: Any, y: Any) -> tuple[float, float]:
    """Loss and accuracy in evaluation mode, in chunks of EVAL_BATCH (depthlab's evaluate)."""
    import torch
    from torch import nn

    model.eval()
    with torch.no_grad():
        out = torch.cat([model(x[i : i + EVAL_BATCH]) for i in range(0, len(x), EVAL_BATCH)])
    loss = nn.functional.cross_entropy(out, y).item()
    return loss, (out.argmax(1) == y).float().mean().item()


def epoch_batches(n: int, batch_size: int, generator: Any) -> list[Any]:
    """A shuffled epoch's index batches; a lone last example is dropped (as depthlab does)."""
    import torch

    parts = list(torch.randperm(n, generator=generator).split(batch_size))
    if len(parts) > 1 and len(parts[-1]) == 1:
        parts.pop()
    return parts


# ---------------------------------------------------------------------------------------------
# The contestants: each trains *model* in place for p["epochs"] epochs of p["steps_per_epoch"]


def train_hand(model: Any, d: dict[str, Any], p: dict[str, Any]) -> None:
    """The reference: a plain loop over in-memory tensors, keeping the best validation weights."""
    import torch
    from torch import nn

    x, y = d["x_train"], d["y_train"]
    optimizer = torch.optim.AdamW(model.parameters(), lr=p["lr"], weight_decay=p["weight_decay"])
    scheduler = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=p["lr"], total_steps=p["epochs"] * p["steps_per_epoch"]
    )
    loss_fn = nn.CrossEntropyLoss()
    generator = torch.Generator().manual_seed(p["seed"])
    best, best_state = -math.inf, None
    for _ in range(p["epochs"]):
        model.train()
        for idx in epoch_batches(len(x), p["batch_size"], generator):
            loss = loss_fn(model(x[idx]), y[idx])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), p["grad_clip"])
            optimizer.step()
            scheduler.step()
        _, accuracy = evaluate(model, d["x_val"], d["y_val"])
        if accuracy > best:
            best, best_state = (
                accuracy,
                {k: v.detach().clone() for k, v in model.state_dict().items()},
            )
    if best_state is not None:
        model.load_state_dict(best_state)


def train_dataloader(model: Any, d: dict[str, Any], p: dict[str, Any]) -> None:
    """The hand loop, fed by a DataLoader over a TensorDataset instead of indexing tensors."""
    import torch
    from torch import nn
    from torch.utils.data import DataLoader, TensorDataset

    optimizer = torch.optim.AdamW(model.parameters(), lr=p["lr"], weight_decay=p["weight_decay"])
    scheduler = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=p["lr"], total_steps=p["epochs"] * p["steps_per_epoch"]
    )
    loss_fn = nn.CrossEntropyLoss()
    loader = DataLoader(
        TensorDataset(d["x_train"], d["y_train"]),
        batch_size=p["batch_size"],
        shuffle=True,
        generator=torch.Generator().manual_seed(p["seed"]),
    )
    best, best_state = -math.inf, None
    for _ in range(p["epochs"]):
        model.train()
        for xb, yb in loader:
            loss = loss_fn(model(xb), yb)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), p["grad_clip"])
            optimizer.step()
            scheduler.step()
        _, accuracy = evaluate(model, d["x_val"], d["y_val"])
        if accuracy > best:
            best, best_state = (
                accuracy,
                {k: v.detach().clone() for k, v in model.state_dict().items()},
            )
    if best_state is not None:
        model.load_state_dict(best_state)


def train_depthlab(model: Any, d: dict[str, Any], p: dict[str, Any]) -> None:
    """depthlab's public training path on the same tensors: ``fit`` with a TrainConfig."""
    from depthlab.config import TrainConfig
    from depthlab.training.loop import Tensors, fit

    cfg = TrainConfig(
        epochs=p["epochs"],
        batch_size=p["batch_size"],
        lr=p["lr"],
        optimizer="adamw",
        weight_decay=p["weight_decay"],
        schedule="onecycle",
        grad_clip=p["grad_clip"],
        seed=p["seed"],
        device="cpu",
    )
    fit(model, Tensors(d["x_train"], d["y_train"], d["x_val"], d["y_val"]), cfg, "classification")


def train_skorch(model: Any, d: dict[str, Any], p: dict[str, Any]) -> None:
    """skorch's NeuralNetClassifier: the module instance as is, validation as a fixed split."""
    import torch
    from skorch import NeuralNetClassifier
    from skorch.callbacks import GradientNormClipping, LRScheduler
    from skorch.dataset import Dataset
    from skorch.helper import predefined_split
    from torch import nn

    net = NeuralNetClassifier(
        model,
        criterion=nn.CrossEntropyLoss,
        optimizer=torch.optim.AdamW,
        lr=p["lr"],
        optimizer__weight_decay=p["weight_decay"],
        batch_size=p["batch_size"],
        max_epochs=p["epochs"],
        train_split=predefined_split(Dataset(d["x_val"], d["y_val"])),
        iterator_train__shuffle=True,
        iterator_train__generator=torch.Generator().manual_seed(p["seed"]),
        iterator_valid__batch_size=EVAL_BATCH,
        callbacks=[
            ("clip", GradientNormClipping(gradient_clip_value=p["grad_clip"])),
            (
                "onecycle",
                LRScheduler(
                    policy=torch.optim.lr_scheduler.OneCycleLR,
                    max_lr=p["lr"],
                    total_steps=p["epochs"] * p["steps_per_epoch"],
                    step_every="batch",
                ),
            ),
        ],
        device="cpu",
        verbose=0,
    )
    net.fit(d["x_train"], d["y_train"])


def train_lightning(model: Any, d: dict[str, Any], p: dict[str, Any]) -> None:
    """A LightningModule around the model; Trainer with max_steps and everything extra off."""
    import lightning.pytorch as pl
    import torch
    from torch import nn
    from torch.utils.data import DataLoader, TensorDataset

    steps = p["epochs"] * p["steps_per_epoch"]

    class Module(pl.LightningModule):
        def __init__(self, net: nn.Module) -> None:
            super().__init__()
            self.net = net
            self.loss_fn = nn.CrossEntropyLoss()

        def training_step(self, batch: Any, batch_idx: int) -> Any:
            xb, yb = batch
            return self.loss_fn(self.net(xb), yb)

        def validation_step(self, batch: Any, batch_idx: int) -> None:
            xb, yb = batch
            out = self.net(xb)
            self.log("val_loss", self.loss_fn(out, yb))
            self.log("val_acc", (out.argmax(1) == yb).float().mean())

        def configure_optimizers(self) -> Any:
            optimizer = torch.optim.AdamW(
                self.parameters(), lr=p["lr"], weight_decay=p["weight_decay"]
            )
            scheduler = torch.optim.lr_scheduler.OneCycleLR(
                optimizer, max_lr=p["lr"], total_steps=steps
            )
            return {
                "optimizer": optimizer,
                "lr_scheduler": {"scheduler": scheduler, "interval": "step"},
            }

    train_loader = DataLoader(
        TensorDataset(d["x_train"], d["y_train"]),
        batch_size=p["batch_size"],
        shuffle=True,
        generator=torch.Generator().manual_seed(p["seed"]),
    )
    val_loader = DataLoader(TensorDataset(d["x_val"], d["y_val"]), batch_size=EVAL_BATCH)
    trainer = pl.Trainer(
        accelerator="cpu",
        devices=1,
        max_steps=steps,
        max_epochs=p["epochs"],
        gradient_clip_val=p["grad_clip"],
        gradient_clip_algorithm="norm",
        enable_checkpointing=False,
        logger=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        num_sanity_val_steps=0,
    )
    trainer.fit(Module(model), train_loader, val_loader)


TRAINERS: dict[str, Callable[[Any, dict[str, Any], dict[str, Any]], None]] = {
    "hand": train_hand,
    "depthlab": train_depthlab,
    "dataloader": train_dataloader,
    "skorch": train_skorch,
    "lightning": train_lightning,
}


def quiet_frameworks() -> None:
    """Lightning's start-up lines and its advice on DataLoader workers are not results."""
    for name in ("lightning", "lightning.pytorch", "lightning.fabric", "pytorch_lightning"):
        logging.getLogger(name).setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", message=".*does not have many workers.*")
    warnings.filterwarnings("ignore", message=".*number of training batches.*")


def weights_digest(model: Any) -> str:
    h = hashlib.sha256()
    for name, tensor in sorted(model.state_dict().items()):
        h.update(name.encode())
        h.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return h.hexdigest()[:16]


def child(contestant: str, family: str, folder: Path, threads: int) -> None:
    """Warm up with one epoch on a copy of the model, then time the full run; print JSON."""
    os.environ["DEPTHLAB_QUIET"] = "1"
    import torch

    torch.set_num_threads(threads)
    quiet_frameworks()
    tensors, model, setup = load_shared(folder, family)
    params = setup["params"]
    if contestant in OPTIONAL:
        importlib.import_module(OPTIONAL[contestant])
    train = TRAINERS[contestant]

    torch.manual_seed(params["seed"])
    train(copy.deepcopy(model), tensors, {**params, "epochs": 1})
    gc.collect()
    torch.manual_seed(params["seed"])
    cpu_start, start = time.process_time(), time.perf_counter()
    train(model, tensors, params)
    wall = time.perf_counter() - start
    cpu = time.process_time() - cpu_start

    _, val_acc = evaluate(model, tensors["x_val"], tensors["y_val"])
    test_loss, test_acc = evaluate(model, tensors["x_test"], tensors["y_test"])
    result = {
        "contestant": contestant,
        "model": family,
        "wall_s": wall,
        "cpu_s": cpu,
        "threads": torch.get_num_threads(),
        "val_accuracy": val_acc,
        "test_accuracy": test_acc,
        "test_loss": test_loss,
        "weights": weights_digest(model),
    }
    print(json.dumps(result))


def measure(contestant: str, family: str, folder: Path, threads: int) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", contestant, "--models", family]
    command += ["--data-dir", str(folder), "--threads", str(threads)]
    done = subprocess.run(command, capture_output=True, text=True, check=False, cwd=Path.cwd())
    if done.returncode != 0:
        raise SystemExit(f"the {contestant} / {family} measurement failed:\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


# ---------------------------------------------------------------------------------------------
# The parent: data, initial weights, runs, table, JSON


def prepare(folder: Path, args: argparse.Namespace) -> dict[str, Any]:
    """MNIST-1D through depthlab's split and preprocessing; one set of initial weights a model."""
    import torch

    import depthlab
    from depthlab.training.loop import batches_of
    from depthlab.training.preprocess import Preprocessor

    ds = depthlab.load_dataset("mnist1d")
    split = depthlab.split_dataset(ds, seed=args.seed)
    prep = Preprocessor.fit(ds, split.train)
    x = torch.from_numpy(prep.transform(ds.inputs))
    y = torch.from_numpy(prep.transform_targets(ds.targets))
    tensors = {
        "x_train": x[split.train].contiguous(),
        "y_train": y[split.train].contiguous(),
        "x_val": x[split.val].contiguous(),
        "y_val": y[split.val].contiguous(),
        "x_test": x[split.test].contiguous(),
        "y_test": y[split.test].contiguous(),
    }
    torch.save(tensors, folder / "tensors.pt")
    spec = prep.input_spec(ds.n_classes or 1)
    sizes: dict[str, int] = {}
    for family in args.models:
        torch.manual_seed(args.seed)
        model = depthlab.build_model(family, spec, **MODELS[family])
        torch.save(model.state_dict(), folder / f"{family}-init.pt")
        sizes[family] = sum(p.numel() for p in model.parameters())
    n_train = len(split.train)
    steps_per_epoch = len(batches_of(n_train, args.batch_size, torch.Generator()))
    epochs = max(1, round(args.steps / steps_per_epoch))
    params = {
        "epochs": epochs,
        "steps_per_epoch": steps_per_epoch,
        "steps": epochs * steps_per_epoch,
        "batch_size": args.batch_size,
        "lr": args.lr,
        "weight_decay": args.weight_decay,
        "grad_clip": args.grad_clip,
        "seed": args.seed,
    }
    setup = {
        "spec": spec.to_dict(),
        "params": params,
        "sizes": {"train": n_train, "val": len(split.val), "test": len(split.test)},
        "parameters": sizes,
    }
    (folder / "setup.json").write_text(json.dumps(setup))
    return setup


def available() -> dict[str, str | None]:
    """The installed version of each optional framework, None when it is missing."""
    from importlib.metadata import PackageNotFoundError, version

    found: dict[str, str | None] = {}
    for contestant, module in OPTIONAL.items():
        try:
            found[contestant] = (
                version(module) if importlib.util.find_spec(module) is not None else None
            )
        except (PackageNotFoundError, ValueError):
            found[contestant] = None
    return found


def machine(threads: int) -> dict[str, Any]:
    import torch

    from depthlab.machine import cpu_cores, cpu_name, memory_gib

    return {
        "cpu": cpu_name(),
        "cores": os.cpu_count(),
        "usable_cores": cpu_cores(),
        "ram_gib": memory_gib(),
        "os": platform.platform(),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "torch_threads": threads,
    }


def shown_command() -> str:
    python = Path(sys.executable)
    try:
        shown = str(python.relative_to(Path.cwd()))
    except ValueError:
        shown = str(python)
    return shlex.join([shown, *sys.argv])


def summarise(runs: list[dict[str, Any]], reference: list[dict[str, Any]]) -> dict[str, Any]:
    """Medians over the runs, and their ratios to the reference's (the hand loop's) medians."""
    walls = [r["wall_s"] for r in runs]
    median = statistics.median(walls)
    cpu = statistics.median(r["cpu_s"] for r in runs)
    return {
        "wall_median_s": median,
        "wall_min_s": min(walls),
        "wall_max_s": max(walls),
        "cpu_median_s": cpu,
        "ratio": median / statistics.median(r["wall_s"] for r in reference),
        "cpu_ratio": cpu / statistics.median(r["cpu_s"] for r in reference),
        "test_accuracy": statistics.median(r["test_accuracy"] for r in runs),
        "val_accuracy": statistics.median(r["val_accuracy"] for r in runs),
        "weights": sorted({r["weights"] for r in runs}),
    }


def report(results: dict[str, Any]) -> None:
    m, p = results["machine"], results["params"]
    print()
    print(f"machine: {m['cpu']}, {m['usable_cores']} cores, {m['ram_gib']} GiB RAM")
    print(f"python {m['python']}, torch {m['torch']}, torch threads {m['torch_threads']}")
    versions = ", ".join(f"{k} {v or 'not installed'}" for k, v in results["frameworks"].items())
    print(f"frameworks: {versions}")
    print(f"command: {results['command']}")
    print(
        f"training: {p['steps']:,} steps = {p['epochs']} epochs x {p['steps_per_epoch']} batches "
        f"of {p['batch_size']}; AdamW lr {p['lr']:g} wd {p['weight_decay']:g}, one-cycle, "
        f"clip {p['grad_clip']:g}, validation every epoch; {p['repeats']} runs each"
    )
    load = results["load_average"]
    print(f"load average (1 min): {load['before'][0]:.2f} before, {load['after'][0]:.2f} after")
    header = (
        f"{'':4}{'contestant':12}{'median s':>10}{'min s':>8}{'max s':>8}{'ratio':>8}"
        f"{'cpu s':>9}{'cpu ratio':>11}{'test acc':>10}"
    )
    for family, summary in results["summary"].items():
        print()
        print(f"{family} ({results['parameters'][family]:,} parameters)")
        print(header)
        print("-" * len(header))
        for contestant, s in summary.items():
            print(
                f"{'':4}{contestant:12}{s['wall_median_s']:10.2f}{s['wall_min_s']:8.2f}"
                f"{s['wall_max_s']:8.2f}{s['ratio']:7.3f}x{s['cpu_median_s']:9.2f}"
                f"{s['cpu_ratio']:10.3f}x{s['test_accuracy']:10.3f}"
            )
    print()
    for family, summary in results["summary"].items():
        if "depthlab" in summary:
            ratio = summary["depthlab"]["ratio"]
            verdict = "met" if ratio <= RATIO_GOAL else "NOT met"
            same = summary["depthlab"]["weights"] == summary["hand"]["weights"]
            print(
                f"{family}: depthlab / hand loop {ratio:.3f}x wall (goal <= {RATIO_GOAL}x: "
                f"{verdict}), {summary['depthlab']['cpu_ratio']:.3f}x cpu; "
                f"final weights {'bit-identical' if same else 'DIFFER'}"
            )
    for contestant, found in results["frameworks"].items():
        if found is None:
            print(f"{contestant}: not installed (make bench-env; see bench/README.md)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--models", nargs="+", choices=list(MODELS), default=list(MODELS), help="default: both"
    )
    parser.add_argument(
        "--contestants",
        nargs="+",
        choices=CONTESTANTS,
        default=list(CONTESTANTS),
        help="default: all that are installed (the hand loop always runs)",
    )
    parser.add_argument("--steps", type=int, default=6000, help="optimiser steps (default 6000)")
    parser.add_argument(
        "--batch-size", type=int, default=130, help="default 130: 25 batches of the 3,250 examples"
    )
    parser.add_argument("--lr", type=float, default=3e-3, help="peak learning rate (default 3e-3)")
    parser.add_argument("--weight-decay", type=float, default=0.01, help="AdamW's (default 0.01)")
    parser.add_argument("--grad-clip", type=float, default=1.0, help="max gradient norm (1.0)")
    parser.add_argument("--seed", type=int, default=0, help="split, weights and shuffling")
    parser.add_argument("--repeats", type=int, default=3, help="runs of each contestant (3)")
    parser.add_argument(
        "--threads", type=int, default=1, help="torch.set_num_threads in every run (default 1)"
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=HERE / "results" / "train_overhead.json",
        help="JSON results (default bench/results/train_overhead.json)",
    )
    parser.add_argument("--child", choices=CONTESTANTS, help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:
        child(args.child, args.models[0], args.data_dir, args.threads)
        return 0
    if args.steps < 1 or args.repeats < 1 or args.threads < 1 or args.batch_size < 2:
        parser.error("--steps, --repeats and --threads must be positive, --batch-size at least 2")

    frameworks = available()
    contestants = ["hand", *(c for c in args.contestants if c != "hand")]
    for name, found in frameworks.items():
        if name in contestants and found is None:
            print(f"{name}: not installed, skipped (make bench-env installs it in bench/.venv)")
            contestants.remove(name)
    load_before = os.getloadavg()
    runs: dict[str, dict[str, list[dict[str, Any]]]] = {
        family: {c: [] for c in contestants} for family in args.models
    }
    with tempfile.TemporaryDirectory(prefix="depthlab-bench-") as tmp:
        folder = Path(tmp)
        setup = prepare(folder, args)
        p = setup["params"]
        if p["steps"] != args.steps:
            print(f"{p['steps']} steps: the nearest whole number of epochs to --steps {args.steps}")
        print(
            f"MNIST-1D: {setup['sizes']}; {p['epochs']} epochs x {p['steps_per_epoch']} batches "
            f"of {p['batch_size']}; torch threads {args.threads}",
            flush=True,
        )
        for i in range(args.repeats):  # alternated, so that drift hits every contestant alike
            order = contestants[i % len(contestants) :] + contestants[: i % len(contestants)]
            for family in args.models:
                for contestant in order:
                    result = measure(contestant, family, folder, args.threads)
                    runs[family][contestant].append(result)
                    print(
                        f"  run {i + 1}/{args.repeats} {family:4} {contestant:11}"
                        f"{result['wall_s']:8.2f} s  cpu {result['cpu_s']:7.2f} s  "
                        f"test acc {result['test_accuracy']:.3f}  load {os.getloadavg()[0]:.2f}",
                        flush=True,
                    )
    summary = {
        family: {c: summarise(r, per["hand"]) for c, r in per.items()}
        for family, per in runs.items()
    }
    results = {
        "benchmark": "train_overhead",
        "date": time.strftime("%Y-%m-%d"),
        "command": shown_command(),
        "machine": machine(args.threads),
        "frameworks": frameworks,
        "load_average": {"before": load_before, "after": os.getloadavg()},
        "params": {**setup["params"], "repeats": args.repeats, "threads": args.threads},
        "models": {family: MODELS[family] for family in args.models},
        "parameters": setup["parameters"],
        "data": setup["sizes"],
        "goal": {"ratio": RATIO_GOAL},
        "runs": runs,
        "summary": summary,
        "goal_met": all(
            s["depthlab"]["ratio"] <= RATIO_GOAL for s in summary.values() if "depthlab" in s
        ),
    }
    report(results)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nresults: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
