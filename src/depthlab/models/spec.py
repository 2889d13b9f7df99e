"""What a model needs to know about its input, inferred from the dataset and its preprocessing."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

InputKind = Literal["vector", "sequence", "image"]


@dataclass(frozen=True)
class InputSpec:
    """Per-example input shape and the output the model must produce.

    ``shape`` is ``(F,)`` for vectors, ``(C, L)`` for sequences and ``(C, H, W)`` for images;
    ``n_outputs`` is the number of classes, or 1 for regression.
    """

    kind: InputKind
    shape: tuple[int, ...]
    n_outputs: int
    task: str

    @property
    def flat_size(self) -> int:
        size = 1
        for dim in self.shape:
            size *= dim
        return size

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "shape": list(self.shape)}

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> InputSpec:
        return cls(
            kind=raw["kind"],
            shape=tuple(int(s) for s in raw["shape"]),
            n_outputs=int(raw["n_outputs"]),
            task=str(raw["task"]),
        )
