"""``depthlab serve RUN``: the run's network over HTTP (FastAPI + uvicorn)."""

from __future__ import annotations

from pathlib import Path

import typer


def serve_command(
    run_folder: Path = typer.Argument(..., metavar="RUN", help="A run folder from 'train'."),
    host: str = typer.Option(
        "127.0.0.1",
        "--host",
        help="Address to bind; 127.0.0.1 (this machine only) unless you "
        "mean to expose it (then use --token-file and TLS in front).",
    ),
    port: int = typer.Option(8000, "--port", min=0, max=65535, help="TCP port."),
    token_file: Path | None = typer.Option(
        None,
        "--token-file",
        help="File holding a bearer token that /v1/* requests must send "
        "(Authorization: Bearer TOKEN).",
    ),
    workers: int = typer.Option(1, "--workers", min=1, help="Server processes."),
    backend: str = typer.Option(
        "onnx",
        "--backend",
        help="onnx (ONNX Runtime; needs 'depthlab export RUN' first) or "
        "torch (PyTorch from model.safetensors).",
    ),
    threads: int = typer.Option(1, "--threads", min=1, help="Threads per prediction."),
    max_batch: int = typer.Option(256, "--max-batch", min=1, help="Examples per request."),
    max_body: int = typer.Option(
        4 * 1024 * 1024, "--max-body", min=1024, help="Bytes per request body."
    ),
    access_log: bool = typer.Option(False, "--access-log", help="Log every request."),
) -> None:
    """Serve a trained network: POST /v1/predict, GET /v1/metadata, /health, /metrics.

    Requests are {"inputs": [...]}, one item per example (see GET /v1/metadata and
    docs/serve.md). Models load only from ONNX or safetensors files. SIGTERM or Ctrl-C stops
    taking connections and finishes the requests in flight.

    Examples:

      depthlab export runs/cnn && depthlab serve runs/cnn

      depthlab serve runs/cnn --backend torch --port 8080 --token-file token.txt

      curl -s localhost:8000/v1/predict -H 'Content-Type: application/json'
      -d '{"inputs": [[0.1, 0.2, ...]]}'
    """
    import json
    import os

    from depthlab.errors import ConfigError, require

    require("fastapi", "serve")
    require("uvicorn", "serve")
    import uvicorn

    from depthlab.serve.app import CONFIG_ENV, create_app, read_token
    from depthlab.serve.service import Limits, Service

    if backend not in ("onnx", "torch"):
        raise ConfigError(f"unknown backend '{backend}'; backends: onnx, torch")
    limits = Limits(max_batch=max_batch, max_body_bytes=max_body)
    token = read_token(token_file) if token_file is not None else None
    service = Service.load(run_folder, backend, threads)  # type: ignore[arg-type]  # errors now, not in a worker
    options = {
        "host": host,
        "port": port,
        "access_log": access_log,
        "log_level": "info",
        "timeout_graceful_shutdown": 30,
        "server_header": False,
    }
    if workers == 1:
        uvicorn.run(create_app(service, token, limits), **options)  # type: ignore[arg-type]
        return
    os.environ[CONFIG_ENV] = json.dumps(
        {
            "run": str(run_folder.resolve()),
            "backend": backend,
            "threads": threads,
            "token_file": str(token_file.resolve()) if token_file else None,
            "limits": {"max_batch": max_batch, "max_body_bytes": max_body},
        }
    )
    uvicorn.run(
        "depthlab.serve.app:app_from_environment",
        factory=True,
        workers=workers,
        **options,  # type: ignore[arg-type]
    )
