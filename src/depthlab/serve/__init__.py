"""Serve a trained network over HTTP (extra ``serve``): FastAPI + uvicorn, ONNX Runtime by
default, PyTorch as a fallback (:func:`create_app`, :class:`Service`)."""

from __future__ import annotations
