"""``depthlab crossval``: one run per fold (leave one group out, or k folds) and a summary."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from depthlab.cli.data import CACHE_DIR_HELP, DATA_DIR_HELP
from depthlab.cli.options import (
    data_environment,
    data_options,
    default_folder,
    feature_options,
    given,
    parse_options,
    set_quiet,
    source_of,
)
from depthlab.config import TrainSpec
from depthlab.evaluate.tasks import TASKS

if TYPE_CHECKING:
    from depthlab.training.crossval import CrossValidation


def crossval_command(
    data: str = typer.Argument(..., help="A built-in dataset (see 'data list') or a path."),
    model: str = typer.Option(
        "mlp", "--model", "-m", help="A network (linear, mlp, cnn, rnn) or a baseline."
    ),
    preset: str = typer.Option("shallow", "--preset", "-p", help="shallow or deep."),
    folds: str = typer.Option(
        "logo",
        "--folds",
        "-k",
        help="logo (leave one group out, e.g. one speaker per fold) or a number of folds.",
    ),
    out: Path | None = typer.Option(
        None,
        "--out",
        "-o",
        help="Folder of the fold runs and crossval.json (default: "
        "runs/crossval-DATA-MODEL-PRESET).",
    ),
    seed: int = typer.Option(0, help="Seed of the folds, the validation parts and the weights."),
    split: str = typer.Option(
        "auto", "--split", help="k-fold strategy: auto, random, stratified, grouped, temporal."
    ),
    epochs: int | None = typer.Option(None, help="Epochs (default: the preset's, else 30)."),
    lr: float | None = typer.Option(None, "--lr", help="Peak learning rate."),
    batch_size: int | None = typer.Option(None, help="Examples per step."),
    augment: str | None = typer.Option(
        None,
        help="Training-batch augmentation: none, shift, affine, flip, warp, mask, or e.g. "
        "warp+mask.",
    ),
    mixup: float | None = typer.Option(None, help="mixup's alpha (classification); 0: off."),
    device: str | None = typer.Option(None, help="auto, cpu, cuda or mps."),
    option: list[str] | None = typer.Option(
        None, "--option", help="Model hyperparameter KEY=VALUE (repeatable)."
    ),
    features: str | None = typer.Option(
        None, "--features", help="Feature pipeline, e.g. logmel, mfcc, mfcc-stats."
    ),
    feature: list[str] | None = typer.Option(
        None, "--feature", help="Feature option KEY=VALUE (repeatable), e.g. n_mels=64."
    ),
    target: str | None = typer.Option(None, "--target", "-t", help="Label column of a table."),
    label_pattern: str | None = typer.Option(
        None, help=r"Regex on WAV names with (?P<label>..) and (?P<group>..) (the groups)."
    ),
    resume: bool = typer.Option(False, "--resume", help="Continue the folds in --out."),
    data_dir: Path | None = typer.Option(None, help=DATA_DIR_HELP),
    cache_dir: Path | None = typer.Option(None, help=CACHE_DIR_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bars."),
) -> None:
    """Cross-validate one model: train it once per fold and report each fold's test metrics
    with their mean and 95% confidence interval.

    --folds logo holds out one group at a time (FSDD: one speaker per fold, trained on the
    other four); --folds K makes K folds (grouped by speaker when the data has groups,
    stratified by class otherwise). Each fold is a run folder that 'depthlab evaluate' reads;
    crossval.json holds the summary.

    Examples:

      depthlab crossval fsdd --model cnn --preset deep --folds logo --out cv/fsdd-cnn

      depthlab crossval fsdd --model logistic --folds logo

      depthlab crossval iris --model mlp --folds 5 --split stratified --out cv/iris

      depthlab crossval fsdd --model cnn --preset deep --out cv/fsdd-cnn --resume
    """
    from depthlab.training.crossval import cross_validate, parse_folds

    set_quiet(quiet)
    chosen = parse_folds(folds)
    spec = TrainSpec(
        model=model,
        preset=preset,
        options=parse_options(option or []),
        train=given(epochs=epochs, lr=lr, batch_size=batch_size, augment=augment, mixup=mixup)
        | given(device=device),
        data=data_options(target=target or None, label_pattern=label_pattern or None),
        features=feature_options(feature, features=features or None),
        split=given(strategy=split),
    )
    folder = out or default_folder(f"crossval-{Path(data).stem}", model, preset, resume)
    with data_environment(data_dir, cache_dir):
        result = cross_validate(
            source_of(data), spec, folds=chosen, out=folder, seed=seed, resume=resume
        )
    if as_json:
        typer.echo(json.dumps(result.to_dict()))
    else:
        print_crossval(result)


def print_crossval(result: CrossValidation) -> None:
    """One line per fold, then the mean and its 95% confidence interval."""
    first = result.folds[0]["test"]
    metric = next(info.metric for info in TASKS.values() if info.metric in first)
    others = [m for m in ("macro_f1", "mae") if m in first]
    header = f"{'fold':<16}{'test':>7}{metric:>11}" + "".join(f"{m:>11}" for m in others)
    typer.echo(header + f"{'train s':>10}")
    for fold in result.folds:
        values = "".join(f"{fold['test'][m]:11.4f}" for m in (metric, *others))
        typer.echo(
            f"{fold['name']:<16}{fold['sizes']['test']:7d}{values}{fold['train_seconds']:10.1f}"
        )
    parts = []
    for m in (metric, *others, "train_seconds"):
        s = result.summary[m]
        ci = "" if s["lo"] is None else f" (95% CI {s['lo']:.4f} to {s['hi']:.4f})"
        parts.append(f"{m.replace('_', ' ')} {s['mean']:.4f}{ci}")
    typer.echo(f"mean over {len(result.folds)} folds: " + "; ".join(parts))
    if result.path is not None:
        typer.echo(f"runs and summary: {result.path}")
