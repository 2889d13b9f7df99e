"""The record of one study job's result, as ``study.sqlite`` stores it and analysis reads it.

A job returns one :class:`JobResult`: a training run (scores, cost, the extras measured on the
full training set), a transfer row or a thread timing; a failure is a result too, with its
reason. Records carry a schema version (:data:`RESULT_VERSION`). Rows written before records
were versioned have none: they are version 0, whose fields are those of version 1, so they load
as they are. A record written by a newer depthlab (a higher version) is refused with a message.

Example:
    >>> record = JobResult.load({"status": "done", "test": {"accuracy": 0.9}})
    >>> record.version, record.score("test", "accuracy"), record.to_json()["version"]
    (0, 0.9, 0)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from depthlab.errors import DataError

RESULT_VERSION = 1
Status = Literal["done", "failed", "diverged"]


class _Record(BaseModel):
    # Fields a record does not know (a later minor addition) are dropped, not refused.
    model_config = ConfigDict(extra="ignore")


class ProbeLayer(_Record):
    """A linear probe of one layer (0: the input itself; its score None for id inputs)."""

    layer: int
    features: int
    score: float | None = None


class Robustness(_Record):
    """Scores on the test set with input noise and with missing values."""

    noise: dict[str, Any]
    missing: dict[str, Any]
    noise_std: float
    missing_share: float


class Attributions(_Record):
    """Faithfulness of a network's attributions and the attributions stability compares."""

    method: str
    faithfulness: float
    indices: list[int]
    attributions: list[list[float]]


class TransferSource(_Record):
    name: str
    n_train: int
    accuracy: float


class TransferTarget(_Record):
    name: str
    n_test: int
    classes: int


class Shot(_Record):
    """Accuracy on the target's held-out examples after training on k examples per class."""

    k: int
    n_train: int
    finetuned: float
    scratch: float


class Tuning(_Record):
    """One model's search before the study: validation scores of its preset (the first trial)
    and of the best trial, and the settings the study then trains that model with."""

    metric: str  # the study's metric, on the validation part of seed 0's split
    trials: int  # trials asked for
    complete: int
    failed: int
    epochs: int | None = None  # a network trial's epochs (the study's budget x tune_budget)
    preset: float | None = None  # None: the preset's own trial failed
    best: float | None = None  # None: every trial failed
    params: dict[str, Any] = {}  # the best trial's values as searched ({}: the preset won)
    chosen: dict[str, dict[str, Any]] = {}  # {"model": options, "train": settings} it trains with
    cpu_seconds: float | None = None  # CPU time of the whole search (every thread)


class JobResult(_Record):
    """One job's result: the fields of its kind are set, the others are None."""

    version: int = RESULT_VERSION
    status: Status = "done"
    seconds: float | None = None
    error: str | None = None
    # A training run ("fit"): scores on the training and test parts, cost and extras.
    n_train: int | None = None
    train: dict[str, Any] | None = None
    test: dict[str, Any] | None = None
    cost: dict[str, Any] | None = None
    robustness: Robustness | None = None
    probes: list[ProbeLayer] | None = None
    interpret: Attributions | None = None
    mistakes: dict[str, Any] | None = None
    depth: int | None = None
    tuned: bool | None = None
    settings: dict[str, Any] | None = None  # the model options and training settings used
    features: str | None = None
    engineered: bool | None = None
    # A thread-scaling timing ("threads").
    threads: int | None = None
    device: str | None = None
    train_seconds: float | None = None
    examples_per_second: float | None = None
    cpu_count: int | None = None
    # A transfer row ("transfer"); depth is the network's, as for a training run.
    recipe: str | None = None
    description: str | None = None
    source: TransferSource | None = None
    target: TransferTarget | None = None
    shots: list[Shot] | None = None
    # A search of settings ("tune").
    tuning: Tuning | None = None

    @classmethod
    def load(cls, raw: Mapping[str, Any]) -> JobResult:
        """A record from its stored fields (any version up to :data:`RESULT_VERSION`)."""
        version = raw.get("version", 0)
        if not isinstance(version, int) or version > RESULT_VERSION:
            raise DataError(
                f"a study result of schema version {version} was written by a newer depthlab "
                f"(this one reads up to {RESULT_VERSION}); upgrade depthlab to read it"
            )
        try:
            return cls.model_validate({**raw, "version": version})
        except ValidationError as exc:
            error = exc.errors()[0]
            where = ".".join(str(p) for p in error["loc"])
            raise DataError(
                f"a stored study result is malformed at '{where}': {error['msg']}"
            ) from None

    @classmethod
    def new(cls, fields: Mapping[str, Any]) -> JobResult:
        """A record of the current version from a job's fields."""
        return cls.load({**fields, "version": RESULT_VERSION})

    def to_json(self) -> dict[str, Any]:
        """The fields that were set, as plain JSON-able values (what the store keeps)."""
        return {"version": self.version, **self.model_dump(exclude_unset=True, exclude={"version"})}

    @property
    def done(self) -> bool:
        return self.status == "done"

    def score(self, part: Literal["train", "test"], metric: str) -> Any:
        """The *metric* on the training or test part (None where not measured)."""
        scores = self.train if part == "train" else self.test
        return None if scores is None else scores.get(metric)
