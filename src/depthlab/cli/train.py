"""``depthlab train``: flags -> a TrainSpec (over train.yaml's, when given) -> one run."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

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

# The features of --fine-tune (depthlab.features.encoder_tokens): named here, not imported, so
# the CLI starts without the feature modules.
FINE_TUNE_FEATURES = "encoder-tokens"

# The flags of `depthlab train`, declared once here so the command reads flags -> spec -> run.
DataFlag = Annotated[
    str,
    typer.Option("--data", "-d", help="A built-in dataset (see 'data list') or a path."),
]

ModelFlag = Annotated[
    str,
    typer.Option(
        "--model",
        "-m",
        help="A network (linear, mlp, cnn, rnn; mf, ncf for ratings; encoder for text) or a "
        "baseline (logistic, ridge, boosting; biases for ratings).",
    ),
]

PresetFlag = Annotated[
    str,
    typer.Option("--preset", "-p", help="shallow or deep."),
]

OutFlag = Annotated[
    Path | None,
    typer.Option("--out", "-o", help="Run folder (default: runs/DATA-MODEL-PRESET)."),
]

SeedFlag = Annotated[
    int | None,
    typer.Option(help="Seed of the split and of the weights."),
]

SplitSeedFlag = Annotated[
    int | None,
    typer.Option(
        "--split-seed",
        help="Seed of the split alone (default: --seed): runs of several seeds on one split "
        "make an ensemble ('depthlab evaluate RUN RUN ...').",
    ),
]

ConfigFlag = Annotated[
    Path | None,
    typer.Option(
        "--config",
        "-c",
        help="train.yaml: training settings (epochs, lr...) and an optional model: section of "
        "hyperparameters (tune's best.yaml); flags win.",
    ),
]

SplitFlag = Annotated[
    str,
    typer.Option(
        "--split",
        help="Split strategy: auto, random, stratified, grouped, temporal, official (the "
        "dataset's own test set, e.g. FSDD's recordings 0-4).",
    ),
]

TestGroupFlag = Annotated[
    str | None,
    typer.Option(
        "--test-group",
        help="Test on this group alone (a speaker: leave-one-group-out); validation is a "
        "stratified part of the other groups.",
    ),
]

EpochsFlag = Annotated[
    int | None,
    typer.Option(help="Epochs (default: the preset's, else 30)."),
]

LrFlag = Annotated[
    float | None,
    typer.Option("--lr", help="Peak learning rate."),
]

BatchSizeFlag = Annotated[
    int | None,
    typer.Option(help="Examples per step."),
]

PatienceFlag = Annotated[
    int | None,
    typer.Option(help="Stop after this many epochs without gain."),
]

DeviceFlag = Annotated[
    str | None,
    typer.Option(help="auto, cpu, cuda or mps."),
]

AugmentFlag = Annotated[
    str | None,
    typer.Option(
        help="Training-batch augmentation: none, shift, affine (small rotation, scaling and "
        "translation of images), flip (images), warp (time stretch "
        "and frequency warp of spectrograms), mask (time and frequency bands, "
        "SpecAugment-style), or several joined by '+', e.g. warp+mask (log-mel's default)."
    ),
]

MixupFlag = Annotated[
    float | None,
    typer.Option(
        help="mixup's alpha (classification; e.g. 0.2): batches blended with shuffled copies "
        "of themselves, labels too; 0 turns it off."
    ),
]

OptionFlag = Annotated[
    list[str] | None,
    typer.Option(
        "--option",
        help="Model hyperparameter KEY=VALUE (repeatable; VALUE read as JSON when it can be).",
    ),
]

ResumeFlag = Annotated[
    bool,
    typer.Option("--resume", help="Continue the run in --out."),
]

InitFromFlag = Annotated[
    Path | None,
    typer.Option(
        "--init-from",
        help="Start from pretrained weights: a run folder (its feature statistics too) or a "
        ".safetensors file; tensors whose name and shape match are copied, a head for other "
        "classes is re-initialised.",
    ),
]

FreezeFlag = Annotated[
    str | None,
    typer.Option(
        "--freeze", help="With --init-from: all-but-head, or N to freeze the first N hidden layers."
    ),
]

FineTuneLrFlag = Annotated[
    float | None,
    typer.Option(
        "--fine-tune-lr",
        help="With --init-from or --fine-tune: peak learning rate of the pretrained layers (the "
        "head keeps --lr).",
    ),
]

TargetFlag = Annotated[
    str | None,
    typer.Option("--target", "-t", help="Label column of a table."),
]

TaskFlag = Annotated[
    str | None,
    typer.Option(
        help="classification, regression (default: inferred from the target) or forecasting "
        "(the table is a series; --target names the column to forecast)."
    ),
]

TimeColumnFlag = Annotated[
    str | None,
    typer.Option(help="Time column of a series (default: one named time, date, year...)."),
]

CategoricalFlag = Annotated[
    list[str] | None,
    typer.Option("--categorical", help="A table column to treat as categorical (repeatable)."),
]

ResizeFlag = Annotated[
    tuple[int, int] | None,
    typer.Option(help="Resize images to HEIGHT WIDTH.", show_default=False),
]

LabelPatternFlag = Annotated[
    str | None,
    typer.Option(help=r"Regex on WAV names with (?P<label>..) and optional (?P<group>..)."),
]

TextColumnFlag = Annotated[
    str | None,
    typer.Option(
        "--text-column", help="Text column of a text table (default: the only other one)."
    ),
]

FeaturesFlag = Annotated[
    str | None,
    typer.Option(
        "--features",
        help="Feature pipeline (default: the modality's for the model), e.g. logmel, mfcc.",
    ),
]

FeatureFlag = Annotated[
    list[str] | None,
    typer.Option(
        "--feature",
        help="Feature option KEY=VALUE (repeatable), e.g. n_mels=64, min_freq=1, seconds=1.0.",
    ),
]

EncoderFlag = Annotated[
    str | None,
    typer.Option(
        "--encoder", help="Sentence encoder of the 'encoder' model: a name or a local path."
    ),
]

FineTuneFlag = Annotated[
    bool,
    typer.Option(
        "--fine-tune",
        help="With --model encoder: train the sentence encoder end to end (its own token ids, "
        "'encoder-tokens' features; the transformer at --fine-tune-lr, default 3e-5, the head "
        "at --lr) rather than a head over its frozen embeddings.",
    ),
]

LookbackFlag = Annotated[
    int | None,
    typer.Option(help="Past steps a forecast reads (series)."),
]

HorizonFlag = Annotated[
    int | None,
    typer.Option(help="Future steps a forecast predicts (series)."),
]

DataDirFlag = Annotated[
    Path | None,
    typer.Option(help=DATA_DIR_HELP),
]

CacheDirFlag = Annotated[
    Path | None,
    typer.Option(help=CACHE_DIR_HELP),
]

AsJsonFlag = Annotated[
    bool,
    typer.Option("--json", help="Print the final metrics as JSON."),
]

QuietFlag = Annotated[
    bool,
    typer.Option("--quiet", "-q", help="No progress bar; print only the run folder."),
]

DistributedFlag = Annotated[
    bool,
    typer.Option(
        "--distributed",
        help="DDP over the processes torchrun started (gloo on CPU, NCCL on GPU); "
        "--batch-size is the global batch; only rank 0 writes and prints.",
    ),
]

TensorboardFlag = Annotated[
    bool,
    typer.Option("--tensorboard/--no-tensorboard", help="Write TensorBoard event files to OUT/tb."),
]

MlflowFlag = Annotated[
    str | None,
    typer.Option(
        "--mlflow",
        metavar="URI",
        help="Also log to MLflow: a tracking URI, a .db file, or 'local' "
        "(sqlite:///mlflow.db in the working folder).",
    ),
]

ExperimentFlag = Annotated[
    str | None,
    typer.Option("--experiment", help="MLflow experiment (default: the dataset's name)."),
]


TRAIN_HELP = """Train one network on a dataset and keep everything in a run folder.

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

  depthlab train --data sentiment --model encoder --fine-tune --out runs/sentiment-tuned

  depthlab train --data fsdd --model cnn --preset deep --init-from runs/fsdd-theo
  --freeze all-but-head --fine-tune-lr 0.0003 --out runs/fsdd-tuned

  torchrun --standalone --nproc_per_node 2 -m depthlab train --data mnist1d --model cnn
  --distributed --out runs/cnn-ddp

  depthlab train --data iris --model mlp --out runs/iris --mlflow local
