"""Sentiment Labelled Sentences (Amazon + IMDb): depthlab's text models beside the published
figures and our goals.

The built-in ``sentiment`` data (2,000 sentences, 1,000 from each site, half positive) is split
once per seed: a seeded 25% test part (500 sentences, stratified by site and label), and
depthlab's own validation part of the rest (300 sentences, 15% of the data, for early stopping
and the best epoch) leaves 1,200 for training. Every model runs with depthlab's defaults,
``dl.train(ds, family, preset, seed=s)``, each run in a fresh Python process:

* TF-IDF of words and word pairs + logistic regression (``logistic``: the baseline's pipeline);
* the networks trained from scratch on word ids (``linear`` = logistic regression on the bag of
  words, ``mlp`` = mean of word vectors + MLP, ``cnn`` = 1D CNN over word vectors, ``rnn`` =
  bidirectional GRU in ``deep``), shallow and deep presets;
* the pretrained sentence encoder all-MiniLM-L6-v2 (frozen) with a linear head
  (``encoder:shallow``) and an MLP head (``encoder:deep``).

Published (as quoted in issue 5): bag-of-words logistic regression about 0.75-0.80, a Keras CNN
0.77-0.82. Goals: the best model trained from scratch >= 0.82; the pretrained encoder with a
head >= 0.88.

Training time is ``metrics["cost"]["train_seconds"]`` (the training loop, without imports or
features). The encoder's embeddings are computed once, in the first encoder run, into a fresh
cache folder (``embed_seconds``, cold); later runs read them from the cache. The machine is
described below the table, with its load: a shared machine, so times are wall times under load.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
MODELS = (
    "logistic",
    "linear",
    "mlp:shallow",
    "mlp:deep",
    "cnn:shallow",
    "cnn:deep",
    "rnn:shallow",
    "rnn:deep",
    "encoder:shallow",
    "encoder:deep",
)
INPUTS = {
    "logistic": "TF-IDF (words + pairs)",
    "linear": "word ids (bag of words)",
    "mlp": "word ids",
    "cnn": "word ids",
    "rnn": "word ids",
    "encoder": "MiniLM embeddings",
}
PUBLISHED = (
    ("bag-of-words logistic regression", "0.75-0.80"),
    ("Keras CNN", "0.77-0.82"),
)
SCRATCH_GOAL = 0.82
ENCODER_GOAL = 0.88
TEST_SHARE = 0.25

EXAMPLES = """\
example:
  .venv/bin/python bench/sentiment.py                         # every model, seeds 0 1 2
  .venv/bin/python bench/sentiment.py --models logistic cnn:deep encoder:deep --seeds 0
  .venv/bin/python bench/sentiment.py --threads 1   # on a machine busy with other work
"""


def split_dataset(seed: int) -> Any:
    """The built-in data with a seeded 25% test part, stratified by site and label."""
    import dataclasses

    import numpy as np
    from sklearn.model_selection import train_test_split

    from depthlab.data.load import load_dataset

    ds = load_dataset("sentiment")
    strata = [f"{g}-{y}" for g, y in zip(ds.groups, ds.targets, strict=True)]
    _, test = train_test_split(
        np.arange(len(ds)), test_size=TEST_SHARE, random_state=seed, stratify=strata
    )
    return dataclasses.replace(ds, test_indices=np.sort(test))


def child(model: str, seed: int, threads: int | None) -> None:
    """Train one model on one seed's split and print its figures as one JSON line."""
    import torch

    import depthlab as dl

    if threads is not None:
        torch.set_num_threads(threads)
    family, _, preset = model.partition(":")
    ds = split_dataset(seed)
    embed_seconds = None
    if family == "encoder":  # the embeddings, timed apart from training (cold on the first run)
        from depthlab.features.sentence import DEFAULT_ENCODER, embed

        started = time.perf_counter()
        embed(list(ds.inputs), DEFAULT_ENCODER)
        embed_seconds = time.perf_counter() - started
    started = time.perf_counter()
    run = dl.train(ds, family, preset or "shallow", seed=seed)
    print(
        json.dumps(
            {
                "model": model,
                "seed": seed,
                "test_accuracy": run.metrics["test"]["accuracy"],
                "val_accuracy": run.metrics["val"]["accuracy"],
                "train_seconds": run.metrics["cost"]["train_seconds"],
                "call_seconds": time.perf_counter() - started,
                "embed_seconds": embed_seconds,
                "parameters": run.metrics["cost"]["parameters"],
                "epochs_run": run.metrics["epochs_run"],
                "best_epoch": run.metrics["best_epoch"],
                "split": {k: run.config["split"][k] for k in ("train", "val", "test")},
                "features": run.config["preprocess"]["features"],
                "model_options": run.config["model"]["options"],
                "train_options": {
                    k: run.config["train"][k] for k in ("epochs", "lr", "weight_decay")
                },
                "torch_threads": torch.get_num_threads(),
            }
        )
    )


