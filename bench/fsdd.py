"""Spoken digits (FSDD): depthlab's audio models beside the published figures and our goals.

Two settings, each run once per seed in a fresh Python process:

* **official split** (``split="official"``): recordings 0-4 of every speaker and digit are the
  test set (250 clips), as the dataset's README prescribes; depthlab carves a stratified
  validation part (375 clips) out of the other 2,250 and trains on the remaining 1,875. Models:
  the deep CNN on log-mel spectrograms (the audio pipeline's deep CNN: four pooled blocks of
  16-128 channels), the deep RNN (bidirectional GRU) on MFCC frames and logistic regression on
  MFCC summary statistics, each with depthlab's defaults. Published: 98.0% (Kymatio's example,
  1D scattering + logistic regression), 97% (a Keras CNN on spectrograms). Goal: >= 98.5%.
* **leave one speaker out** (``test_group=SPEAKER``, what ``depthlab crossval fsdd --folds
  logo`` runs): each of the mirror's 5 speakers is the test set once (500 clips) and the model
  trains on the other four (validation: a stratified 15% of their clips). No published figure
  found. Goal: >= 90% mean accuracy over the speakers (the deep CNN).

* **screen** (choosing settings without the test speaker): for each outer test speaker T the
  model trains on three of the other four speakers and is scored on the fourth, the *validation
  speaker* (the speaker after T in :data:`SPEAKERS`, cyclically); T's clips are removed before
  anything runs. A variant (``--feature``, ``--augment``, ``--mixup``, or another network with
  ``--loso-model``) is chosen for T's fold only from these validation scores, never from T's.

* **ensembles** (``--ensemble K``): each K consecutive seeds train K networks on the same
  split, scored together by depthlab's average of their class probabilities
  (``depthlab.training.ensemble``), the members' own scores recorded beside it.

Training time is ``metrics["cost"]["train_seconds"]`` (the training loop, without imports,
decoding or feature extraction); the machine is described below the table, with its load.
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

HERE = Path(__file__).resolve().parent
SPEAKERS = ("george", "jackson", "nicolas", "theo", "yweweler")
MODELS = ("cnn:deep", "rnn:deep", "logistic")
FEATURES = {"cnn": "log-mel", "rnn": "MFCC frames", "logistic": "MFCC statistics"}
PUBLISHED = (
    ("Kymatio example: 1D scattering + logistic regression", 98.0),
    ("Keras CNN on spectrograms", 97.0),
)
OFFICIAL_GOAL = 98.5
LOSO_GOAL = 90.0

EXAMPLES = """\
example:
  .venv/bin/python bench/fsdd.py                          # both settings, seeds 0 1 2
  .venv/bin/python bench/fsdd.py --parts official --models cnn logistic --seeds 0
  .venv/bin/python bench/fsdd.py --parts loso --augment mask --threads 1
  .venv/bin/python bench/fsdd.py --parts screen --seeds 0 --feature normalize=utterance
  .venv/bin/python bench/fsdd.py --parts screen --seeds 0 --mixup 0.2 --threads 1
  .venv/bin/python bench/fsdd.py --parts screen --seeds 0 --loso-model rnn:deep --threads 1
  .venv/bin/python bench/fsdd.py --parts loso --ensemble 3 --seeds 0 1 2 3 4 5 6 7 8 --threads 1
