"""Export a trained network for use outside depthlab: ONNX with a preprocessing sidecar, a parity
check against PyTorch and a model card (:func:`export_onnx`)."""

from __future__ import annotations

from depthlab.export.onnx import Exported, Parity, ParityError, export_onnx

__all__ = ["Exported", "Parity", "ParityError", "export_onnx"]
