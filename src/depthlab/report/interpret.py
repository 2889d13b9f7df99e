"""The report's interpretability section: faithfulness and stability of each network's
attributions (from ``summary["interpretability"]``,
:mod:`depthlab.studies.analysis.interpretability`) and the claim's verdict.

Example:
    >>> interpretability({"interpretability": {}}, {})["table"] is None
    True
"""

from __future__ import annotations

from typing import Any

from depthlab.report import fmt as f
from depthlab.report.tables import as_dict, as_list, badge, cell, row, section, table

CLAIM = "Shallow networks are more interpretable"


def interpretability(summary: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    """A table (one row per network: method, faithfulness and stability with 95% CIs) and
    the claim's verdict where it was measured."""
    rows = []
    for model, entry in section(summary, "interpretability").items():
        entry = as_dict(entry)
        cells = [cell(names.get(model, model)), cell(str(entry.get("method") or f.MISSING))]
        for key in ("faithfulness", "stability"):
            part = as_dict(entry.get(key))
            mean = f.number(part.get("mean"))
            lo, hi = f.number(part.get("lo")), f.number(part.get("hi"))
            ci = f"[{lo:+.3f}, {hi:+.3f}]" if lo is not None and hi is not None else ""
            cells.append(cell(f.MISSING if mean is None else f"{mean:+.3f}", mean, ci))
        rows.append(row(cells))
    claim = next(
        (
            c
            for c in as_list(summary.get("claims"))
            if isinstance(c, dict) and c.get("claim") == CLAIM
        ),
        {},
    )
    verdict = str(claim.get("verdict") or "inconclusive")
    return {
        "table": table(
            ["network", "method", "faithfulness (95% CI)", "stability across seeds (95% CI)"],
            rows,
        )
        if rows
        else None,
        "badge": badge(verdict),
        "verdict": verdict,
        "evidence": str(claim.get("evidence") or ""),
    }
