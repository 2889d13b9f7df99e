"""``depthlab explain RUN``: attributions, faithfulness, stability and pictures of a trained run."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from depthlab.cli.data import CACHE_DIR_HELP, DATA_DIR_HELP
from depthlab.cli.options import data_environment


def explain_command(
    run_folder: Path = typer.Argument(..., metavar="RUN", help="A run folder from 'train'."),
    method: str = typer.Option(
        "auto",
        "--method",
        "-m",
        help="integrated-gradients, saliency, occlusion or permutation (auto: integrated "
        "gradients for a network, permutation for a classical model).",
    ),
    samples: int = typer.Option(32, "--samples", "-n", help="Test examples to explain."),
    compare: list[Path] = typer.Option(
        [],
        "--compare",
        help="Runs of the same model and data with other seeds: the attributions' stability "
        "(rank correlation) across them. Repeat for more runs.",
    ),
    out: Path | None = typer.Option(
        None, "--out", "-o", help="Folder for the results (default: RUN/explain/METHOD)."
    ),
    steps: int = typer.Option(
        32, "--steps", min=2, max=1000, help="Integration steps of integrated gradients."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the numbers as JSON."),
    data_dir: Path | None = typer.Option(None, help=DATA_DIR_HELP),
    cache_dir: Path | None = typer.Option(None, help=CACHE_DIR_HELP),
) -> None:
    """Explain a trained run on test examples: which inputs its predictions rest on.

    Writes attributions.npz, a picture fitting the data (feature bars for tables, heat maps
    over sequences, images and spectrograms, highlighted tokens for text), the weights of
    linear and shallow networks, and explanation.json with the faithfulness (random-order
    minus attribution-order area under the deletion curve; above 0 beats chance) and, with
    --compare, the stability across seeds (mean Spearman rank correlation). A classical
    model asked for a gradient method is explained by permutation importance, with a notice.

    Examples:

      depthlab explain runs/mnist1d-cnn-deep --method saliency --samples 64

      depthlab explain runs/iris-mlp-shallow --compare runs/iris-mlp-shallow-2
    """
    from depthlab.explaining.api import explain

    with data_environment(data_dir, cache_dir):
        result = explain(
            run_folder, method=method, samples=samples, compare=compare, out=out, steps=steps
        )
    summary = result.summary()
    if as_json:
        typer.echo(json.dumps(summary))
        return
    faith = result.faithfulness or {}
    typer.echo(
        f"{result.method} on {len(result.indices)} test examples "
        f"({summary['seconds_per_sample'] * 1000:.1f} ms per example)"
    )
    if faith:
        typer.echo(
            f"faithfulness {faith['faithfulness']:+.4f} (deletion-curve area: random order "
            f"{faith['auc_random']:.4f}, attribution order {faith['auc_attribution']:.4f}; "
            f"tracked: {faith['tracked']})"
        )
    if result.stability is not None:
        mean = result.stability["mean"]
        shown = "n/a" if mean is None else f"{mean:.3f}"
        typer.echo(
            f"stability {shown} (mean Spearman rank correlation over "
            f"{len(result.stability['pairs'])} pair(s) of runs)"
        )
    for name, path in result.files.items():
        typer.echo(f"{name}: {path}")
