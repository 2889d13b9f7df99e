"""A study job and the model ids every phase of a study shares.

A job's key names what it measures (``mlp:deep/f0.25/s1``), so a store can tell which jobs are
done whatever order they ran in, and running the same command again resumes. A job of a model
the study tuned also carries a fingerprint of the settings its search chose (``tuned``): a stored
result counts as done only for the same job, fingerprint included, so settings that changed are
never served a result trained with others.

Example:
    >>> Job("fit", "mlp:deep", 0.25, 1).key
    'mlp:deep/f0.25/s1'
    >>> label("mlp:deep"), split_id("cnn")
    ('deep MLP', ('cnn', 'deep'))
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

from depthlab.models.baselines import is_baseline

JobKind = Literal["fit", "threads", "transfer", "tune"]

LABELS = {
    "biases": "biases only (mean + user + item)",
    "mf:shallow": "matrix factorisation",
    "ncf:deep": "deep NCF (MLP + dot product)",
    "persistence": "persistence (last value)",
    "arima": "ARIMA",
    "logistic": "logistic regression",
    "ridge": "ridge regression",
    "boosting": "gradient boosting",
    "linear": "linear (no hidden layer)",
    "encoder:deep": "pretrained encoder + MLP head",
    "encoder:shallow": "pretrained encoder + linear head",
    "encoder:shallow+fine-tune": "pretrained encoder fine-tuned end to end + linear head",
}
# The variant of a text study's extra job: the sentence encoder trained end to end on its own
# token ids (``depthlab train --model encoder --preset shallow --fine-tune``), the model
# FINE_TUNED, on the full training set.
FINE_TUNE = "fine-tune"
FINE_TUNED = "encoder:shallow"


@dataclass(frozen=True)
class Job:
    """One independent unit of a study: a training run, a transfer row, a timing of thread
    scaling, or the search of one model's settings that comes before them."""

    kind: JobKind
    model: str
    fraction: float = 1.0
    seed: int = 0
    # "noreg": the deep MLP without dropout and weight decay; "fine-tune": the encoder trained
    # end to end (FINE_TUNE)
    variant: str = ""
    threads: int = 0  # thread-scaling jobs: torch threads to time with
    device: str = "cpu"
    tuned: str = ""  # fingerprint of the settings the study's search chose ("": the preset's)

    @property
    def key(self) -> str:
        if self.kind == "tune":
            return f"tune/{self.model}"
        if self.kind == "threads":
            return f"threads/{self.model}/{self.device}/t{self.threads}/s{self.seed}"
        if self.kind == "transfer":  # pretrain, then fine-tune and scratch for every k
            return f"transfer/{self.model}/s{self.seed}"
        return f"{self.name}/f{self.fraction:g}/s{self.seed}"

    @property
    def name(self) -> str:
        """The model with its variant: ``mlp:deep+noreg``."""
        return f"{self.model}+{self.variant}" if self.variant else self.model

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Job:
        return cls(**raw)


def label(model: str) -> str:
    """A readable name: ``mlp:deep`` -> ``deep MLP``."""
    if model in LABELS:
        return LABELS[model]
    family, _, preset = model.partition(":")
    return f"{preset} {family.upper()}".strip()


def is_network(model: str) -> bool:
    return not is_baseline(model)


def split_id(model: str) -> tuple[str, str]:
    """``(family, preset)`` of a network id; a bare family means its ``deep`` preset."""
    family, _, preset = model.partition(":")
    return family, preset or ("shallow" if family == "linear" else "deep")


def is_deep(model: str) -> bool:
    """A deep network of the ladder (the linear model is never deep)."""
    return is_network(model) and split_id(model)[1] == "deep" and model != "linear"


def deepest(models: tuple[str, ...]) -> str:
    """The deep network the thread-scaling timings use: the CNN if there is one (the most
    compute-bound), else the last deep network of the ladder."""
    deep = [m for m in models if is_network(m) and split_id(m)[1] == "deep"]
    if "cnn:deep" in deep:
        return "cnn:deep"
    return deep[-1] if deep else models[-1]