"""


def train_command(
    data: DataFlag,
    model: ModelFlag = "mlp",
    preset: PresetFlag = "shallow",
    out: OutFlag = None,
    seed: SeedFlag = None,
    split_seed: SplitSeedFlag = None,
    config: ConfigFlag = None,
    split: SplitFlag = "auto",
    test_group: TestGroupFlag = None,
    epochs: EpochsFlag = None,
    lr: LrFlag = None,
    batch_size: BatchSizeFlag = None,
    patience: PatienceFlag = None,
    device: DeviceFlag = None,
    augment: AugmentFlag = None,
    mixup: MixupFlag = None,
    option: OptionFlag = None,
    resume: ResumeFlag = False,
    init_from: InitFromFlag = None,
    freeze: FreezeFlag = None,
    fine_tune_lr: FineTuneLrFlag = None,
    target: TargetFlag = None,
    task: TaskFlag = None,
    time_column: TimeColumnFlag = None,
    categorical: CategoricalFlag = None,
    resize: ResizeFlag = None,
    label_pattern: LabelPatternFlag = None,
    text_column: TextColumnFlag = None,
    features: FeaturesFlag = None,
    feature: FeatureFlag = None,
    encoder: EncoderFlag = None,
    fine_tune: FineTuneFlag = False,
    lookback: LookbackFlag = None,
    horizon: HorizonFlag = None,
    data_dir: DataDirFlag = None,
    cache_dir: CacheDirFlag = None,
    as_json: AsJsonFlag = False,
    quiet: QuietFlag = False,
    distributed: DistributedFlag = False,
    tensorboard: TensorboardFlag = True,
    mlflow: MlflowFlag = None,
    experiment: ExperimentFlag = None,
) -> None:
    """``depthlab train``: flags -> spec -> :func:`~depthlab.training.run.train` -> summary
    (its --help is :data:`TRAIN_HELP`)."""
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
            feature, features=fine_tuned(model, features) if fine_tune else features,
            encoder=encoder, lookback=lookback, horizon=horizon,
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


def fine_tuned(model: str, features: str | None) -> str:
    """The feature pipeline of ``--fine-tune``: the sentence encoder's own token ids."""
    if model != "encoder":
        raise ConfigError(
            f"--fine-tune trains the pretrained sentence encoder: use it with --model encoder, "
            f"not {model}"
        )
    if features not in (None, FINE_TUNE_FEATURES):
        raise ConfigError(
            f"--fine-tune reads the encoder's own token ids ('{FINE_TUNE_FEATURES}' features); "
            f"leave out --features {features}"
        )
    return FINE_TUNE_FEATURES
