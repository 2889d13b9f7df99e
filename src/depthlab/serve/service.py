"""What a server process serves: a run's network behind ONNX Runtime (default, from the files of
``depthlab export``) or PyTorch (weights from safetensors), with the sidecar's preprocessing.

Models are loaded only from ONNX or safetensors files, never from pickles or skops files. The ONNX
backend needs ``depthlab export RUN`` first (the export checks parity with PyTorch, which a
server starting up should not have to do); ``--backend torch`` serves straight from the run.

Example:
    >>> service = Service.load("runs/cnn")  # doctest: +SKIP
    >>> service.predict([[0.1] * 40])[0]["prediction"]  # doctest: +SKIP
"""

from __future__ import annotations

import platform
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from depthlab._version import __version__
from depthlab.errors import ConfigError
from depthlab.export.bundle import (
    SIDECAR,
    check_network,
    read_metrics,
    read_run,
    read_sidecar,
    sidecar,
)
from depthlab.export.inference import Inference, OnnxBackend, TorchBackend
from depthlab.serve.inputs import decode, form_of

BackendName = Literal["onnx", "torch"]
EXPORT_DIR = "export"
MODEL_FILE = "model.onnx"


@dataclass
class Limits:
    """Request limits: examples per request and bytes per request body."""

    max_batch: int = 256
    max_body_bytes: int = 4 * 1024 * 1024


@dataclass
class Service:
    run: Path
    config: dict[str, Any]
    inference: Inference
    metrics: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def load(cls, run: str | Path, backend: BackendName = "onnx", threads: int = 1) -> Service:
        folder = Path(run)
        config = read_run(folder)
        check_network(config)
        if backend == "onnx":
            model = folder / EXPORT_DIR / MODEL_FILE
            if not model.is_file():
                raise ConfigError(
                    f"{folder} has no ONNX export ({EXPORT_DIR}/{MODEL_FILE}); run "
                    f"`depthlab export {folder}` first, or serve with --backend torch"
                )
            side = read_sidecar(folder / EXPORT_DIR / SIDECAR)
            inference = Inference(side, OnnxBackend(model, threads))
        elif backend == "torch":
            import torch

            torch.set_num_threads(threads)
            inference = Inference(sidecar(config), TorchBackend.from_run(folder, config))
        else:
            raise ConfigError(f"unknown backend '{backend}'; backends: onnx, torch")
        return cls(folder, config, inference, read_metrics(folder))

    @property
    def sidecar(self) -> dict[str, Any]:
        return self.inference.sidecar

    def predict(self, items: list[Any]) -> list[dict[str, Any]]:
        """Answers for request items (:mod:`depthlab.serve.inputs` forms); raises
        :class:`~depthlab.errors.DataError` for items that are not examples of the run."""
        return self.inference.answer(decode(items, self.sidecar))

    def metadata(self, limits: Limits) -> dict[str, Any]:
        side, config = self.sidecar, self.config
        stats = side["stats"]
        schema: dict[str, Any] = {
            "modality": side["modality"],
            "form": form_of(side["modality"]),
            "model_input": side["input"],
        }
        if side["modality"] == "tabular":
            schema["columns"] = list(stats["columns"])
            schema["categories"] = dict(stats.get("categorical", {}))
        if "sample_rate" in stats:
            schema["sample_rate"] = stats["sample_rate"]
        if "shape" in stats:
            schema["shape"] = list(stats["shape"])
        headline = {
            part: {k: v for k, v in values.items() if isinstance(v, int | float)}
            for part, values in self.metrics.items()
            if part in ("train", "val", "test") and isinstance(values, dict)
        }
        return {
            "model": {
                "family": config["model"]["family"],
                "preset": config.get("preset"),
                "data": config["data"]["name"],
                "task": side["task"],
                "features": side["features"],
                "backend": self.inference.backend.name,
            },
            "input": schema,
            "classes": list(side.get("class_names", [])),
            "metrics": headline,
            "limits": {"max_batch": limits.max_batch, "max_body_bytes": limits.max_body_bytes},
            "versions": _versions(config),
        }


def _versions(config: dict[str, Any]) -> dict[str, Any]:
    from importlib.metadata import PackageNotFoundError, version

    found = {"depthlab": __version__, "python": platform.python_version()}
    for package in ("onnxruntime", "torch", "numpy", "fastapi"):
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            continue
    return {"serving": found, "training": config.get("versions", {})}
