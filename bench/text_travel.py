"""Text that travels: the pretrained sentence encoder on sentences from a site it was not trained
on, and fine-tuned end to end on the built-in data.

Data: the built-in ``sentiment`` (Sentiment Labelled Sentences: 1,000 Amazon and 1,000 IMDb
sentences, half positive in each). Every run is ``dl.train("sentiment", spec, seed=s)`` with
depthlab's defaults, each in a fresh Python process; the figure is the run's test accuracy.

* **Cross-source** (``--test-group``): trained on one site, tested on every sentence of the other
  (1,000): ``test_group="imdb"`` trains on Amazon (850 sentences, 150 for validation) and tests
  on IMDb, ``"amazon"`` the other way. The seed draws the validation part and the initial
  weights; the test sentences are the same for every seed. Models, all on the frozen encoder
  (all-MiniLM-L6-v2): ``logistic`` regression on its embeddings (``--features encoder``; C chosen
  by 5-fold cross-validation on the training part), ``encoder:shallow`` (a linear head) and
  ``encoder:deep`` (an MLP head). Goal: >= 0.88, mean over both directions and the seeds.
* **In-domain**: a seeded stratified split of all 2,000 sentences (1,400 train, 300 validation,
  300 test; ``--split stratified``): the same frozen models, and the encoder fine-tuned end to
  end (``--fine-tune``: the transformer at 3e-5, a linear head at 1e-3, 4 epochs of batches of
  16, the epoch with the best validation accuracy kept). Goal: fine-tuned >= 0.92, mean over
  the seeds.

``--cross-fine-tune`` adds the fine-tuned encoder to the cross-source rows (costly on a CPU);
``--settings`` runs some of the three settings only.
Training time is the run's ``metrics["cost"]["train_seconds"]`` (the training loop only, what
the study's transfer row reads); the frozen encoder's embeddings are computed once, into a fresh
cache, before the first run (``embed_seconds``). The machine, its threads and its load (a shared
machine: wall times under load) are printed below the table and kept in the JSON.
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
# name -> (model, preset, feature options)
MODELS: dict[str, tuple[str, str, dict[str, Any]]] = {
    "logistic-emb": ("logistic", "shallow", {"features": "encoder"}),
    "encoder:shallow": ("encoder", "shallow", {}),
    "encoder:deep": ("encoder", "deep", {}),
    "encoder:fine-tune": ("encoder", "shallow", {"features": "encoder-tokens"}),
}
DESCRIBED = {
    "logistic-emb": "logistic regression on frozen embeddings (C by CV)",
    "encoder:shallow": "frozen encoder + linear head",
    "encoder:deep": "frozen encoder + MLP head",
    "encoder:fine-tune": "encoder fine-tuned end to end + linear head",
}
FROZEN = ("logistic-emb", "encoder:shallow", "encoder:deep")
SETTINGS = {"amazon->imdb": "imdb", "imdb->amazon": "amazon", "in-domain": None}
CROSS_GOAL = 0.88
FINE_TUNE_GOAL = 0.92

EXAMPLES = """\
example:
  OMP_NUM_THREADS=2 .venv/bin/python bench/text_travel.py            # seeds 0 1 2
  .venv/bin/python bench/text_travel.py --seeds 0 --skip-fine-tune   # frozen models only
  .venv/bin/python bench/text_travel.py --models encoder:fine-tune --cross-fine-tune \
      --settings amazon->imdb imdb->amazon --seeds 0                   # fine-tuned, across sites
