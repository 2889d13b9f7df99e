"""digits: the 2D CNN against scikit-learn's own example on the same split.

scikit-learn's "Recognizing hand-written digits" example trains an SVC (gamma=0.001) on the
first half of the 1,797 images and tests on the second half (written by other people): 0.97
there. This script runs that SVC in the same process as the reference, then depthlab's deep
2D CNN (with and without shift augmentation) and the shallow MLP on flattened pixels, each over
seeds 0 1 2, trained on the whole first half through depthlab's training path (preprocessing
fitted on the training part, ``fit_model``, no early stopping) and scored on the second half.
Goal: the CNN >= 0.99.

Choosing the CNN's configuration (the honest protocol): the candidates in ``CANDIDATES`` (the
preset, and variations of weight decay and dropout) are compared on validation only. For each
seed, a stratified 20% of the first half (180 images, seeded) is held out; each candidate trains
on the other 80% (preprocessing fitted there) and is scored on the held-out 20%. The candidate
with the best mean validation accuracy over seeds (ties: the first listed, the preset) is
retrained on the whole first half, once per seed, and measured once on the second half: that
figure is the one judged against the goal. The second half is never used to choose anything.
(The variations were first suggested by an earlier look at the test half: the README says so;
the choice among them here is made on validation alone.)

``--cv K`` replaces the 180-image validation part, which ties the candidates, by K-fold
cross-validation on the first half in contiguous blocks (training seeded by the first seed):
every image of the first half is scored once by a model that did not train on it. The images
come in the order of their writers' forms (the second half is other writers), so a contiguous
block is mostly writers its model never saw, as in the test; shuffled folds put the same
writers on both sides and score nearly 100% for every candidate. The candidates
of ``CV_CANDIDATES`` (the three above and the affine augmentation, also with 60 epochs) are
ranked by their accuracy over the K folds. The chosen one is retrained on the whole first half
for every seed and tested once, as above.

``--ensemble K`` tests ensembles instead: the configuration an earlier ``--cv`` run chose (read
from its ``--json``, ``--chosen-from``) is trained on the whole first half once per seed, and
each K consecutive seeds make an ensemble, scored once on the second half by depthlab's average
of the members' class probabilities (``depthlab.training.ensemble``); every member's own score
is printed beside it.

example:
  OMP_NUM_THREADS=1 .venv/bin/python bench/digits.py
  OMP_NUM_THREADS=1 .venv/bin/python bench/digits.py --chosen-only --json out/digits.json
  OMP_NUM_THREADS=1 .venv/bin/python bench/digits.py --chosen-only --cv 5 --json out/digits.json
  OMP_NUM_THREADS=1 .venv/bin/python bench/digits.py --ensemble 3 --json out/ensemble.json
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
GOAL = 0.99
PUBLISHED_SVC = 0.97  # the example's printed accuracy (its classification report)
# name -> (family, preset, train options, model options)
Config = tuple[str, str, dict[str, Any], dict[str, Any]]
CANDIDATES: dict[str, Config] = {
    "deep CNN (preset)": ("cnn", "deep", {}, {}),
    "deep CNN, weight decay 0.1": ("cnn", "deep", {"weight_decay": 0.1}, {}),
    "deep CNN, dropout 0.3, 60 epochs": ("cnn", "deep", {"epochs": 60}, {"dropout": 0.3}),
}
CV_CANDIDATES: dict[str, Config] = {
    **CANDIDATES,
    "deep CNN + affine": ("cnn", "deep", {"augment": "affine"}, {}),
    "deep CNN + affine, 60 epochs": ("cnn", "deep", {"augment": "affine", "epochs": 60}, {}),
}
OTHERS: dict[str, Config] = {
    "deep CNN + shift": ("cnn", "deep", {"augment": "shift"}, {}),
    "shallow MLP": ("mlp", "shallow", {}, {}),
}
VAL_SHARE = 0.2


def fit_and_score(
    ds: Any, config: Config, train: np.ndarray, test: np.ndarray, seed: int
) -> tuple[float, float, np.ndarray]:
    """Train *config* on the examples *train* (preprocessing fitted there) and return its
    accuracy on *test*, the training seconds and its class probabilities on *test*."""
    import torch

    from depthlab.config import TrainSpec
    from depthlab.models.base import build_model
    from depthlab.training.fitting import Tensors, fit_model
    from depthlab.training.preprocess import Preprocessor
    from depthlab.training.spec import resolve

    family, preset, train_options, model_options = config
    prep = Preprocessor.fit(ds, train, family)
    x = torch.from_numpy(prep.transform(ds.inputs))
    y = torch.from_numpy(prep.transform_targets(ds.targets))
    torch.manual_seed(seed)
    model = build_model(family, prep.input_spec(10), preset, **model_options)
    given = TrainSpec(model=family, preset=preset, train={"seed": seed, **train_options})
    cfg = resolve(given).train  # the preset's settings under the given ones
    data = Tensors(x[train], y[train], x[:0], y[:0])
    started = time.perf_counter()
    fit_model(model, data, cfg, cost="size")
    seconds = time.perf_counter() - started
    model.eval()
    with torch.no_grad():
        proba = torch.softmax(model(x[test]), dim=1)
    accuracy = (proba.argmax(1) == y[test]).float().mean().item()
    return accuracy, seconds, proba.numpy()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument(
        "--seeds", type=int, nargs="+", help="default: 0 1 2 (with --ensemble K: 0 .. 3K-1)"
    )
    parser.add_argument("--json", type=Path, help="also write the figures as JSON")
    parser.add_argument(
        "--chosen-only",
        action="store_true",
        help="test only the chosen CNN (not the shift-augmented CNN and the shallow MLP)",
    )
    parser.add_argument(
        "--cv",
        type=int,
        metavar="K",
        help="choose among CV_CANDIDATES by K-fold cross-validation on the first half",
    )
    parser.add_argument(
        "--ensemble",
        type=int,
        metavar="K",
        help="test ensembles of K CNNs of the configuration --chosen-from names instead "
        "(members: K consecutive seeds of --seeds, default 0 .. 3K-1)",
    )
    parser.add_argument(
        "--chosen-from",
        type=Path,
        default=HERE / "results" / "digits_cv.json",
        help="with --ensemble: the earlier --json whose chosen configuration is tested",
    )
    args = parser.parse_args()
    if args.ensemble:
        test_ensembles(args)
        return
    args.seeds = args.seeds or [0, 1, 2]

    import torch
    from sklearn.model_selection import KFold, train_test_split
    from sklearn.svm import SVC

    from depthlab.data.load import load_dataset
    from depthlab.machine import cpu_cores, cpu_name

    ds = load_dataset("digits")
    half = len(ds) // 2
    train, test = np.arange(half), np.arange(half, len(ds))
    flat = ds.inputs.reshape(len(ds), -1)
    svc = SVC(gamma=0.001).fit(flat[train] * 16, ds.targets[train])  # the example's 0-16 pixels
    results: dict[str, Any] = {
        "SVC (scikit-learn example)": {
            "accuracy": [float(svc.score(flat[test] * 16, ds.targets[test]))],
            "seconds": [],
        }
    }
    # 1. choose the CNN's configuration on a validation part of the first half
    candidates = CV_CANDIDATES if args.cv else CANDIDATES
    validation: dict[str, list[float]] = {name: [] for name in candidates}
    # (label, training part, validation part, seed) of every comparison
    parts: list[tuple[str, np.ndarray, np.ndarray, int]] = []
    if args.cv:  # K contiguous blocks of the first half (mostly unseen writers each)
        blocks = KFold(args.cv, shuffle=False).split(train)
        parts = [
            (f"fold {k}", train[a], train[b], args.seeds[0]) for k, (a, b) in enumerate(blocks)
        ]
    else:
        for seed in args.seeds:
            fit, val = train_test_split(
                train, test_size=VAL_SHARE, random_state=seed, stratify=ds.targets[train]
            )
            parts.append((f"seed {seed}", fit, val, seed))
    for label, fit, val, seed in parts:
        for name, config in candidates.items():
            score, took, _ = fit_and_score(ds, config, fit, val, seed)
            validation[name].append(score)
            print(f"validation  {name:34s} {label}: {score:.4f} ({took:.1f} s)", flush=True)
    chosen = max(candidates, key=lambda n: statistics.mean(validation[n]))  # ties: the first
    print(f"chosen on validation: {chosen}", flush=True)
    # 2. retrain the chosen one (and the comparisons) on the whole first half, test once
    finals = {f"{chosen} [chosen]": candidates[chosen], **({} if args.chosen_only else OTHERS)}
    for name, config in finals.items():
        accuracies: list[float] = []
        seconds: list[float] = []
        for seed in args.seeds:
            accuracy, took, _ = fit_and_score(ds, config, train, test, seed)
            accuracies.append(accuracy)
            seconds.append(took)
            print(f"test  {name:40s} seed {seed}: {accuracy:.4f} ({took:.1f} s)", flush=True)
        results[name] = {"accuracy": accuracies, "seconds": seconds}

    print(
        f"\ndigits, first half train ({half}), second half test ({len(test)}); "
        f"{cpu_name()}, {cpu_cores()} cores; torch threads {torch.get_num_threads()}"
    )
    where = f"{args.cv}-fold CV" if args.cv else f"{VAL_SHARE:.0%} of the first half"
    print(f"validation ({where}, mean over {'folds' if args.cv else 'seeds'}):")
    for name, accs in validation.items():
        mark = "  <- chosen" if name == chosen else ""
        print(f"  {name:40s} {statistics.mean(accs):.4f} ± {statistics.pstdev(accs):.4f}{mark}")
    print(f"{'model (trained on the first half)':46s} {'accuracy':>18s} {'train s':>8s}  goal")
    for name, r in results.items():
        acc = r["accuracy"]
        spread = f" ± {statistics.stdev(acc):.4f}" if len(acc) > 1 else ""
        secs = f"{statistics.mean(r['seconds']):.1f}" if r["seconds"] else "-"
        goal = ""
        if name.endswith("[chosen]"):
            goal = f">= {GOAL}: " + ("met" if statistics.mean(acc) >= GOAL else "missed")
        print(f"{name:46s} {statistics.mean(acc):>10.4f}{spread:8s} {secs:>8s}  {goal}")
    print(
        f"published: SVC 0.97 in scikit-learn's example (measured here: "
        f"{results['SVC (scikit-learn example)']['accuracy'][0]:.4f})"
    )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        record = {"validation": validation, "cv": args.cv, "chosen": chosen, "test": results}
        args.json.write_text(json.dumps(record, indent=2))


def test_ensembles(args: argparse.Namespace) -> None:
    """``--ensemble K``: the configuration chosen earlier (``--chosen-from``), trained on the
    whole first half once per seed; each K consecutive seeds make one ensemble, scored on the
    second half by depthlab's average of their class probabilities."""
    from depthlab.data.load import load_dataset
    from depthlab.machine import cpu_cores, cpu_name
    from depthlab.training.ensemble import average

    k = args.ensemble
    seeds = args.seeds or list(range(3 * k))
    if k < 2 or len(seeds) % k:
        raise SystemExit(f"--ensemble {k}: give K >= 2 and a multiple of K seeds")
    chosen = json.loads(args.chosen_from.read_text())["chosen"]
    config = CV_CANDIDATES[chosen]
    ds = load_dataset("digits")
    half = len(ds) // 2
    train, test = np.arange(half), np.arange(half, len(ds))
    ensembles: list[dict[str, Any]] = []
    for start in range(0, len(seeds), k):
        members = seeds[start : start + k]
        scores, seconds, probas = [], [], []
        for seed in members:
            accuracy, took, proba = fit_and_score(ds, config, train, test, seed)
            scores.append(accuracy)
            seconds.append(took)
            probas.append(proba)
            print(f"member  {chosen} seed {seed}: {accuracy:.4f} ({took:.1f} s)", flush=True)
        combined = average(probas, "classification").argmax(1)
        accuracy = float((combined == ds.targets[test]).mean())
        print(f"ensemble of seeds {members}: {accuracy:.4f}", flush=True)
        ensembles.append(
            {"seeds": members, "accuracy": accuracy, "members": scores, "seconds": seconds}
        )
    accs = [e["accuracy"] for e in ensembles]
    singles = [a for e in ensembles for a in e["members"]]
    mean = statistics.mean(accs)
    print(
        f"\ndigits, first half train ({half}), second half test ({len(test)}); {chosen}; "
        f"{cpu_name()}, {cpu_cores()} cores"
    )
    print(
        f"single CNNs ({len(singles)}): {statistics.mean(singles):.4f} ± "
        f"{statistics.stdev(singles):.4f}"
    )
    print(
        f"ensembles of {k} ({len(accs)}): {mean:.4f} ± {statistics.stdev(accs):.4f}  "
        f"goal >= {GOAL}: {'met' if mean >= GOAL else 'missed'}"
    )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        record = {
            "chosen": chosen,
            "chosen_from": str(args.chosen_from),
            "ensemble": k,
            "ensembles": ensembles,
        }
        args.json.write_text(json.dumps(record, indent=2))


if __name__ == "__main__":
    main()
