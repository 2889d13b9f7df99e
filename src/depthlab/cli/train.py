"""``depthlab train``: flags -> a TrainSpec (over train.yaml's, when given) -> one run."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from depthlab.cli.data import CACHE_DIR_HELP, DATA_DIR_HELP
from depthlab.cli.options import (
    data_environment,
    data_options,
    default_folder,
    feature_options,
    given,
    parse_options,
    read_train_config,
    set_quiet,
    source_of,
)
from depthlab.cli.output import finish_distributed, print_train_summary
from depthlab.config import TrainSpec
from depthlab.errors import ConfigError


def train_command(
    data: str = typer.Option(
        ..., "--data", "-d", help="A built-in dataset (see 'data list') or a path."
    ),
    model: str = typer.Option(
        "mlp",
        "--model",
        "-m",
        help="A network (linear, mlp, cnn, rnn; mf, ncf for ratings; encoder for text) or a "
        "baseline (logistic, ridge, boosting; biases for ratings).",
    ),
    preset: str = typer.Option("shallow", "--preset", "-p", help="shallow or deep."),
    out: Path | None = typer.Option(
        None, "--out", "-o", help="Run folder (default: runs/DATA-MODEL-PRESET)."
    ),
    seed: int | None = typer.Option(None, help="Seed of the split and of the weights."),
    split_seed: int | None = typer.Option(
        None,
        "--split-seed",
        help="Seed of the split alone (default: --seed): runs of several seeds on one split "
        "make an ensemble ('depthlab evaluate RUN RUN ...').",
    ),
    config: Path | None = typer.Option(
        None,
        "--config",
        "-c",
        help="train.yaml: training settings (epochs, lr...) and an optional model: section of "
        "hyperparameters (tune's best.yaml); flags win.",
    ),
    split: str = typer.Option(
        "auto",
        "--split",
        help="Split strategy: auto, random, stratified, grouped, temporal, official (the "
        "dataset's own test set, e.g. FSDD's recordings 0-4).",
    ),
    test_group: str | None = typer.Option(
        None,
        "--test-group",
        help="Test on this group alone (a speaker: leave-one-group-out); validation is a "
        "stratified part of the other groups.",
    ),
    epochs: int | None = typer.Option(None, help="Epochs (default: the preset's, else 30)."),
    lr: float | None = typer.Option(None, "--lr", help="Peak learning rate."),
    batch_size: int | None = typer.Option(None, help="Examples per step."),
    patience: int | None = typer.Option(None, help="Stop after this many epochs without gain."),
    device: str | None = typer.Option(None, help="auto, cpu, cuda or mps."),
    augment: str | None = typer.Option(
        None,
        help="Training-batch augmentation: none, shift, affine (small rotation, scaling and "
        "translation of images), flip (images), warp (time stretch "
        "and frequency warp of spectrograms), mask (time and frequency bands, "
        "SpecAugment-style), or several joined by '+', e.g. warp+mask (log-mel's default).",
    ),
    mixup: float | None = typer.Option(
        None,
        help="mixup's alpha (classification; e.g. 0.2): batches blended with shuffled copies "
        "of themselves, labels too; 0 turns it off.",
    ),
    option: list[str] | None = typer.Option(
        None,
        "--option",
        help="Model hyperparameter KEY=VALUE (repeatable; VALUE read as JSON when it can be).",
    ),
    resume: bool = typer.Option(False, "--resume", help="Continue the run in --out."),
    init_from: Path | None = typer.Option(
        None,
        "--init-from",
        help="Start from pretrained weights: a run folder (its feature statistics too) or a "
        ".safetensors file; tensors whose name and shape match are copied, a head for other "
        "classes is re-initialised.",
    ),
    freeze: str | None = typer.Option(
        None,
        "--freeze",
        help="With --init-from: all-but-head, or N to freeze the first N hidden layers.",
    ),
    fine_tune_lr: float | None = typer.Option(
        None,
        "--fine-tune-lr",
        help="With --init-from: peak learning rate of the pretrained layers (the head keeps --lr).",
    ),
    target: str | None = typer.Option(None, "--target", "-t", help="Label column of a table."),
    task: str | None = typer.Option(
        None,
        help="classification, regression (default: inferred from the target) or forecasting "
        "(the table is a series; --target names the column to forecast).",
    ),
    time_column: str | None = typer.Option(
        None, help="Time column of a series (default: one named time, date, year...)."
    ),
    categorical: list[str] | None = typer.Option(
        None, "--categorical", help="A table column to treat as categorical (repeatable)."
    ),
    resize: tuple[int, int] | None = typer.Option(
        None, help="Resize images to HEIGHT WIDTH.", show_default=False
    ),
    label_pattern: str | None = typer.Option(
        None, help=r"Regex on WAV names with (?P<label>..) and optional (?P<group>..)."
    ),
    text_column: str | None = typer.Option(
        None, "--text-column", help="Text column of a text table (default: the only other one)."
    ),
    features: str | None = typer.Option(
        None,
        "--features",
        help="Feature pipeline (default: the modality's for the model), e.g. logmel, mfcc.",
    ),
    feature: list[str] | None = typer.Option(
        None,
        "--feature",
        help="Feature option KEY=VALUE (repeatable), e.g. n_mels=64, min_freq=1, seconds=1.0.",
    ),
    encoder: str | None = typer.Option(
        None, "--encoder", help="Sentence encoder of the 'encoder' model: a name or a local path."
    ),
    lookback: int | None = typer.Option(None, help="Past steps a forecast reads (series)."),
    horizon: int | None = typer.Option(None, help="Future steps a forecast predicts (series)."),
    data_dir: Path | None = typer.Option(None, help=DATA_DIR_HELP),
    cache_dir: Path | None = typer.Option(None, help=CACHE_DIR_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print the final metrics as JSON."),
    quiet: bool = typer.Option(
        False, "--quiet", "-q", help="No progress bar; print only the run folder."
    ),
    distributed: bool = typer.Option(
        False,
        "--distributed",
        help="DDP over the processes torchrun started (gloo on CPU, NCCL on GPU); "
        "--batch-size is the global batch; only rank 0 writes and prints.",
    ),
    tensorboard: bool = typer.Option(
        True, "--tensorboard/--no-tensorboard", help="Write TensorBoard event files to OUT/tb."
    ),
    mlflow: str | None = typer.Option(
        None,
        "--mlflow",
        metavar="URI",
        help="Also log to MLflow: a tracking URI, a .db file, or 'local' "
        "(sqlite:///mlflow.db in the working folder).",
    ),
    experiment: str | None = typer.Option(
        None, "--experiment", help="MLflow experiment (default: the dataset's name)."
    ),
) -> None:
    """Train one network on a dataset and keep everything in a run folder.

    The folder holds run.json (data, split, model, settings), model.safetensors, metrics.json
    and history.jsonl, and TensorBoard event files in tb/ ('tensorboard --logdir runs');
    'depthlab evaluate' and 'depthlab predict' read it back.

    Examples:

      depthlab train --data mnist1d --model cnn --preset deep --seed 0 --out runs/cnn

      depthlab train --data iris --model mlp --epochs 50 --lr 0.01 --out runs/iris

      depthlab train --data houses.csv --target price --option width=64 --out runs/houses

      depthlab train --data sales.csv --task forecasting --target units --lookback 28 --horizon 7

      depthlab train --data mnist1d --model cnn --option channels=[32,64] --out runs/small

      depthlab train --data mnist1d --model cnn --preset deep --out runs/cnn --resume

      depthlab train --data fsdd --model cnn --config train.yaml --split grouped

      depthlab train --data fsdd --model cnn --preset deep --split official --augment mask

      depthlab train --data fsdd --model rnn --test-group theo --out runs/fsdd-theo

      depthlab train --data sentiment --model encoder --encoder all-MiniLM-L6-v2

      depthlab train --data fsdd --model cnn --preset deep --init-from runs/fsdd-theo
      --freeze all-but-head --fine-tune-lr 0.0003 --out runs/fsdd-tuned

      torchrun --standalone --nproc_per_node 2 -m depthlab train --data mnist1d --model cnn
      --distributed --out runs/cnn-ddp

      depthlab train --data iris --model mlp --out runs/iris --mlflow local
    """
    from depthlab.track.base import cli_trackers
    from depthlab.training.run import train

    set_quiet(quiet)
    flags = TrainSpec(
        model=model,
        preset=preset,
        options=parse_options(option or []),
        train=given(epochs=epochs, lr=lr, batch_size=batch_size, patience=patience, seed=seed)
        | given(device=device, augment=augment, mixup=mixup, fine_tune_lr=fine_tune_lr),
        data=data_options(
            target=target, task=task, categorical=categorical, resize=resize,
            label_pattern=label_pattern, time_column=time_column, text_column=text_column,
        ),
        features=feature_options(
            feature, features=features, encoder=encoder, lookback=lookback, horizon=horizon
        ),
        split=given(strategy=split, seed=split_seed),
        test_group=test_group,
        init_from=init_from,
        freeze=freeze,
    )  # fmt: skip
    spec = flags.over(read_train_config(config)) if config is not None else flags  # flags win
    folder = out or default_folder(data, model, preset, resume)
    if folder.exists() and not folder.is_dir():
        raise ConfigError(f"--out {folder} is a file; give a folder for the run")
    trackers = cli_trackers(tensorboard, mlflow, experiment)
    with data_environment(data_dir, cache_dir):
        run = train(
            source_of(data), spec, out=folder, resume=resume, hooks=trackers,
            distributed=distributed,
        )  # fmt: skip
    if distributed and not finish_distributed():
        return  # rank 0 prints
    if as_json:
        typer.echo(json.dumps(run.metrics))
    elif quiet:
        typer.echo(str(folder))
    else:
        print_train_summary(run, folder)
