"""``depthlab data list`` and ``depthlab data show``."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import typer

data_app = typer.Typer(
    help="List the built-in datasets, or load, validate and picture one.\n\n"
    "Example: depthlab data show iris",
    no_args_is_help=True,
)

DATA_DIR_HELP = "Mirror folder read before any download (default: $DEPTHLAB_DATA_DIR)."
CACHE_DIR_HELP = "Download cache (default: $DEPTHLAB_CACHE_DIR or ~/.cache/depthlab)."


@data_app.command("list")
def list_command(
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object per dataset."),
) -> None:
    """List the built-in datasets.

    Example: depthlab data list
    """
    from depthlab.data.datasets import list_datasets

    specs = list_datasets()
    if as_json:
        for spec in specs:
            typer.echo(json.dumps({k: v for k, v in vars(spec).items() if k != "loader"}))
        for row in _plant_rows():
            typer.echo(json.dumps(row))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title="built-in datasets")
    for column in ("name", "modality", "task", "size", "classes", "license"):
        # Name and task are what the user types next: never cut them, however narrow the terminal.
        table.add_column(column, no_wrap=column in ("name", "task"))
    for spec in specs:
        classes = "-" if spec.classes is None else str(spec.classes)
        table.add_row(spec.name, spec.modality, spec.task, spec.size, classes, spec.license)
    Console().print(table)
    plants = Table(title="control plants (excitation: the default)")
    for column in ("name", "kind", "inputs", "outputs", "dt", "excitation"):
        # name and excitation are what the user types next (--excitation): never cut them
        plants.add_column(column, no_wrap=column in ("name", "excitation"))
    for row in _plant_rows():
        inputs, outputs = ", ".join(row["inputs"]), ", ".join(row["outputs"])
        plants.add_row(
            row["name"], row["kind"], inputs, outputs, f"{row['dt']:g} s", row["excitation"]
        )
    Console().print(plants)


def _plant_rows() -> list[dict[str, Any]]:
    from depthlab.data.control.plants import list_plants

    return [
        {
            "name": p.name,
            "modality": "control",
            "kind": p.kind,
            "description": p.description,
            "inputs": list(p.input_names),
            "outputs": list(p.output_names),
            "dt": p.dt,
            "excitation": p.excitation,
        }
        for p in list_plants()
    ]


@data_app.command("show")
def show_command(
    source: str = typer.Argument(..., help="A built-in name (see 'data list') or a path."),
    target: str | None = typer.Option(None, "--target", "-t", help="Label column of a table."),
    text_column: str | None = typer.Option(None, help="Text column of a text table."),
    categorical: list[str] | None = typer.Option(
        None, "--categorical", help="A table column to treat as categorical (repeatable)."
    ),
    resize: tuple[int, int] | None = typer.Option(
        None, help="Resize images to HEIGHT WIDTH.", show_default=False
    ),
    grayscale: bool | None = typer.Option(
        None, "--grayscale/--color", help="Images as one channel or RGB (default: auto)."
    ),
    label_pattern: str | None = typer.Option(
        None, help=r"Regex on WAV names with (?P<label>..) and optional (?P<group>..)."
    ),
    sample_rate: int | None = typer.Option(None, help="Resample audio to this rate (Hz)."),
    task: str | None = typer.Option(
        None, help="classification or regression (default: inferred from the target)."
    ),
    config: Path | None = typer.Option(
        None, "--config", "-c", help="YAML file of these data options; flags override it."
    ),
    split: str = typer.Option(
        "auto", "--split", help="Split strategy: auto, random, stratified, grouped, temporal."
    ),
    out: Path | None = typer.Option(None, "--out", "-o", help="PNG picture (default: NAME.png)."),
    seed: int = typer.Option(0, help="Seed of the train/val/test split (of a plant's data)."),
    excitation: str | None = typer.Option(
        None, help="Control plants: multisine, prbs or random-steps (default: the plant's)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
    data_dir: Path | None = typer.Option(None, help=DATA_DIR_HELP),
    cache_dir: Path | None = typer.Option(None, help=CACHE_DIR_HELP),
) -> None:
    """Load and validate a dataset, print a summary and save a picture.

    Examples:

      depthlab data show mnist1d

      depthlab data show fsdd --data-dir ../shared/datasets

      depthlab data show houses.csv --target price --categorical city

      depthlab data show photos/ --resize 32 32 --out photos.png

      depthlab data show survey.parquet --config data.yaml --split random

      depthlab data show pendulum --excitation prbs --seed 1 --out pendulum.png
    """
    from depthlab.config import DataConfig
    from depthlab.config_io import load_yaml
    from depthlab.data.load import load_dataset
    from depthlab.data.preview import save_preview
    from depthlab.data.splits import split_dataset
    from depthlab.data.summary import describe
    from depthlab.errors import ConfigError

    if out is not None and out.suffix.lower() != ".png":
        raise ConfigError(f"--out {out}: the picture is a PNG file; give a name ending in .png")
    if _is_plant_request(source, excitation):
        _show_plant(source, excitation, seed, out, as_json, cache_dir)
        return
    flags = {
        "target": target,
        "text_column": text_column,
        "categorical": tuple(categorical) if categorical else None,
        "resize": resize,
        "grayscale": grayscale,
        "label_pattern": label_pattern,
        "sample_rate": sample_rate,
        "task": task,
    }
    options = {} if config is None else load_yaml(DataConfig, config).model_dump(exclude_unset=True)
    options.update({key: value for key, value in flags.items() if value is not None})
    ds = load_dataset(source, data_dir=data_dir, cache_dir=cache_dir, **options)
    chosen_split = split_dataset(ds, seed=seed, strategy=split)  # type: ignore[arg-type]
    summary = describe(ds, chosen_split)
    target_png = out or Path(f"{_slug(ds.name)}.png")
    try:
        picture = save_preview(ds, target_png, chosen_split)
    except OSError as exc:  # a folder that cannot be made or written is the user's to fix
        raise ConfigError(
            f"cannot write the picture {target_png}: {exc}; choose another --out"
        ) from None
    summary["picture"] = str(picture)
    if as_json:
        typer.echo(json.dumps(summary))
    else:
        _print_summary(summary)


def _is_plant_request(source: str, excitation: str | None) -> bool:
    """A plant's name, or a name meant as one: with --excitation, or close to a plant's name and
    neither a built-in dataset nor a file (its error then suggests the plant)."""
    from depthlab.data.control.plants import is_plant, list_plants
    from depthlab.data.datasets import is_builtin
    from depthlab.errors import closest

    if Path(source).exists():
        return False
    if is_plant(source) or excitation is not None:
        return True
    return not is_builtin(source) and bool(closest(source, [p.name for p in list_plants()]))


def _show_plant(
    name: str,
    excitation: str | None,
    seed: int,
    out: Path | None,
    as_json: bool,
    cache_dir: Path | None,
) -> None:
    from depthlab.data.control.generate import plant_data
    from depthlab.data.control.plants import get_plant
    from depthlab.data.control.preview import describe_plant, save_plant_preview, summary_line
    from depthlab.errors import ConfigError

    get_plant(name)  # an unknown plant's error suggests the closest
    data = plant_data(name, excitation=excitation, seed=seed, cache_dir=cache_dir)
    target_png = out or Path(f"{_slug(name)}.png")
    try:
        picture = save_plant_preview(data, target_png)
    except OSError as exc:
        raise ConfigError(
            f"cannot write the picture {target_png}: {exc}; choose another --out"
        ) from None
    summary = describe_plant(data) | {"picture": str(picture)}
    typer.echo(json.dumps(summary) if as_json else summary_line(summary))


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", Path(name).stem).strip("-") or "dataset"


def _print_summary(summary: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    facts = Table(show_header=False, box=None, title=f"[bold]{summary['name']}[/bold]")
    facts.add_column(style="cyan")
    facts.add_column()
    skip = {"name", "classes", "groups", "info", "split", "picture"}
    for key, value in summary.items():
        if key not in skip and value is not None:
            facts.add_row(key.replace("_", " "), _plain(value))
    if "groups" in summary:
        groups = summary["groups"]
        facts.add_row("groups", f"{len(groups)}: " + _plain(groups))
    if "split" in summary:
        s = summary["split"]
        facts.add_row(
            "split",
            f"{s['strategy']} (seed {s['seed']}): train {s['train']}, val {s['val']}, "
            f"test {s['test']}  [{s['fingerprint']}]",
        )
    for key, value in summary["info"].items():
        if value:
            facts.add_row(key, value)
    facts.add_row("picture", summary["picture"])
    console.print(facts)
    if "classes" in summary:
        _print_balance(console, summary["classes"])


def _print_balance(console: Any, classes: dict[str, int]) -> None:
    from rich.table import Table

    total = sum(classes.values())
    widest = max(classes.values())
    table = Table(title="class balance", box=None)
    for column in ("class", "examples", "share", ""):
        table.add_column(column, justify="right" if column in ("examples", "share") else "left")
    for name, count in classes.items():
        bar = "█" * max(1, round(30 * count / widest)) if count else ""
        table.add_row(name, f"{count:,}", f"{count / total:.1%}", bar)
    console.print(table)


def _plain(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k} {v}" for k, v in value.items())
    if isinstance(value, list):
        joiner = " x " if all(isinstance(v, int) for v in value) else ", "
        return joiner.join(map(str, value))
    return str(value)
