"""Prediction from a sidecar and a backend, with no training code: the feature pipeline's
``transform`` (:mod:`depthlab.features`) applied with the sidecar's statistics, the network run
by ONNX Runtime or by PyTorch (weights from safetensors), its outputs turned into answers.

Example:
    >>> backend = OnnxBackend("runs/cnn/export/model.onnx")  # doctest: +SKIP
    >>> Inference(read_sidecar(...), backend).answer(inputs)  # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

import numpy as np

from depthlab.errors import DataError

INPUT_NAME = "inputs"
OUTPUT_NAME = "outputs"


class Backend(Protocol):
    name: str

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """Raw outputs (logits, or scaled values) of a batch of model inputs."""
        ...


class OnnxBackend:
    """An ONNX model run by ONNX Runtime on the CPU (*threads* per call; 1 suits a server with
    one request per core)."""

    name = "onnx"

    def __init__(self, path: str | Path, threads: int = 1) -> None:
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3  # errors only
        try:
            self.session = onnxruntime.InferenceSession(
                str(path), options, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:  # onnxruntime raises its own untyped errors
            raise DataError(f"cannot load ONNX model {path}: {exc}") from None

    def __call__(self, x: np.ndarray) -> np.ndarray:
        (out,) = self.session.run([OUTPUT_NAME], {INPUT_NAME: x})
        return np.asarray(out, dtype=np.float32)


class TorchBackend:
    """The run's network in PyTorch eager mode, weights from safetensors."""

    name = "torch"

    def __init__(self, model: Any) -> None:
        self.model = model.eval()

    @classmethod
    def from_run(cls, folder: str | Path, config: dict[str, Any] | None = None) -> TorchBackend:
        from depthlab.export.bundle import load_network

        return cls(load_network(folder, config))

    def __call__(self, x: np.ndarray) -> np.ndarray:
        import torch

        with torch.inference_mode():
            return np.asarray(self.model(torch.from_numpy(x)).float().numpy())


class Inference:
    """A sidecar's preprocessing around a backend."""

    def __init__(self, sidecar: dict[str, Any], backend: Backend) -> None:
        from depthlab.features.registry import get_features

        self.sidecar = sidecar
        self.backend = backend
        self.pipeline = get_features(sidecar["features"])
        self.task = str(sidecar["task"])
        self.classes = [str(c) for c in sidecar.get("class_names", [])]

    def model_inputs(self, inputs: Any) -> np.ndarray:
        """Raw inputs of the run's modality as the model's input array."""
        return np.ascontiguousarray(self.pipeline.transform(inputs, self.sidecar["stats"]))

    def outputs(self, inputs: Any) -> np.ndarray:
        return self.backend(self.model_inputs(inputs))

    def answer(self, inputs: Any) -> list[dict[str, Any]]:
        """One answer per example: the class and the class probabilities (classification), or
        the value (regression) or values (forecasting) on the target's scale."""
        out = self.outputs(inputs)
        if self.task == "classification":
            shifted = np.exp(out - out.max(axis=1, keepdims=True))
            probs = shifted / shifted.sum(axis=1, keepdims=True)
            return [
                {
                    "prediction": self.classes[int(row.argmax())],
                    "class_index": int(row.argmax()),
                    "probabilities": dict(zip(self.classes, (float(p) for p in row), strict=True)),
                }
                for row in probs
            ]
        stats = self.sidecar["stats"]
        values = out * stats["target_std"] + stats["target_mean"]
        if self.task == "forecasting":
            return [{"prediction": [float(v) for v in row]} for row in values]
        return [{"prediction": float(row[0])} for row in values]
