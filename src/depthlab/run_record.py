"""A run folder's record, ``run.json``: what was trained on what, and everything prediction
needs, versioned (:data:`RUN_SCHEMA`). Torch-free and at the bottom of the layers, so that
training writes it and evaluate, explain, export and serve read it alike."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from depthlab.config import FeatureConfig, TrainConfig

RUN_SCHEMA = 1
"""The version of ``run.json`` this code writes; folders without one are version 0."""


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RunData(_Record):
    """What a run was trained on: the data's name, where it came from, what it holds."""

    name: str
    source: str | None = Field(None, description="a built-in name or path; None: a Dataset")
    options: dict[str, Any] = Field(default_factory=dict, description="the DataConfig given")
    modality: str
    task: Literal["classification", "regression", "forecasting"]
    class_names: tuple[str, ...] = ()
    feature_names: tuple[str, ...] = ()


class RunSplit(_Record):
    """The split a run trained and tested on, and its fingerprint (changed data shows)."""

    strategy: str
    requested: str = "auto"
    seed: int
    train: int
    val: int
    test: int
    fingerprint: str
    test_group: str | None = None
    fold: tuple[int, int] | None = None


class RunRecord(_Record):
    """A run folder's ``run.json``: what was trained on what, and everything prediction needs.

    Older folders load through :meth:`upgrade` (version 0: before ``schema_version``); the
    file keeps its layout, so readers of plain JSON keep working.

    Example:
        >>> RunRecord.model_validate({"model": {}, "preprocess": {}, "train": {}, "data": {
        ...     "name": "iris", "modality": "tabular", "task": "classification"}, "split": {
        ...     "strategy": "random", "seed": 0, "train": 1, "val": 0, "test": 1,
        ...     "fingerprint": "f"}}).split.requested
        'auto'
    """

    schema_version: int = RUN_SCHEMA
    data: RunData
    split: RunSplit
    features: FeatureConfig = Field(default_factory=lambda: FeatureConfig.model_validate({}))
    model: dict[str, Any] = Field(description="the model's own get_config()")
    preset: str | None = None
    train: TrainConfig
    preprocess: dict[str, Any]
    versions: dict[str, str] = Field(default_factory=dict)
    init_from: dict[str, Any] | None = None
    freeze: str | int | None = None
    distributed: dict[str, Any] | None = None

    @model_validator(mode="before")
    @classmethod
    def upgrade(cls, values: Any) -> Any:
        """Bring an older run.json to this schema (the keys added since default as they were
        read before they existed); a newer one is refused."""
        if not isinstance(values, dict):
            return values
        version = values.get("schema_version", 0)
        if isinstance(version, int) and version > RUN_SCHEMA:
            raise ValueError(
                f"schema_version {version} is newer than this depthlab reads ({RUN_SCHEMA}); "
                "upgrade depthlab"
            )
        return {**values, "schema_version": RUN_SCHEMA}

    @property
    def family(self) -> str:
        return str(self.model["family"])

    @property
    def is_baseline(self) -> bool:
        return self.model.get("kind") == "baseline"

    def dump(self) -> dict[str, Any]:
        """run.json's content: optional entries only when set (so resuming compares alike)."""
        out = self.model_dump(mode="json")
        out["features"] = self.features.model_dump(mode="json", exclude_defaults=True)
        for key in ("test_group", "fold"):
            if out["split"][key] is None:
                del out["split"][key]
        if self.init_from is None:
            del out["init_from"], out["freeze"]
        if self.distributed is None:
            del out["distributed"]
        return out

    def settings(self) -> dict[str, Any]:
        """What must match to resume a run: data, split, features, model and training."""
        dumped = self.dump()
        return {key: dumped[key] for key in ("data", "split", "features", "model", "train")}
