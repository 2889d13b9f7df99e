"""Validated configuration: pydantic models, loadable from YAML, unknown keys are errors.

Later capabilities add their own models here (model, training, study); each is flat and explicit.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from depthlab.config_io import describe_error, parse_config
from depthlab.errors import ConfigError

# Training augmentations, in the order they apply (depthlab.training.augment).
AUGMENTS = ("shift", "affine", "flip", "warp", "mask")
SplitStrategy = Literal["auto", "random", "stratified", "grouped", "temporal", "official"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DataConfig(_Strict):
    """How to read the user's own data (every option is optional; built-ins need none).

    Example:
        >>> DataConfig(target="price", categorical=["city"]).target
        'price'
    """

    target: str | None = Field(None, description="label column of a table")
    text_column: str | None = Field(None, description="text column of a text table")
    task: Literal["classification", "regression", "forecasting"] | None = Field(
        None,
        description="override the task inferred from the target; forecasting reads the table "
        "as a time series whose target column is forecast",
    )
    categorical: tuple[str, ...] = Field((), description="table columns to treat as categorical")
    resize: tuple[int, int] | None = Field(None, description="image size (height, width)")
    grayscale: bool | None = Field(None, description="images as one channel (default: auto)")
    label_pattern: str | None = Field(
        None,
        description="regex on audio file names with a (?P<label>...) group and optionally "
        "(?P<group>...); default: the label is the subfolder",
    )
    sample_rate: int | None = Field(None, gt=0, description="resample audio to this rate (Hz)")
    time_column: str | None = Field(
        None, description="time column of a series (default: one named time, date, year...)"
    )

    @field_validator("resize")
    @classmethod
    def _positive_size(cls, value: tuple[int, int] | None) -> tuple[int, int] | None:
        if value is not None and min(value) <= 0:
            raise ValueError("resize needs two positive integers (height, width)")
        return value


class FeatureConfig(_Strict):
    """How raw inputs become model inputs; each option matters to one modality's pipelines.

    Example:
        >>> FeatureConfig(lookback=36, horizon=3).horizon
        3
    """

    features: str | None = Field(
        None, description="feature pipeline (default: the modality's default for the model)"
    )
    # audio
    seconds: float | None = Field(
        None, gt=0.0, description="clip length; default: 95th percentile of training clips"
    )
    n_mels: int = Field(40, ge=4, le=512, description="mel bands of log-mel spectrograms")
    n_mfcc: int = Field(20, ge=2, le=128, description="MFCC coefficients per frame")
    normalize: Literal["none", "utterance"] = Field(
        "none",
        description="per-clip normalisation of log-mel bands / MFCCs: utterance (each band to "
        "zero mean, unit variance over the clip's frames, CMVN) or none",
    )
    # text
    min_freq: int = Field(2, ge=1, description="a word enters the vocabulary this many times")
    max_vocab: int = Field(20_000, ge=10, description="most frequent words kept")
    max_tokens: int | None = Field(
        None, ge=1, description="tokens per text; default: 95th percentile of training texts"
    )
    encoder: str = Field(
        "all-MiniLM-L6-v2", description="sentence-transformers model name or local path"
    )
    # time series
    lookback: int = Field(24, ge=1, description="past steps a forecast reads")
    horizon: int = Field(1, ge=1, description="future steps a forecast predicts")
    fill: Literal["none", "ffill", "interpolate"] = Field(
        "none", description="how gaps (NaN) in a series are filled; none: they are errors"
    )
    # tables
    embed_levels: int = Field(
        16, ge=2, description="categorical columns with more levels get embeddings, not one-hot"
    )


class SplitConfig(_Strict):
    """A seeded train / validation / test split."""

    strategy: SplitStrategy = "auto"
    val_fraction: float = Field(0.15, ge=0.0, lt=1.0)
    test_fraction: float = Field(0.15, gt=0.0, lt=1.0)
    seed: int = 0


class TrainConfig(_Strict):
    """How a network is trained: optimiser, schedule, regularisation, stopping, device.

    Example:
        >>> TrainConfig(epochs=20, lr=1e-3).schedule
        'plateau'
    """

    epochs: int = Field(
        200,
        ge=1,
        le=100_000,
        description="epochs to train (a cap with the plateau schedule: it stops when the "
        "validation score stops improving)",
    )
    batch_size: int = Field(128, ge=1)
    lr: float = Field(3e-3, gt=0.0, le=10.0)
    fine_tune_lr: float | None = Field(
        None,
        gt=0.0,
        le=10.0,
        description="peak learning rate of the pretrained layers (with init_from); the head "
        "keeps lr",
    )
    optimizer: Literal["adamw", "sgd"] = "adamw"
    momentum: float = Field(0.9, ge=0.0, lt=1.0)
    weight_decay: float = Field(0.01, ge=0.0)
    schedule: Literal["plateau", "onecycle", "cosine", "step", "none"] = Field(
        "plateau",
        description="plateau: warm up, hold the peak rate, divide it by 5 when validation stalls "
        "for half the patience, stop after patience epochs without progress (train until "
        "converged); onecycle / cosine / step: a fixed schedule over epochs",
    )
    step_size: int = Field(10, ge=1, description="epochs between decays (step schedule)")
    gamma: float = Field(0.5, gt=0.0, le=1.0, description="decay factor (step schedule)")
    grad_clip: float = Field(1.0, ge=0.0, description="max gradient norm; 0 turns it off")
    patience: int = Field(
        10,
        ge=0,
        description="stop after this many epochs without progress on validation (a new best "
        "score or loss); 0: off (then the plateau schedule runs every epoch and anneals)",
    )
    keep: Literal["best", "last"] = Field(
        "best",
        description="the weights a run keeps: the best validation epoch's, or the last epoch's "
        "(a convex model trained to its optimum, like the linear family on tables: validation "
        "then only says when to stop)",
    )
    max_minutes: float | None = Field(
        None, gt=0.0, description="stop after the epoch that passes this much training time"
    )
    seed: int = 0
    device: Literal["auto", "cpu", "cuda", "mps"] = "auto"
    amp: bool = Field(True, description="mixed precision (CUDA only)")
    compile: bool = Field(False, description="torch.compile the model")
    augment: str = Field(
        "none",
        description="none, or kinds joined by '+': shift (images, sequences), affine (small "
        "rotation, scaling and translation of images), flip (images), warp (time stretch and "
        "frequency warp of spectrograms), mask (SpecAugment-style bands)",
    )
    mixup: float = Field(
        0.0,
        ge=0.0,
        le=10.0,
        description="mixup's alpha (classification): each batch blended with a shuffled copy of "
        "itself, inputs and targets, by a weight drawn from Beta(alpha, alpha); 0 turns it off",
    )
    in_memory_mb: int = Field(
        2048, ge=0, description="data larger than this is fed by a DataLoader"
    )

    @field_validator("augment")
    @classmethod
    def _augment(cls, value: str) -> str:
        """``shift``, ``affine``, ``flip``, ``warp``, ``mask`` or several joined by ``+`` (any
        order; kept in the order they apply)."""
        parts = [p.strip() for p in value.split("+")]
        if value.strip() == "none":
            return "none"
        if any(p not in AUGMENTS for p in parts) or len(set(parts)) != len(parts):
            raise ValueError(
                f"choose none or kinds joined by '+' from {', '.join(AUGMENTS)} "
                "(e.g. shift+mask), got '" + value + "'"
            )
        return "+".join(p for p in AUGMENTS if p in parts)


class StudyConfig(_Strict):
    """The plan of a depth study: which models, on how much data, over how many seeds, and
    which extra measurements. Models are ids: a baseline (``logistic``, ``ridge``,
    ``boosting``), a family (``cnn``, its ``deep`` preset) or ``family:preset``.

    Example:
        >>> StudyConfig(models=("logistic", "mlp:shallow", "mlp:deep"), seeds=5).fractions
        (0.1, 0.25, 0.5, 1.0)
    """

    models: tuple[str, ...] | None = Field(
        None, min_length=2, description="the ladder (default: every model that fits the data)"
    )
    fractions: tuple[float, ...] = Field(
        (0.1, 0.25, 0.5, 1.0), min_length=1, description="training-set fractions"
    )
    seeds: int = Field(3, ge=2, le=100, description="seeds per model and fraction (>= 2)")
    first_seed: int = Field(
        0, ge=0, description="the first seed (seeds run first_seed, first_seed + 1, ...)"
    )
    epochs: int | None = Field(
        None,
        ge=1,
        le=10_000,
        description="cap on the epochs of every network (default: each "
        "trains until its validation score stops improving, under its family's cap)",
    )
    quick: bool = Field(
        False,
        description="a small plan: fewer fractions and extra measurements, never shorter training",
    )
    recommend_by: Literal["train_time", "latency"] = Field(
        "train_time", description="what 'cheapest' means in the recommendation"
    )
    alpha: float = Field(0.05, gt=0.0, lt=0.5, description="significance level of every test")
    margin: float | None = Field(
        None,
        gt=0.0,
        description="practical margin of every decision, in the metric's units (default: the "
        "metric's: 1 point of accuracy, 0.01 of R^2, 1% of the best error)",
    )
    race: bool = Field(
        True,
        description="add seeds look by look, only to the models whose decision is undecided "
        "(off with an explicit seeds count, and with quick unless looks or max_seeds are given)",
    )
    looks: tuple[int, ...] = Field(
        (3, 5, 7, 10), min_length=1, description="seeds in all at each look of the race"
    )
    max_seeds: int | None = Field(
        None, ge=2, le=100, description="most seeds a model races to (default: the last look)"
    )
    budget: float | None = Field(
        None,
        gt=0.0,
        description="minutes of training (measured train times over the workers) past which "
        "the race takes no further look",
    )
    probes: bool = Field(True, description="linear probes of every hidden layer")
    robustness: bool = Field(True, description="accuracy under input noise and missing values")
    explain: bool = Field(
        True, description="attribution faithfulness and stability of every network"
    )
    regularisation: bool = Field(True, description="the deep MLP without dropout/weight decay")
    threads: bool = Field(True, description="CPU thread scaling (and GPU speed-up if present)")
    fine_tune: bool = Field(
        True,
        description="text studies: the pretrained sentence encoder also fine-tuned end to end "
        "(linear head, full training set, every seed; minutes per run on a CPU); off with quick "
        "unless set",
    )
    transfer: bool = Field(
        True,
        description="the transfer row: pretrain, fine-tune on k examples per class, compare with "
        "scratch (where a built-in recipe or transfer_source exists)",
    )
    transfer_source: str | None = Field(
        None, description="dataset (name or path) to pretrain on for the transfer row"
    )
    transfer_target: str | None = Field(
        None, description="dataset to fine-tune on (default: the study's data)"
    )
    transfer_shots: tuple[int, ...] = Field(
        (1, 5, 20), min_length=1, description="target examples per class (k) to fine-tune on"
    )
    noise: float = Field(0.5, gt=0.0, le=10.0, description="input noise, in feature std units")
    missing: float = Field(0.2, gt=0.0, lt=1.0, description="share of inputs set missing")
    split: SplitStrategy = "auto"
    data: DataConfig = Field(
        default_factory=lambda: DataConfig.model_validate({}), description="options to read data"
    )
    features: FeatureConfig = Field(
        default_factory=lambda: FeatureConfig.model_validate({}),
        description="feature pipeline options (clip length, vocabulary, windows...)",
    )
    tuned: dict[str, dict[str, dict[str, Any]]] = Field(
        default_factory=dict,
        description="tuned settings per network ('mlp:deep': {model: {...}, train: {...}}), "
        "as 'depthlab study --tuned DIR' reads them from 'depthlab tune' folders",
    )
    tune: int | None = Field(
        None,
        ge=0,
        le=1000,
        description="trials of a seeded search per model, classical ones included, before the "
        "study (0, the default: every model at its preset; 4 is a good start; none with tuned "
        "settings given; an explicit value is honoured with quick)",
    )
    tune_budget: float = Field(
        0.25,
        gt=0.0,
        le=1.0,
        description="share of a full-data training run's epochs each tuning trial trains for",
    )

    @model_validator(mode="after")
    def _one_source_of_tuned_settings(self) -> StudyConfig:
        if self.tune and self.tuned:
            raise ValueError(
                "tune searches settings and tuned gives them: use one (--tune N or --tuned DIR)"
            )
        return self

    @field_validator("tuned")
    @classmethod
    def _tuned(
        cls, value: dict[str, dict[str, dict[str, Any]]]
    ) -> dict[str, dict[str, dict[str, Any]]]:
        for model, parts in value.items():
            extra = set(parts) - {"model", "train"}
            if extra:
                raise ValueError(f"tuned '{model}' takes model and train, not {sorted(extra)}")
            TrainConfig.model_validate(parts.get("train", {}))
        return value

    @field_validator("looks")
    @classmethod
    def _looks(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if value[0] < 2 or list(value) != sorted(set(value)):
            raise ValueError("looks must be increasing seed counts, the first at least 2")
        return value

    @field_validator("transfer_shots")
    @classmethod
    def _shots(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if any(k < 1 for k in value) or len(set(value)) != len(value):
            raise ValueError("transfer_shots must be distinct numbers of examples per class >= 1")
        return tuple(sorted(value))

    @field_validator("fractions")
    @classmethod
    def _fractions(cls, value: tuple[float, ...]) -> tuple[float, ...]:
        if any(not 0.0 < f <= 1.0 for f in value):
            raise ValueError("fractions must lie in (0, 1]")
        if len(set(value)) != len(value):
            raise ValueError("fractions must be distinct")
        return tuple(sorted(value))


class TrainSpec(_Strict):
    """One training run's settings: the model (an id, its preset, hyperparameters over the
    preset's), how the data is read, its features and split, how the network trains, and where
    its pretrained weights come from. Only the settings a spec *sets* count: the rest come from
    the family's preset and the feature pipeline's defaults when the run starts (see
    :func:`depthlab.training.spec.resolve`); :meth:`over` lays one spec over another (a flag
    over a config file). A mistake is one :class:`~depthlab.errors.ConfigError` line.

    Example:
        >>> spec = TrainSpec(model="cnn", preset="deep", train={"epochs": 5})
        >>> spec.train.epochs, sorted(spec.train.model_fields_set)
        (5, ['epochs'])
        >>> TrainSpec(train={"seed": 3}).over(spec).train.model_dump(include={"epochs", "seed"})
        {'epochs': 5, 'seed': 3}
    """

    model: str = Field("mlp", description="a network family or a classical baseline")
    preset: str = Field("shallow", description="the family's preset (shallow, deep)")
    options: dict[str, Any] = Field(
        default_factory=dict, description="the model's hyperparameters over the preset's"
    )
    data: DataConfig = Field(
        default_factory=lambda: DataConfig.model_validate({}), description="how data is read"
    )
    features: FeatureConfig = Field(
        default_factory=lambda: FeatureConfig.model_validate({}), description="feature options"
    )
    split: SplitConfig = Field(
        default_factory=lambda: SplitConfig.model_validate({}),
        description="split strategy and seed (default: the training seed)",
    )
    train: TrainConfig = Field(
        default_factory=lambda: TrainConfig.model_validate({}), description="training settings"
    )
    test_group: str | None = Field(None, description="test on this group alone")
    fold: tuple[int, int] | None = Field(None, description="test on fold i of k")
    init_from: Path | None = Field(None, description="pretrained weights: a run or .safetensors")
    freeze: str | int | None = Field(
        None, description="with init_from: all-but-head or a number of layers kept fixed"
    )

    def __init__(self, **values: Any) -> None:
        # A section given as None is not given; its own messages ("unknown option 'epoch'")
        # come before the spec's.
        sections = ("options", "data", "features", "split", "train")
        values = {k: v for k, v in values.items() if v is not None or k not in sections}
        parts: dict[str, type[BaseModel]] = {
            "data": DataConfig,
            "features": FeatureConfig,
            "split": SplitConfig,
            "train": TrainConfig,
        }
        for key, cls in parts.items():
            if isinstance(values.get(key), dict):
                values[key] = parse_config(cls, values[key])
        try:
            super().__init__(**values)
        except ValidationError as exc:
            raise ConfigError(describe_error(type(self), exc)) from None

    def given(self) -> dict[str, Any]:
        """The settings this spec sets, as nested plain values (sections: only what they set)."""
        return _set_values(self)

    def over(self, lower: TrainSpec) -> TrainSpec:
        """This spec's settings over *lower*'s: what this one sets wins, the rest comes from
        *lower* (model options and each section merge key by key)."""
        return TrainSpec(**_layered(lower.given(), self.given()))


def _set_values(model: BaseModel) -> dict[str, Any]:
    values = {name: getattr(model, name) for name in model.model_fields_set}
    return {k: _set_values(v) if isinstance(v, BaseModel) else v for k, v in values.items()}


def _layered(lower: dict[str, Any], upper: dict[str, Any]) -> dict[str, Any]:
    """*upper* over *lower*, mappings merged key by key."""
    out = dict(lower)
    for key, value in upper.items():
        below = out.get(key)
        out[key] = (
            _layered(below, value) if isinstance(value, dict) and isinstance(below, dict) else value
        )
    return out
