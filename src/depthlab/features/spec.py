"""What a model needs to know about its input, inferred from the dataset and its preprocessing."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal, get_args

from depthlab.errors import ConfigError

InputKind = Literal["vector", "sequence", "image", "tokens", "pairs"]


@dataclass(frozen=True)
class InputSpec:
    """Per-example input shape and the output the model must produce.

    ``shape`` is ``(F,)`` for vectors, ``(C, L)`` for sequences and ``(C, H, W)`` for images;
    ``(L,)`` token ids for tokens (0 pads, ``vocab_size`` ids in all) and ``(2,)`` (user, item)
    ids for pairs; ``n_outputs`` is the number of classes, 1 for regression, the horizon for
    forecasting. ``cardinalities`` gives the number of ids of each id column (pairs: users and
    items; tables: the trailing columns of categorical codes that models embed). ``pretrained``
    names the pretrained model whose tokenizer made token ids (a sentence encoder to fine-tune:
    a model reading them starts from its weights); empty for depthlab's own vocabularies.
    """

    kind: InputKind
    shape: tuple[int, ...]
    n_outputs: int
    task: str
    vocab_size: int = 0
    cardinalities: tuple[int, ...] = ()
    pretrained: str = ""

    def __post_init__(self) -> None:
        if self.kind not in get_args(InputKind):
            kinds = ", ".join(get_args(InputKind))
            raise ConfigError(f"unknown input kind '{self.kind}'; kinds: {kinds}")

    @property
    def flat_size(self) -> int:
        size = 1
        for dim in self.shape:
            size *= dim
        return size

    def to_dict(self) -> dict[str, Any]:
        out = {**asdict(self), "shape": list(self.shape), "cardinalities": list(self.cardinalities)}
        if not self.pretrained:  # records of every other input stay as they were
            del out["pretrained"]
        return out

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> InputSpec:
        return cls(
            kind=raw["kind"],
            shape=tuple(int(s) for s in raw["shape"]),
            n_outputs=int(raw["n_outputs"]),
            task=str(raw["task"]),
            vocab_size=int(raw.get("vocab_size", 0)),
            cardinalities=tuple(int(c) for c in raw.get("cardinalities", ())),
            pretrained=str(raw.get("pretrained", "")),
        )
