"""``depthlab train`` and the helpers every command shares (data options, run summaries)."""

from __future__ import annotations

import contextlib
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from depthlab.cli.data import CACHE_DIR_HELP, DATA_DIR_HELP

if TYPE_CHECKING:
    from depthlab.training.run import Run


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
    seed: int = typer.Option(0, help="Seed of the split and of the weights."),
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
    from depthlab.config import SplitConfig, parse_config
    from depthlab.data.datasets import is_builtin
    from depthlab.errors import ConfigError
    from depthlab.track.base import cli_trackers
    from depthlab.training.run import train

    if quiet:
        os.environ["DEPTHLAB_QUIET"] = "1"
    given = {"epochs": epochs, "lr": lr, "batch_size": batch_size, "patience": patience}
    given["fine_tune_lr"] = fine_tune_lr
    extra = {"device": device, "augment": augment, "mixup": mixup}
    train_options = {k: v for k, v in {**given, **extra}.items() if v is not None}
    model_options = parse_options(option or [])
    if config is not None:
        file_model, from_file = read_train_config(config)
        train_options = {**from_file, **train_options}
        model_options = {**file_model, **model_options}  # --option wins over the file
    strategy = parse_config(SplitConfig, {"strategy": split}).strategy
    # JSON-native values only (lists, not tuples): run.json is compared with them on --resume.
    data_options = {
        "target": target,
        "task": task,
        "categorical": list(categorical) if categorical else None,
        "resize": list(resize) if resize else None,
        "label_pattern": label_pattern,
        "time_column": time_column,
        "text_column": text_column,
    }
    data_options = {k: v for k, v in data_options.items() if v is not None}
    named = {"features": features, "encoder": encoder, "lookback": lookback, "horizon": horizon}
    feature_options = {
        **parse_options(feature or [], "--feature"),
        **{k: v for k, v in named.items() if v is not None},
    }
    # A path is kept absolute so that evaluate finds the data from any folder.
    source = data if is_builtin(data) and not Path(data).exists() else data_path(data)
    folder = out or default_folder(data, model, preset, resume)
    if folder.exists() and not folder.is_dir():
        raise ConfigError(f"--out {folder} is a file; give a folder for the run")
    with data_environment(data_dir, cache_dir):
        run = train(
            source,
            model,
            preset,
            out=folder,
            seed=seed,
            split_seed=split_seed,
            model_options=model_options,
            train_options=train_options,
            data_options=data_options,
            resume=resume,
            split=strategy,
            feature_options=feature_options,
            test_group=test_group,
            distributed=distributed,
            init_from=init_from,
            freeze=freeze,
            track=cli_trackers(tensorboard, mlflow, experiment),
        )
    if distributed and not finish_distributed():
        return  # rank 0 prints
    if as_json:
        typer.echo(json.dumps(run.metrics))
    elif quiet:
        typer.echo(str(folder))
    else:
        print_train_summary(run, folder)