def measure(model: str, seed: int, threads: int | None) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", model, "--seeds", str(seed)]
    if threads is not None:
        command += ["--threads", str(threads)]
    load_before = os.getloadavg()[0]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{model} seed {seed} failed:\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
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
        "scikit-learn": version("scikit-learn"),
        "sentence-transformers": version("sentence-transformers"),
        "depthlab": version("depthlab"),
    }


def table(runs: list[dict[str, Any]], models: list[str]) -> list[str]:
    header = f"{'model':16}{'input':24}{'test acc':>16}{'val acc':>9}{'train s':>15}{'params':>11}"
    lines = [header]
    means: dict[str, float] = {}
    for model in models:
        mine = [r for r in runs if r["model"] == model]
        if not mine:
            continue
        acc, acc_sd = mean_std([r["test_accuracy"] for r in mine])
        val = statistics.mean(r["val_accuracy"] for r in mine)
        sec, sec_sd = mean_std([r["train_seconds"] for r in mine])
        means[model] = acc
        lines.append(
            f"{model:16}{INPUTS[model.split(':')[0]]:24}{acc:9.3f} ± {acc_sd:.3f}{val:9.3f}"
            f"{sec:8.1f} ± {sec_sd:4.1f}{mine[0]['parameters']:>11,}"
        )
    embeds = [r["embed_seconds"] for r in runs if r.get("embed_seconds") is not None]
    if embeds:
        lines.append(
            f"encoder embeddings of the 2,000 sentences: {embeds[0]:.1f} s cold (first run), "
            f"{statistics.median(embeds[1:]) if len(embeds) > 1 else float('nan'):.2f} s cached"
        )
    for label, figure in PUBLISHED:
        lines.append(f"published {figure}  {label}")
    scratch = {m: a for m, a in means.items() if not m.startswith("encoder")}
    if scratch:
        best = max(scratch, key=scratch.__getitem__)
        mark = "PASS" if scratch[best] >= SCRATCH_GOAL else "MISS"
        lines.append(f"{mark}  best from scratch ({best}) >= {SCRATCH_GOAL}: {scratch[best]:.3f}")
    encoders = {m: a for m, a in means.items() if m.startswith("encoder")}
    if encoders:
        best = max(encoders, key=encoders.__getitem__)
        mark = "PASS" if encoders[best] >= ENCODER_GOAL else "MISS"
        lines.append(f"{mark}  encoder + head ({best}) >= {ENCODER_GOAL}: {encoders[best]:.3f}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Sentiment Labelled Sentences (Amazon + IMDb), seeded 75/25 split: "
        "mean ± std over seeds, each run in a fresh process.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--models", nargs="+", choices=MODELS, default=list(MODELS))
    parser.add_argument("--threads", type=int, help="torch threads per run (default: torch's)")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "sentiment.json")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child, args.seeds[0], args.threads)
        return 0

    os.environ.setdefault("DEPTHLAB_QUIET", "1")
    started = time.perf_counter()
    runs = []
    with tempfile.TemporaryDirectory(prefix="depthlab-embeddings-") as cache:
        os.environ["DEPTHLAB_CACHE_DIR"] = cache  # cold embeddings, measured once
        for model in args.models:
            for seed in args.seeds:
                result = measure(model, seed, args.threads)
                runs.append(result)
                print(
                    f"  {model:16} seed {seed}  test {result['test_accuracy']:.3f}  "
                    f"val {result['val_accuracy']:.3f}  train {result['train_seconds']:6.1f} s  "
                    f"load {result['load'][0]}->{result['load'][1]}",
                    flush=True,
                )
    info = machine()
    lines = ["", *table(runs, args.models), ""]
    lines.append(
        f"machine: {info['cpu']}, {info['usable_cores']} usable cores, {info['ram_gib']} GiB; "
        f"torch {info['torch']}, sentence-transformers {info['sentence-transformers']}; "
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
    args.out.parent.mkdir(parents=True, exist_ok=True)
    record = {
        "benchmark": "sentiment",
        "date": time.strftime("%Y-%m-%d"),
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "machine": info,
        "params": {"seeds": args.seeds, "threads": args.threads, "test_share": TEST_SHARE},
        "published": dict(PUBLISHED),
        "goals": {"from_scratch": SCRATCH_GOAL, "encoder": ENCODER_GOAL},
        "runs": runs,
    }
    args.out.write_text(json.dumps(record, indent=2) + "\n")
    print(f"results: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
