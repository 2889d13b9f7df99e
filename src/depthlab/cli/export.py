"""``depthlab export RUN --format onnx``: a trained network for use outside depthlab."""

from __future__ import annotations

from pathlib import Path

import typer


def export_command(
    run_folder: Path = typer.Argument(..., metavar="RUN", help="A run folder from 'train'."),
    fmt: str = typer.Option("onnx", "--format", help="Export format; only 'onnx' for now."),
    out: Path | None = typer.Option(
        None,
        "--out",
        help="Folder for the exported files (default: RUN/export, where 'depthlab serve' looks).",
    ),
    tolerance: float = typer.Option(
        1e-4,
        "--tolerance",
        min=0.0,
        help="Largest absolute difference allowed between ONNX "
        "Runtime's and PyTorch's outputs on held-out examples.",
    ),
) -> None:
    """Export a trained network to ONNX, check it against PyTorch, and write its model card.

    Writes model.onnx (dynamic batch axis), preprocess.json (the preprocessing the service
    applies: scaling statistics, vocabulary, log-mel settings...), parity.json (the check on the
    run's held-out test examples) and MODEL_CARD.md. Exits with status 2 when the outputs differ
    by more than --tolerance. Classical baselines are not exported (networks only).

    Examples:

      depthlab export runs/cnn --format onnx

      depthlab export runs/cnn --out exported/cnn
    """
    from depthlab.errors import ConfigError
    from depthlab.export import export_onnx

    if fmt != "onnx":
        raise ConfigError(f"unknown export format '{fmt}'; formats: onnx")
    result = export_onnx(run_folder, out, tolerance=tolerance)
    parity = result.parity
    typer.echo(
        f"parity         max |ONNX - PyTorch| = {parity.max_abs_diff:.3g} "
        f"(batch of one {parity.batch_one_max_abs_diff:.3g}; tolerance {parity.tolerance:g}) "
        f"on {parity.inputs}: passed"
    )
    typer.echo(f"same answers   {parity.same_predictions:.1%} of examples")
    typer.echo(
        f"exported to    {result.folder} (model.onnx, preprocess.json, parity.json, MODEL_CARD.md)"
    )