"""


def validation_speaker(test: str) -> str:
    """The speaker a screen scores when *test* is held out: the next one, cyclically."""
    return SPEAKERS[(SPEAKERS.index(test) + 1) % len(SPEAKERS)]


def child(
    model: str,
    seeds: list[int],
    where: str,
    augment: str | None,
    threads: int | None,
    features: dict[str, Any],
    mixup: float | None = None,
) -> None:
    """Train one model on one split and print its figures as one JSON line. *where*:
    ``official``, a test speaker, or ``screen:SPEAKER`` (that speaker's clips dropped, the
    next speaker scored). Several *seeds*: one member per seed, and the figures are those of
    their ensemble (depthlab's averaged probabilities), the members' beside them."""
    import torch

    import depthlab as dl
    from depthlab.data.load import load_dataset
    from depthlab.training.ensemble import ensemble_metrics

    if threads is not None:
        torch.set_num_threads(threads)
    family, _, preset = model.partition(":")
    ds = load_dataset("fsdd")  # decoded here, outside the measured training
    if where.startswith("screen:"):
        outer = where.partition(":")[2]
        assert ds.groups is not None
        ds = ds.subset([i for i, g in enumerate(ds.groups) if g != outer])  # T never seen
        where = validation_speaker(outer)
    # None: the pipeline's default (log-mel: warp+mask; MFCC frames: none).
    train_options: dict[str, Any] = {}
    if family != "logistic":
        given = {"augment": augment, "mixup": mixup}
        train_options = {k: v for k, v in given.items() if v is not None}
    options: dict[str, Any] = {"train": train_options} if train_options else {}
    if features:
        options["features"] = features
    split: dict[str, Any] = (
        {"split": {"strategy": "official"}} if where == "official" else {"test_group": where}
    )
    spec = dl.TrainSpec(model=family, preset=preset or "shallow", **split, **options)
    started = time.perf_counter()
    runs = [dl.train(ds, spec, seed=s) for s in seeds]
    run = runs[0]
    record: dict[str, Any] = {
        "model": model,
        "seed": seeds[0],
        "where": where,
        "feature_options": features,
        "test_accuracy": run.metrics["test"]["accuracy"],
        "val_accuracy": run.metrics.get("val", {}).get("accuracy"),
        "train_seconds": sum(r.metrics["cost"]["train_seconds"] for r in runs),
        "call_seconds": time.perf_counter() - started,
        "parameters": run.metrics["cost"]["parameters"],
        "epochs_run": run.metrics["epochs_run"],
        "best_epoch": run.metrics["best_epoch"],
        "sizes": {k: run.config["split"][k] for k in ("train", "val", "test")},
        "features": run.config["preprocess"]["features"],
        "normalize": run.config["preprocess"].get("stats", {}).get("normalize"),
        "model_options": run.config["model"].get("options"),
        "train_options": {
            k: run.config["train"].get(k)
            for k in ("epochs", "batch_size", "lr", "augment", "mixup")
        },
        "torch_threads": torch.get_num_threads(),
    }
    if len(runs) > 1:
        ensemble = ensemble_metrics(runs, data=ds)
        record["test_accuracy"] = ensemble["test"]["accuracy"]
        record["members"] = {
            "seeds": seeds,
            "test_accuracy": [m["accuracy"] for m in ensemble["members"]],
            "val_accuracy": [r.metrics.get("val", {}).get("accuracy") for r in runs],
            "best_epoch": [r.metrics["best_epoch"] for r in runs],
        }
    print(json.dumps(record))


def measure(
    model: str, seeds: tuple[int, ...], where: str, args: argparse.Namespace
) -> dict[str, Any]:
    """*seeds*: one network's, or an ensemble's members'."""
    command = [sys.executable, __file__, "--child", model, where, "--seeds", *map(str, seeds)]
    if args.augment is not None:
        command += ["--augment", args.augment]
    if args.mixup is not None:
        command += ["--mixup", str(args.mixup)]
    if args.threads is not None:
        command += ["--threads", str(args.threads)]
    for option in args.feature:
        command += ["--feature", option]
    load_before = os.getloadavg()[0]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{model} seeds {list(seeds)} on {where} failed:\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    result["screen"] = where.startswith("screen:")
    result["outer"] = where.partition(":")[2] if result["screen"] else where
    result["load"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
    return result


def mean_std(values: list[float]) -> tuple[float, float]:
    return statistics.mean(values), statistics.stdev(values) if len(values) > 1 else 0.0


def machine() -> dict[str, Any]:
    import platform
    from importlib.metadata import version

    from depthlab.machine import cpu_cores, cpu_name, memory_gib

    return {
        "cpu": cpu_name(),
        "cores": os.cpu_count(),
        "usable_cores": cpu_cores(),
        "ram_gib": memory_gib(),
        "os": platform.platform(),
        "python": platform.python_version(),
        "torch": version("torch"),
        "librosa": version("librosa"),
        "depthlab": version("depthlab"),
    }


def official_table(runs: list[dict[str, Any]], models: list[str]) -> list[str]:
    lines = [
        f"{'official split (250 test clips)':34}{'test acc %':>16}{'train s':>16}{'params':>10}",
    ]
    means: dict[str, float] = {}
    for model in models:
        mine = [r for r in runs if r["model"] == model and r["where"] == "official"]
        if not mine:
            continue
        acc, acc_sd = mean_std([100 * r["test_accuracy"] for r in mine])
        sec, sec_sd = mean_std([r["train_seconds"] for r in mine])
        means[model] = acc
        name = f"{model} on {FEATURES[model.split(':')[0]]}"
        lines.append(
            f"{name:34}{acc:9.2f} ± {acc_sd:4.2f}{sec:9.2f} ± {sec_sd:4.2f}"
            f"{mine[0]['parameters']:>10,}"
        )
    for label, figure in PUBLISHED:
        lines.append(f"published {figure:5.1f}%  {label}")
    if means:
        best = max(means, key=means.__getitem__)
        mark = "PASS" if means[best] >= OFFICIAL_GOAL else "MISS"
        lines.append(f"{mark}  best model ({best}) >= {OFFICIAL_GOAL}%: {means[best]:.2f}%")
    return lines


def loso_table(runs: list[dict[str, Any]], model: str) -> list[str]:
    mine = [
        r for r in runs if r["model"] == model and r["where"] != "official" and not r.get("screen")
    ]
    if not mine:
        return []
    seeds = sorted({r["seed"] for r in mine})
    lines = [f"leave one speaker out, {model} (500 test clips each), seeds {seeds}"]
    if any("members" in r for r in mine):
        size = len(mine[0].get("members", {}).get("seeds", [0]))
        lines[0] += f" (ensembles of {size}, named by their first seed)"
    lines.append(f"{'speaker':12}{'test acc %':>16}{'train s':>16}")
    per_seed_means: list[float] = []
    for speaker in SPEAKERS:
        accs = [100 * r["test_accuracy"] for r in mine if r["where"] == speaker]
        secs = [r["train_seconds"] for r in mine if r["where"] == speaker]
        if accs:
            acc, sd = mean_std(accs)
            sec, sec_sd = mean_std(secs)
            lines.append(f"{speaker:12}{acc:9.2f} ± {sd:4.2f}{sec:9.1f} ± {sec_sd:4.1f}")
    for seed in seeds:
        accs = [100 * r["test_accuracy"] for r in mine if r["seed"] == seed]
        if len(accs) == len(SPEAKERS):
            per_seed_means.append(statistics.mean(accs))
    if per_seed_means:
        mean, sd = mean_std(per_seed_means)
        lines.append(f"{'mean':12}{mean:9.2f} ± {sd:4.2f}   (std over seeds of the 5-speaker mean)")
        mark = "PASS" if mean >= LOSO_GOAL else "MISS"
        lines.append(f"{mark}  mean over speakers >= {LOSO_GOAL}%: {mean:.2f}%")
    return lines


def screen_table(runs: list[dict[str, Any]]) -> list[str]:
    mine = [r for r in runs if r.get("screen")]
    if not mine:
        return []
    lines = ["screen: validation speaker's accuracy (the outer test speaker's clips dropped)"]
    lines.append(f"{'held out':12}{'scored':12}{'val speaker acc %':>20}")
    for speaker in SPEAKERS:
        accs = [100 * r["test_accuracy"] for r in mine if r["outer"] == speaker]
        if accs:
            acc, sd = mean_std(accs)
            lines.append(f"{speaker:12}{validation_speaker(speaker):12}{acc:11.2f} ± {sd:4.2f}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="FSDD spoken digits: the official split and leave-one-speaker-out, "
        "mean ± std over seeds, each run in a fresh process.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument(
        "--parts",
        nargs="+",
        choices=("official", "loso", "screen"),
        default=["official", "loso"],
        help="screen: each fold's validation speaker (see the docstring); not in the default",
    )
    parser.add_argument(
        "--models",
        nargs="+",
        choices=("cnn", "rnn", "logistic"),
        default=["cnn", "rnn", "logistic"],
        help="models of the official split (leave-one-speaker-out runs the CNN)",
    )
    parser.add_argument(
        "--loso-model",
        choices=MODELS[:2],
        default="cnn:deep",
        help="the network of leave-one-speaker-out and screen runs (default: the deep CNN)",
    )
    parser.add_argument(
        "--augment", help="training augmentation of the networks (default: each pipeline's)"
    )
    parser.add_argument("--mixup", type=float, help="mixup's alpha for the networks (default: off)")
    parser.add_argument("--threads", type=int, help="torch threads per run (default: torch's)")
    parser.add_argument(
        "--ensemble",
        type=int,
        default=1,
        metavar="K",
        help="score ensembles of K networks (each K consecutive --seeds) by their averaged "
        "probabilities (default: 1, single networks)",
    )
    parser.add_argument(
        "--speakers",
        nargs="+",
        choices=SPEAKERS,
        default=list(SPEAKERS),
        help="held-out speakers of loso and screen (default: all five)",
    )
    parser.add_argument(
        "--feature",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="feature option of every run (repeatable), e.g. normalize=utterance",
    )
    parser.add_argument("--out", type=Path, default=HERE / "results" / "fsdd.json")
    parser.add_argument(
        "--resume",
        action="store_true",
        help="keep the runs already in --out (same feature options and augment) and run the rest",
    )
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    features = dict(option.split("=", 1) for option in args.feature)
    if args.child:
        child(
            args.child[0],
            args.seeds,
            args.child[1],
            args.augment,
            args.threads,
            features,
            args.mixup,
        )
        return 0

    os.environ.setdefault("DEPTHLAB_QUIET", "1")
    if args.ensemble < 1 or len(args.seeds) % args.ensemble:
        parser.error(f"--ensemble {args.ensemble} must divide the {len(args.seeds)} seeds")
    # One network per seed, or one ensemble per K consecutive seeds (named by its first).
    k = args.ensemble
    groups = [tuple(args.seeds[i : i + k]) for i in range(0, len(args.seeds), k)]
    chosen = [m for m in MODELS if m.split(":")[0] in args.models]
    plan = [(m, g, "official") for m in chosen for g in groups] if "official" in args.parts else []
    if "loso" in args.parts:
        plan += [(args.loso_model, g, speaker) for g in groups for speaker in args.speakers]
    if "screen" in args.parts:
        plan += [(args.loso_model, g, f"screen:{sp}") for g in groups for sp in args.speakers]
    started = time.perf_counter()
    info = machine()
    runs = earlier_runs(args, features) if args.resume else []
    done = {
        (r["model"], r["seed"], f"screen:{r['outer']}" if r.get("screen") else r["where"])
        for r in runs
    }
    for model, seeds, where in plan:
        seed = seeds[0]
        if (model, seed, where) in done:
            continue
        result = measure(model, seeds, where, args)
        runs.append(result)
        save(args, features, info, runs, complete=False)  # an interruption loses one run at most
        print(
            f"  {model:9} seed {seed} {where:9} test {100 * result['test_accuracy']:6.2f}%  "
            f"train {result['train_seconds']:6.1f} s  load {result['load'][0]}->"
            f"{result['load'][1]}",
            flush=True,
        )
    lines = ["", *official_table(runs, chosen), "", *loso_table(runs, args.loso_model), ""]
    lines += [*screen_table(runs), ""]
    lines.append(
        f"machine: {info['cpu']}, {info['usable_cores']} usable cores, {info['ram_gib']} GiB; "
        f"torch {info['torch']}, librosa {info['librosa']}; augment {args.augment or 'default'}; "
        f"threads {args.threads or 'default'}; {len(runs)} runs in "
        f"{(time.perf_counter() - started) / 60:.1f} min"
    )
    loads = [x for r in runs for x in r["load"]]
    if loads:
        lines.append(
            f"load average (1 min) around the runs: median {statistics.median(loads):.2f}, "
            f"max {max(loads):.2f}: a shared machine, so train times are wall times under load"
        )
    print("\n".join(lines))
    save(args, features, info, runs, complete=True)
    print(f"results: {args.out}")
    return 0


def earlier_runs(args: argparse.Namespace, features: dict[str, str]) -> list[dict[str, Any]]:
    """The runs of an interrupted (or shorter) measurement in ``--out`` with the same settings."""
    if not args.out.exists():
        return []
    record = json.loads(args.out.read_text())
    params = record.get("params", {})
    settings = ("features", "augment", "threads", "mixup", "ensemble")
    defaults: dict[str, Any] = {"features": {}, "ensemble": 1}
    same = tuple(params.get(k, defaults.get(k)) for k in settings) == (
        features,
        args.augment,
        args.threads,
        args.mixup,
        args.ensemble,
    )
    if not same:
        raise SystemExit(
            f"{args.out} was measured with other settings ({params}); use another --out"
        )
    runs: list[dict[str, Any]] = record["runs"]
    return [r for r in runs if r["seed"] in args.seeds[:: args.ensemble]]


def save(
    args: argparse.Namespace,
    features: dict[str, str],
    info: dict[str, Any],
    runs: list[dict[str, Any]],
    complete: bool,
) -> None:
    args.out.parent.mkdir(parents=True, exist_ok=True)
    record = {
        "benchmark": "fsdd",
        "date": time.strftime("%Y-%m-%d"),
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "machine": info,
        "params": {
            "seeds": args.seeds,
            "augment": args.augment,
            "mixup": args.mixup,
            "ensemble": args.ensemble,
            "threads": args.threads,
            "features": features,
            "parts": args.parts,
        },
        "published": dict(PUBLISHED),
        "goals": {"official": OFFICIAL_GOAL, "loso": LOSO_GOAL},
        "complete": complete,
        "runs": runs,
    }
    partial = args.out.with_suffix(".part")
    partial.write_text(json.dumps(record, indent=2) + "\n")
    partial.replace(args.out)  # never a half-written file


if __name__ == "__main__":
    sys.exit(main())
