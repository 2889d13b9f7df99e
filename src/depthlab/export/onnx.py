"""``depthlab export RUN --format onnx``: the network as ONNX with a dynamic batch axis, its
preprocessing as a JSON sidecar, a parity check against PyTorch and a model card.

The exporter is PyTorch's TorchScript-based one (``dynamo=False``): the torch.export-based one
needs ``onnxscript``, which depthlab does not depend on. Preprocessing stays outside the graph
(tokenising text, log-mel spectrograms, one-hot table columns are NumPy / librosa code): the
sidecar ``preprocess.json`` holds the feature pipeline's name and fitted statistics, which the
service applies with the same :mod:`depthlab.features` transform as training did.

The parity check runs both backends on the run's held-out (test) examples, preprocessed alike, as
one batch and on its first example alone, and fails when the outputs differ by more than the
tolerance; its result is written to ``parity.json`` either way.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from depthlab.config import FeatureConfig
from depthlab.config_io import parse_config
from depthlab.data.load import load_dataset
from depthlab.data.splits import recorded_split
from depthlab.errors import DepthlabError, require
from depthlab.export.bundle import (
    SIDECAR,
    check_network,
    load_network,
    read_metrics,
    read_run,
    sidecar,
)
from depthlab.export.card import model_card
from depthlab.export.inference import INPUT_NAME, OUTPUT_NAME, Inference, OnnxBackend, TorchBackend
from depthlab.features.registry import get_features
from depthlab.features.spec import InputSpec

log = logging.getLogger(__name__)

MODEL_FILE = "model.onnx"
PARITY_FILE = "parity.json"
CARD_FILE = "MODEL_CARD.md"
EXPORT_DIR = "export"  # inside the run folder, where `depthlab serve` looks
TOLERANCE = 1e-4
OPSET = 17
PARITY_EXAMPLES = 256


class ParityError(DepthlabError):
    """The exported model's outputs differ from PyTorch's by more than the tolerance."""


@dataclass(frozen=True)
class Parity:
    max_abs_diff: float
    tolerance: float
    examples: int
    inputs: str  # "held-out test examples" or "synthetic inputs (...)"
    same_predictions: float  # share of examples whose argmax (or value) agrees
    batch_one_max_abs_diff: float

    @property
    def passed(self) -> bool:
        return self.max_abs_diff <= self.tolerance and self.batch_one_max_abs_diff <= self.tolerance

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "passed": self.passed}


@dataclass(frozen=True)
class Exported:
    folder: Path
    model: Path
    parity: Parity


def export_onnx(
    run: str | Path,
    out: str | Path | None = None,
    *,
    tolerance: float = TOLERANCE,
    examples: int = PARITY_EXAMPLES,
) -> Exported:
    """Export the network of the run folder *run* to ``out`` (default ``RUN/export``):
    ``model.onnx``, ``preprocess.json``, ``parity.json`` and ``MODEL_CARD.md``.

    Raises :class:`ParityError` (after writing ``parity.json``) when ONNX Runtime's outputs differ
    from PyTorch's by more than *tolerance* on the held-out examples.

    Example:
        >>> export_onnx("runs/cnn").parity.max_abs_diff  # doctest: +SKIP
        3.5e-07
    """
    import torch

    require("onnx", "serve")
    require("onnxruntime", "serve")
    import onnx

    folder = Path(run)
    config = read_run(folder)
    check_network(config)
    target = Path(out) if out is not None else folder / EXPORT_DIR
    target.mkdir(parents=True, exist_ok=True)
    model = load_network(folder, config)
    side = sidecar(config)
    inference = Inference(side, TorchBackend(model))
    raw, source = held_out_inputs(config, examples)
    x = inference.model_inputs(raw) if raw is not None else synthetic_inputs(config, examples)
    if raw is None:
        source = f"synthetic inputs ({source})"

    partial = target / f".{MODEL_FILE}.partial"
    with warnings.catch_warnings():
        # The TorchScript exporter is deprecated in favour of the dynamo one (needs onnxscript),
        # and traces with warnings about Python values it fixes as constants.
        warnings.simplefilter("ignore")
        torch.onnx.export(
            model,
            (torch.from_numpy(x[:2]),),
            str(partial),
            dynamo=False,
            input_names=[INPUT_NAME],
            output_names=[OUTPUT_NAME],
            dynamic_axes={INPUT_NAME: {0: "batch"}, OUTPUT_NAME: {0: "batch"}},
            opset_version=OPSET,
        )
    onnx.checker.check_model(str(partial))
    partial.replace(target / MODEL_FILE)

    parity = check_parity(model, OnnxBackend(target / MODEL_FILE), x, tolerance, source)
    _write_json(target / PARITY_FILE, parity.to_dict())
    _write_json(target / SIDECAR, side)
    (target / CARD_FILE).write_text(
        model_card(config, read_metrics(folder), parity.to_dict()), encoding="utf-8"
    )
    if not parity.passed:
        raise ParityError(
            f"ONNX outputs differ from PyTorch's by {parity.max_abs_diff:.3g} "
            f"(batch of one: {parity.batch_one_max_abs_diff:.3g}) > tolerance {tolerance:g}; "
            f"see {target / PARITY_FILE}; do not serve this export"
        )
    return Exported(target, target / MODEL_FILE, parity)


def check_parity(
    model: Any, onnx_backend: OnnxBackend, x: np.ndarray, tolerance: float, source: str
) -> Parity:
    """Both backends' outputs on *x*, as one batch and on its first example alone."""
    import torch

    with torch.inference_mode():
        expected = model(torch.from_numpy(x)).float().numpy()
        expected_one = model(torch.from_numpy(x[:1])).float().numpy()
    got = onnx_backend(x)
    got_one = onnx_backend(x[:1])
    diff = float(np.max(np.abs(got - expected))) if got.size else 0.0
    diff_one = float(np.max(np.abs(got_one - expected_one)))
    if expected.shape[1] > 1 and model.spec.task == "classification":
        same = float(np.mean(got.argmax(axis=1) == expected.argmax(axis=1)))
    else:
        same = float(np.mean(np.all(np.abs(got - expected) <= tolerance, axis=1)))
    return Parity(diff, tolerance, len(x), source, same, diff_one)