"""


def child(model: str, setting: str, seed: int, threads: int | None) -> None:
    """Train one model in one setting and print its figures as one JSON line."""
    import torch

    import depthlab as dl

    if threads is not None:
        torch.set_num_threads(threads)
    family, preset, features = MODELS[model]
    test_group = SETTINGS[setting]
    spec = dl.TrainSpec(
        model=family,
        preset=preset,
        features=features or None,
        test_group=test_group,
        split={"strategy": "stratified"} if test_group is None else None,
    )
    started = time.perf_counter()
    run = dl.train("sentiment", spec, seed=seed)
    metrics = run.metrics
    print(
        json.dumps(
            {
                "model": model,
                "setting": setting,
                "seed": seed,
                "test_accuracy": metrics["test"]["accuracy"],
                "val_accuracy": metrics["val"]["accuracy"],
                "train_seconds": metrics["cost"]["train_seconds"],
                "call_seconds": time.perf_counter() - started,
                "parameters": metrics["cost"]["parameters"],
                "epochs_run": metrics["epochs_run"],
                "best_epoch": metrics["best_epoch"],
                "chosen": metrics.get("chosen"),
                "split": {k: run.config["split"][k] for k in ("train", "val", "test")},
                "train_options": {
                    k: run.config["train"][k]
                    for k in ("epochs", "lr", "fine_tune_lr", "batch_size", "weight_decay")
                },
                "torch_threads": torch.get_num_threads(),
            }
        )
    )


def measure(model: str, setting: str, seed: int, threads: int | None) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", model, setting, "--seeds", str(seed)]
    if threads is not None:
        command += ["--threads", str(threads)]
    load_before = os.getloadavg()[0]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{model} {setting} seed {seed} failed:\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    result["load"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
    return result


def mean_std(values: list[float]) -> tuple[float, float]:
    return statistics.mean(values), statistics.stdev(values) if len(values) > 1 else 0.0


def table(runs: list[dict[str, Any]]) -> list[str]:
    """One row per model: test accuracy per setting (mean ± std over seeds), the cross-source
    mean, train seconds; then the goals."""
    names = list(SETTINGS)
    lines = [
        f"{'model':50}" + "".join(f"{n:>18}" for n in names) + f"{'cross mean':>12}{'train s':>10}"
    ]
    cross_means: dict[str, float] = {}
    tuned: list[float] = []
    for model in MODELS:
        mine = [r for r in runs if r["model"] == model]
        if not mine:
            continue
        cells = []
        for setting in names:
            accs = [r["test_accuracy"] for r in mine if r["setting"] == setting]
            if accs:
                acc, sd = mean_std(accs)
                cells.append(f"{acc:11.3f} ± {sd:.3f}")
            else:
                cells.append(f"{'-':>18}")
        cross = [r["test_accuracy"] for r in mine if r["setting"] != "in-domain"]
        if cross:
            cross_means[model] = statistics.mean(cross)
        if model == "encoder:fine-tune":
            tuned = [r["test_accuracy"] for r in mine if r["setting"] == "in-domain"]
        seconds = statistics.median(r["train_seconds"] for r in mine)
        mean_cell = f"{cross_means[model]:12.3f}" if cross else f"{'-':>12}"
        lines.append(f"{DESCRIBED[model]:50}" + "".join(cells) + mean_cell + f"{seconds:10.1f}")
    frozen = {m: v for m, v in cross_means.items() if m in FROZEN}
    if frozen:
        best = max(frozen, key=frozen.__getitem__)
        mark = "PASS" if frozen[best] >= CROSS_GOAL else "MISS"
        lines.append(
            f"{mark}  frozen encoder, cross-source >= {CROSS_GOAL}: {best} {frozen[best]:.3f}"
        )
    if tuned:
        acc, sd = mean_std(tuned)
        mark = "PASS" if acc >= FINE_TUNE_GOAL else "MISS"
        lines.append(f"{mark}  fine-tuned, in-domain >= {FINE_TUNE_GOAL}: {acc:.3f} ± {sd:.3f}")
    return lines


def plan(args: argparse.Namespace) -> list[tuple[str, str]]:
    """(model, setting) pairs to run, frozen models first (cheap), fine-tuning last."""
    pairs = [(m, s) for m in args.models if m in FROZEN for s in args.settings]
    if "encoder:fine-tune" in args.models and not args.skip_fine_tune:
        tuned = [s for s in args.settings if args.cross_fine_tune or s == "in-domain"]
        pairs += [("encoder:fine-tune", s) for s in tuned]
    return pairs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Sentiment sentences across sites (frozen encoder) and in-domain "
        "(frozen and fine-tuned): mean ± std over seeds, each run in a fresh process.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--models", nargs="+", choices=list(MODELS), default=list(MODELS))
    parser.add_argument("--settings", nargs="+", choices=list(SETTINGS), default=list(SETTINGS))
    parser.add_argument("--skip-fine-tune", action="store_true")
    parser.add_argument("--cross-fine-tune", action="store_true", help="fine-tune across sites")
    parser.add_argument("--threads", type=int, help="torch threads per run (default: torch's)")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "text_travel.json")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child[0], args.child[1], args.seeds[0], args.threads)
        return 0

    os.environ.setdefault("DEPTHLAB_QUIET", "1")
    started = time.perf_counter()
    runs: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="depthlab-embeddings-") as cache:
        os.environ["DEPTHLAB_CACHE_DIR"] = cache  # cold embeddings, measured once
        embed_seconds = embed_once()
        for model, setting in plan(args):
            for seed in args.seeds:
                result = measure(model, setting, seed, args.threads)
                runs.append(result)
                print(
                    f"  {model:18} {setting:13} seed {seed}  test {result['test_accuracy']:.3f}  "
                    f"val {result['val_accuracy']:.3f}  train {result['train_seconds']:7.1f} s  "
                    f"load {result['load'][0]}->{result['load'][1]}",
                    flush=True,
                )
    from depthlab.machine import describe

    info = dict(describe("scikit-learn", "sentence-transformers"))
    loads = [x for r in runs for x in r["load"]]
    lines = ["", *table(runs), ""]
    lines.append(
        f"embeddings of the 2,000 sentences: {embed_seconds:.1f} s (cold cache, once); "
        f"machine: {info['cpu']}, {info['usable_cores']} usable cores, {info['ram_gib']} GiB; "
        f"torch {info['torch']}; threads {args.threads or 'default'}; {len(runs)} runs in "
        f"{(time.perf_counter() - started) / 60:.1f} min"
    )
    if loads:
        lines.append(
            f"load average (1 min) around the runs: median {statistics.median(loads):.2f}, "
            f"max {max(loads):.2f} (a shared machine: train times are wall times under load)"
        )
    print("\n".join(lines))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    record = {
        "benchmark": "text_travel",
        "date": time.strftime("%Y-%m-%d"),
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "machine": info,
        "params": {
            "seeds": args.seeds,
            "threads": args.threads,
            "omp": os.environ.get("OMP_NUM_THREADS"),
        },
        "goals": {"cross_source_frozen": CROSS_GOAL, "fine_tuned_in_domain": FINE_TUNE_GOAL},
        "embed_seconds": embed_seconds,
        "runs": runs,
    }
    args.out.write_text(json.dumps(record, indent=2) + "\n")
    print(f"results: {args.out}")
    return 0


def embed_once() -> float:
    """Embed every sentence with the frozen encoder into the (fresh) cache: seconds taken."""
    from depthlab.data.load import load_dataset
    from depthlab.features.sentence import DEFAULT_ENCODER, embed

    texts = list(load_dataset("sentiment").inputs)
    started = time.perf_counter()
    embed(texts, DEFAULT_ENCODER)
    return time.perf_counter() - started


if __name__ == "__main__":
    sys.exit(main())
