"""The report's "How sure is this?" section: every model's interval against the best one with
the practical margin (``summary["recommendation"]["comparisons"]``, issue 20), as a forest plot
and a table, and the claims that more seeds could still decide.

Summaries written before the margin rule hold no comparisons: the section is then left out
(None), and the page reads as it did.

Example:
    >>> part = certainty(summary, labels(summary), "accuracy")
    >>> part is None or [h for h in part["table"]["headers"]][:2]
    ['model', 'seeds']
"""

from __future__ import annotations

from typing import Any

from depthlab.report import figures
from depthlab.report import fmt as f
from depthlab.report.tables import as_dict, cell, items, row, section, table

# The report's badges: green for a label a cheaper model may be chosen by, red for worse.
BADGES = {
    "better": "supported",
    "equivalent": "supported",
    "not worse": "supported",
    "worse": "contradicted",
}


def certainty(summary: dict[str, Any], names: dict[str, str], metric: str) -> dict[str, Any] | None:
    """The forest plot, the comparisons table and the undecided claims, or None where the
    summary holds no comparisons (an older study, or a single model)."""
    rec = section(summary, "recommendation")
    comparisons = {m: c for m, c in as_dict(rec.get("comparisons")).items() if isinstance(c, dict)}
    if not comparisons:
        return None
    best = str(rec.get("best") or summary.get("best") or "")
    delta = f.number(rec.get("margin"))
    rows = [_row(summary, model, c, best, names, metric) for model, c in comparisons.items()]
    headers = [
        "model",
        "seeds",
        "minus the best, with its interval",
        "label",
        "win rate",
        "what would decide it",
    ]
    levels = sorted({round(1 - 2 * a, 3) for a in _alphas(comparisons)})
    return {
        "best": names.get(best, best),
        "margin": _margin(delta, metric)
        + (
            " (set for this study)"
            if section(summary, "plan").get("margin") is not None
            else " (the metric's default)"
        ),
        "levels": "-".join(f"{x:.1%}" for x in dict.fromkeys(levels[:1] + levels[-1:])),
        "figure": figures.forest(_points(comparisons, names), delta, metric),
        "table": table(headers, rows),
        "claims": undecided_claims(summary),
    }


def _alphas(comparisons: dict[str, dict[str, Any]]) -> list[float]:
    alphas = [f.number(c.get("alpha")) for c in comparisons.values()]
    return [a for a in alphas if a is not None and 0 < a < 0.5]


def _margin(delta: float | None, metric: str) -> str:
    if delta is None:
        return f.MISSING
    return f"{delta * 100:.1f} points" if f.is_percent(metric) else f"{delta:.3g}"


def _points(comparisons: dict[str, dict[str, Any]], names: dict[str, str]) -> list[dict[str, Any]]:
    return [
        {
            "name": names.get(m, m),
            "diff": c.get("diff"),
            "lo": c.get("lo"),
            "hi": c.get("hi"),
            "label": str(c.get("label") or "undecided"),
        }
        for m, c in comparisons.items()
    ]


def _row(
    summary: dict[str, Any],
    model: str,
    c: dict[str, Any],
    best: str,
    names: dict[str, str],
    metric: str,
) -> dict[str, Any]:
    verdict = str(c.get("label") or "undecided")
    level = f.number(c.get("alpha"))
    interval = f.diff_interval(c.get("lo"), c.get("hi"), metric)
    sub = f"{interval} ({1 - 2 * level:.1%} interval)" if interval and level else interval
    wins = f.number(c.get("win_rate"))
    decide = what_decides(summary, model, best, c) if verdict == "undecided" else "decided"
    return row(
        [
            cell(names.get(model, model)),
            cell(f.count(c.get("n")), c.get("n")),
            cell(f.diff(c.get("diff"), metric), c.get("diff"), sub),
            cell(verdict, badge=BADGES.get(verdict, "inconclusive")),
            cell(f.MISSING if wins is None else f"{wins:.0%}", wins),
            cell(decide, c.get("seeds_to_decide")),
        ],
        mark=model == section(summary, "recommendation").get("model"),
    )


def what_decides(summary: dict[str, Any], model: str, best: str, c: dict[str, Any]) -> str:
    """ "about K more seeds (about M minutes of training)" for an undecided comparison, from
    its projected seeds in all and the two models' mean training time per seed."""
    n, need = f.number(c.get("n")) or 0.0, f.number(c.get("seeds_to_decide"))
    if n < 2:
        return "at least two seeds are needed"
    text = seeds_phrase(n, need)
    if need is None:
        return text
    models = section(summary, "models")
    seconds = [f.number(as_dict(models.get(m)).get("train_seconds")) for m in (model, best)]
    if all(s is not None for s in seconds):
        total = max(round(need - n), 1) * sum(s for s in seconds if s is not None)
        took = f"about {total / 60:.0f} min" if total >= 90 else f"about {total:.0f} s"
        text += f" ({took if total >= 1 else 'under a second'} of training)"
    return text


def seeds_phrase(n: float, need: float | None) -> str:
    """ "about K more seeds" from *n* seeds used and *need* in all (None: seeds alone would
    likely not decide it)."""
    if need is None:
        return "seeds alone unlikely to decide"
    more = max(round(need - n), 1)
    return f"about {more} more seed{'s' if more > 1 else ''}"


def undecided_claims(summary: dict[str, Any]) -> dict[str, Any] | None:
    """The inconclusive claims whose evidence carries the seeds that would decide them."""
    rows = []
    for claim in items(summary, "claims"):
        if not isinstance(claim, dict) or "seeds_to_decide" not in claim:
            continue
        if str(claim.get("verdict")) != "inconclusive":
            continue
        n, need = f.number(claim.get("seeds")) or 0.0, f.number(claim.get("seeds_to_decide"))
        decide = seeds_phrase(n, need)
        rows.append(
            row(
                [
                    cell(claim.get("claim", "")),
                    cell(f.count(claim.get("seeds")), claim.get("seeds")),
                    cell(decide, claim.get("seeds_to_decide")),
                ]
            )
        )
    return table(["claim", "seeds", "what would decide it"], rows) if rows else None
