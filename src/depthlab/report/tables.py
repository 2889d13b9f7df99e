"""Plain-data tables for the template, and the defensive readers every section uses.

A table is ``{"headers": [...], "rows": [{"cells": [...], "mark": bool}]}`` and a cell is
``{"text", "sort", "sub", "badge"}``: the template renders every table with one macro, and the
page's script sorts a column by ``sort`` (a number) where the text alone would sort wrongly
(``9.5%`` after ``10.1%``).
"""

from __future__ import annotations

from typing import Any

from depthlab.report.fmt import number

Cell = dict[str, Any]
Row = dict[str, Any]
Table = dict[str, Any]

VERDICTS = ("supported", "contradicted", "inconclusive")


def as_dict(value: Any) -> dict[str, Any]:
    """*value* when it is a mapping, else ``{}``."""
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    """*value* when it is a list, else ``[]``."""
    return value if isinstance(value, list) else []


def section(summary: dict[str, Any], key: str) -> dict[str, Any]:
    """``summary[key]`` when it is a mapping, else ``{}`` (missing, null or malformed)."""
    return as_dict(summary.get(key))


def items(summary: dict[str, Any], key: str) -> list[Any]:
    """``summary[key]`` when it is a list, else ``[]``."""
    return as_list(summary.get(key))


def records(value: Any) -> list[dict[str, Any]]:
    """The mappings in *value* when it is a list (a learning curve, a probe's layers), else
    ``[]``; anything else in the list is skipped."""
    return [x for x in as_list(value) if isinstance(x, dict)]


def cell(text: Any, sort: Any = None, sub: str = "", badge: str = "") -> Cell:
    """One table cell: its *text*, a numeric *sort* key, a small second line *sub*, and a
    verdict *badge* class."""
    key = number(sort)
    return {"text": "" if text is None else str(text), "sort": key, "sub": sub, "badge": badge}


def row(cells: list[Cell], mark: bool = False) -> Row:
    """A table row; *mark* highlights it (the recommended model)."""
    return {"cells": cells, "mark": mark}


def table(headers: list[str], rows: list[Row]) -> Table:
    """A table for the template's ``table`` macro."""
    return {"headers": headers, "rows": rows}


def badge(verdict: Any) -> str:
    """The badge class of a claim's verdict; anything unexpected reads as inconclusive (grey)."""
    text = str(verdict).lower()
    return text if text in VERDICTS else "inconclusive"


def labels(summary: dict[str, Any]) -> dict[str, str]:
    """A display name for every model id in the summary, variants included
    (``mlp:deep+noreg`` -> ``deep MLP, no regularisation``)."""
    names: dict[str, str] = {}
    for model, facts in section(summary, "models").items():
        label = facts.get("label") if isinstance(facts, dict) else None
        names[model] = str(label) if label else model
    ids = set(section(summary, "scores")) | set(section(section(summary, "overfitting"), "gaps"))
    ids |= set(section(summary, "probes")) | set(section(summary, "threads"))
    ids |= set(section(summary, "robustness"))
    for model in sorted(ids - set(names)):
        base, _, variant = model.partition("+")
        if base in names and variant == "noreg":
            names[model] = f"{names[base]}, no regularisation"
        elif base in names and variant:
            names[model] = f"{names[base]} ({variant})"
        else:
            names[model] = model
    return names


def final_score(summary: dict[str, Any], model: str) -> dict[str, Any]:
    """The point of *model*'s learning curve at the largest training fraction, or ``{}``."""
    points = records(section(summary, "scores").get(model))
    if not points:
        return {}
    return max(points, key=lambda p: number(p.get("fraction")) or 0.0)