def held_out_inputs(config: dict[str, Any], limit: int) -> tuple[Any, str]:
    """Raw inputs of (up to *limit*) test examples of the run's split, or ``None`` and why not
    (the data was given as an in-memory Dataset, or cannot be read here)."""

    data, split = config["data"], config["split"]
    if not data.get("source"):
        return None, "the run was trained on an in-memory dataset"
    try:
        ds = load_dataset(data["source"], **data.get("options", {}))
        options = parse_config(FeatureConfig, dict(config.get("features", {})))
        ds = get_features(sidecar(config)["features"]).examples(ds, options)
        parts = recorded_split(ds, split)
    except DepthlabError as exc:
        log.warning("parity check on synthetic inputs: cannot read the run's data: %s", exc)
        return None, f"the run's data cannot be read here: {exc}"
    if parts.fingerprint() != split.get("fingerprint"):
        log.warning("the run's data has changed since training; checking parity on it anyway")
    test = parts.test[:limit]
    return ds.subset(test).inputs, f"{len(test)} held-out test examples of {data['name']}"


def synthetic_inputs(config: dict[str, Any], n: int) -> np.ndarray:
    """Random model inputs of the run's input spec (ids within range for ids)."""

    spec = InputSpec.from_dict(config["model"]["input"])
    rng = np.random.default_rng(0)
    if spec.kind == "tokens":
        return rng.integers(0, max(spec.vocab_size, 1), size=(n, *spec.shape), dtype=np.int64)
    if spec.kind == "pairs":
        columns = [rng.integers(0, c, size=n) for c in spec.cardinalities]
        return np.stack(columns, axis=1).astype(np.int64)
    x = rng.standard_normal((n, *spec.shape)).astype(np.float32)
    if spec.cardinalities:  # the last columns of a table are ids of embedded columns
        k = len(spec.cardinalities)
        for j, c in enumerate(spec.cardinalities):
            x[:, spec.shape[0] - k + j] = rng.integers(0, c, size=n)
    return x


def _write_json(path: Path, value: Any) -> None:
    import json
    import os

    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(json.dumps(value, indent=2) + "\n", encoding="utf-8")
    os.replace(partial, path)
