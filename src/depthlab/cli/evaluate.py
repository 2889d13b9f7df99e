"""``depthlab evaluate`` and ``depthlab predict``: a trained run folder scored and used."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from depthlab.cli.data import CACHE_DIR_HELP, DATA_DIR_HELP
from depthlab.cli.options import data_environment
from depthlab.cli.output import print_metrics
from depthlab.cli.predict_output import say_written, write_csv
from depthlab.evaluate.tasks import primary_metric


def evaluate_command(
    run_folders: list[Path] = typer.Argument(
        ...,
        metavar="RUN...",
        help="A run folder from 'train'; several: their ensemble (averaged predictions).",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the test metrics as JSON."),
    plot: Path | None = typer.Option(
        None,
        "--plot",
        help="Forecasting runs: draw actual against forecast values over the test period to "
        "this PNG, SVG or PDF file.",
    ),
    data_dir: Path | None = typer.Option(None, help=DATA_DIR_HELP),
    cache_dir: Path | None = typer.Option(None, help=CACHE_DIR_HELP),
) -> None:
    """Score a trained run on the test part of its data, split again exactly as in training.

    The data is loaded again from the source recorded in run.json, and the split's fingerprint
    must equal the recorded one: changed data is an error, not a silently different score.
    Several runs are scored as an ensemble: their class probabilities (or values) averaged on
    the test part they share, each member's own score beside it. Train the members on one split
    (the same --split-seed, --test-group or --split official).

    Examples:

      depthlab evaluate runs/cnn

      depthlab evaluate runs/cnn --json

      depthlab evaluate runs/sunspots-rnn --plot forecast.png

      depthlab evaluate runs/cnn-seed0 runs/cnn-seed1 runs/cnn-seed2
    """
    from depthlab.errors import ConfigError
    from depthlab.evaluate.measure import metrics_on
    from depthlab.training.reload import run_data
    from depthlab.training.run import Run

    if len(run_folders) > 1:
        if plot is not None:
            raise ConfigError("--plot draws one run's forecasts; give one RUN")
        evaluate_ensemble(run_folders, as_json, data_dir, cache_dir)
        return
    run_folder = run_folders[0]
    run = Run.load(run_folder)
    if plot is not None and run.task != "forecasting":
        raise ConfigError(f"--plot draws forecasts; {run_folder} does {run.task}")
    ds, split = run_data(
        run,
        data_dir=data_dir,
        cache_dir=cache_dir,
        in_python="score it in Python with depthlab.evaluate.measure.metrics_on",
    )
    metrics = metrics_on(run, ds.subset(split.test))
    if ds.modality == "interactions":  # top-k quality too: HR@10, NDCG@10
        from depthlab.evaluate.ranking import topk_metrics

        metrics.update(topk_metrics(run.predict, ds, split.train, split.test))
    if plot is not None:
        from depthlab.report.forecast import save_forecast_plot

        typer.echo(f"forecast plot: {save_forecast_plot(run, ds, split, plot)}", err=as_json)
    if as_json:
        typer.echo(json.dumps(metrics))
        return
    model = f"{run.record.family} ({run.record.preset or '?'})"
    name = run.record.data.name
    title = f"{run_folder}: {model} on {name}, test part ({len(split.test):,} examples)"
    print_metrics(metrics, run.class_names, title)


def evaluate_ensemble(
    run_folders: list[Path], as_json: bool, data_dir: Path | None, cache_dir: Path | None
) -> None:
    """``depthlab evaluate RUN RUN ...``: the ensemble's test metrics, then each member's."""
    from depthlab.training.ensemble import ensemble_metrics
    from depthlab.training.run import Run

    runs = [Run.load(folder) for folder in run_folders]
    result = ensemble_metrics(runs, data_dir=data_dir, cache_dir=cache_dir)
    if as_json:
        typer.echo(json.dumps(result))
        return
    title = (
        f"ensemble of {len(runs)} runs on {runs[0].record.data.name}, test part "
        f"({result['test_examples']:,} examples)"
    )
    print_metrics(result["test"], runs[0].class_names, title)
    key = primary_metric(runs[0].task)
    typer.echo(f"members' {key}:")
    for member in result["members"]:
        typer.echo(f"  {member[key]:.4f}  {member['run']}")


def predict_command(
    run_folder: Path = typer.Argument(..., metavar="RUN", help="A run folder from 'train'."),
    source: str | None = typer.Argument(
        None,
        metavar="[INPUT]",
        help="A file or folder like the training data, or a built-in name.",
        show_default=False,
    ),
    output: Path | None = typer.Option(
        None, "--output", "-o", help="CSV of the predictions (default: predictions.csv)."
    ),
    user: str | None = typer.Option(
        None, "--user", help="Ratings runs: the user to predict for (with --item or --top-k)."
    ),
    item: str | None = typer.Option(None, "--item", help="Ratings runs: the item to rate."),
    top_k: int | None = typer.Option(
        None, "--top-k", help="Ratings runs: recommend this many items the user has not rated."
    ),
    as_json: bool = typer.Option(
        False, "--json", help="Print the metrics as JSON ({} when INPUT has no labels)."
    ),
    data_dir: Path | None = typer.Option(None, help=DATA_DIR_HELP),
    cache_dir: Path | None = typer.Option(None, help=CACHE_DIR_HELP),
) -> None:
    """Predict every example of INPUT with a trained run and write them to a CSV file.

    One row per example: its id (file name or row number), the prediction (class name, or value
    for regression) and, for classification, one probability column per class (p_CLASS). A
    table may leave out the target column; when INPUT has labels, the metrics are printed too.
    For a forecasting run INPUT is a series: the CSV holds the next horizon values after its end,
    and rolling forecasts over it, scored, when it is long enough.

    Examples:

      depthlab predict runs/houses new_houses.csv --output preds.csv

      depthlab predict runs/photos more_photos/ -o preds.csv

      depthlab predict runs/cnn mnist1d --json

      depthlab predict runs/sales-rnn recent_sales.csv -o next_week.csv

      depthlab predict runs/movielens-mf --user 196 --item 242

      depthlab predict runs/movielens-mf --user 196 --top-k 10
    """
    import numpy as np
    import pandas as pd

    from depthlab.cli.predict_input import read_examples
    from depthlab.errors import ConfigError
    from depthlab.evaluate.metrics import compute_metrics
    from depthlab.training.run import Run

    run = Run.load(run_folder)
    if run.record.data.modality == "interactions" or user or item or top_k is not None:
        from depthlab.cli.recommend import predict_interactions

        with data_environment(data_dir, cache_dir):
            predict_interactions(run, source, user, item, top_k, output, as_json)
        return
    if source is None:
        raise ConfigError("give the INPUT to predict: a file or folder, or a built-in name")
    output = output or Path("predictions.csv")
    if run.task == "forecasting":  # the next values after the end of a series
        from depthlab.cli.forecast import predict_series

        predict_series(run, source, output, as_json, data_dir, cache_dir)
        return
    examples = read_examples(source, run, data_dir, cache_dir)
    ids: list[Any] = list(examples.ids) or list(range(len(examples)))
    metrics: dict[str, Any] = {}
    if run.task == "classification":
        proba = run.predict_proba(examples.inputs)
        predicted = proba.argmax(axis=1)
        table = pd.DataFrame({"id": ids, "prediction": np.asarray(run.class_names)[predicted]})
        for k, name in enumerate(run.class_names):
            table[f"p_{name}"] = proba[:, k]
        if examples.targets is not None:
            metrics = compute_metrics(
                run.task, examples.targets, predicted, proba, class_names=run.class_names
            )
    else:
        values = run.predict(examples.inputs)
        table = pd.DataFrame({"id": ids, "prediction": values})
        if examples.targets is not None:
            metrics = compute_metrics(run.task, examples.targets, values)
    write_csv(table, output)
    if say_written(len(table), "predictions", output, metrics, as_json):
        return
    if metrics:
        print_metrics(metrics, run.class_names, f"{source}: {len(table):,} labelled examples")