def read_train_config(path: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(model options, training settings)`` of a train.yaml: training settings at the top
    level, the model's hyperparameters under an optional ``model:`` mapping (what
    ``depthlab tune`` writes to best.yaml)."""
    from depthlab.config import TrainConfig, parse_config, read_yaml
    from depthlab.errors import ConfigError

    raw = read_yaml(path)
    model = raw.pop("model", None) or {}
    if not isinstance(model, dict):
        raise ConfigError(f"config {path}: 'model' must be a mapping of hyperparameter: value")
    settings = parse_config(TrainConfig, raw).model_dump(mode="json", exclude_unset=True)
    return dict(model), settings


def parse_options(pairs: list[str], flag: str = "--option") -> dict[str, Any]:
    """``["depth=3", "channels=[32,64]", "cell=gru"]`` -> ``{"depth": 3, ...}`` (JSON values)."""
    from depthlab.errors import ConfigError

    options: dict[str, Any] = {}
    for pair in pairs:
        key, sep, text = pair.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"{flag} '{pair}': write KEY=VALUE, e.g. {flag} depth=3")
        try:
            options[key.strip()] = json.loads(text)
        except json.JSONDecodeError:
            options[key.strip()] = text  # a bare word: gelu, lstm...
    return options


def data_path(data: str) -> str:
    path = Path(data).expanduser()
    return str(path.resolve()) if path.exists() else data


def default_folder(data: str, model: str, preset: str, resume: bool) -> Path:
    """``runs/DATA-MODEL-PRESET``, or with -2, -3... when taken (unless resuming)."""
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", Path(data).stem).strip("-") or "data"
    base = Path("runs") / f"{stem}-{model}-{preset}"
    if resume:
        return base
    folder, number = base, 1
    while folder.exists():
        number += 1
        folder = base.with_name(f"{base.name}-{number}")
    return folder


@contextlib.contextmanager
def data_environment(data_dir: Path | None, cache_dir: Path | None) -> Iterator[None]:
    """--data-dir and --cache-dir for loading, kept out of run.json (paths of this machine)."""
    values = {"DEPTHLAB_DATA_DIR": data_dir, "DEPTHLAB_CACHE_DIR": cache_dir}
    saved = {key: os.environ.get(key) for key in values}
    try:
        for key, value in values.items():
            if value is not None:
                os.environ[key] = str(value)
        yield
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old


def print_train_summary(run: Run, folder: Path) -> None:
    """A few plain lines (paths are never cut, whatever the terminal's width)."""
    metrics, cost = run.metrics, run.metrics.get("cost", {})
    name = "accuracy" if run.task == "classification" else "rmse"
    rows: list[tuple[str, str]] = []
    parts = [f"{part} {metrics[part][name]:.4f}" for part in ("val", "train") if part in metrics]
    if "test" in metrics:
        others = f"  ({', '.join(parts)})" if parts else ""
        rows.append((f"test {name}", f"{metrics['test'][name]:.4f}{others}"))
    rows.append(("parameters", f"{cost.get('parameters', 0):,}"))
    stopped = ", stopped early" if metrics.get("stopped_early") else ""
    done = int(metrics.get("epochs_run", 0))
    epochs = f"{done} epoch{'s' * (done != 1)}, best {metrics.get('best_epoch')}{stopped}"
    seconds = cost.get("train_seconds", 0.0)
    rows.append(("training time", f"{seconds:.1f} s ({epochs}, {metrics.get('device')})"))
    rows.append(("run folder", str(folder)))
    for label, value in rows:
        typer.echo(f"{label:<15}{value}")


def print_metrics(metrics: dict[str, Any], class_names: tuple[str, ...], title: str) -> None:
    """Scalar metrics as a table, then the confusion matrix (rows true, columns predicted)."""
    from rich.console import Console
    from rich.table import Table

    console = Console()
    console.print(f"[bold]{title}[/bold]")
    scores = Table(box=None)
    scores.add_column("metric", style="cyan")
    scores.add_column("value", justify="right")
    for key, value in metrics.items():
        if isinstance(value, int | float):
            scores.add_row(key.replace("_", " "), f"{value:.4f}")
    console.print(scores)
    matrix = metrics.get("confusion_matrix")
    if not matrix:
        return
    names = list(class_names) or [str(k) for k in range(len(matrix))]
    console.print("[bold]confusion matrix[/bold] (rows: true class, columns: predicted)")
    confusion = Table(box=None)
    confusion.add_column("", style="cyan")
    for name in names:
        confusion.add_column(name, justify="right")
    for i, (name, row) in enumerate(zip(names, matrix, strict=True)):
        cells = (f"[bold]{n}[/bold]" if i == j else str(n) for j, n in enumerate(row))
        confusion.add_row(name, *cells)
    console.print(confusion)


def finish_distributed() -> bool:
    """Leave the process group; True on rank 0 (the one that reports)."""
    from depthlab.training import distributed

    group = distributed.current()
    main = group is None or group.main
    if group is not None:
        group.barrier()  # rank 0 has written the run folder
    distributed.stop()
    return main
