"""How verdicts and the recommendation write numbers and paired tests.

Example:
    >>> fmt(0.912, "accuracy"), fmt(0.5, "r2"), fmt(None, "r2")
    ('91.2%', '0.500', 'n/a')
"""

from __future__ import annotations

from typing import Any


def fmt(value: float | None, metric: str) -> str:
    if value is None:
        return "n/a"
    return (
        f"{value:.1%}"
        if metric in ("accuracy", "balanced_accuracy", "macro_f1")
        else f"{value:.3f}"
    )


def diff_text(test: dict[str, Any], metric: str) -> str:
    if test.get("diff") is None:
        return "no paired runs"
    points = 100 if metric == "accuracy" else 1
    unit = " points" if metric == "accuracy" else ""
    ci = (
        f" [{test['lo'] * points:+.2f}, {test['hi'] * points:+.2f}]"
        if test.get("lo") is not None
        else ""
    )
    p = f", p = {test['p']:.3f}" if test.get("p") is not None else ""
    return f"{test['diff'] * points:+.2f}{unit}{ci} (paired t-test over {test['n']} seeds{p})"


def seconds_text(test: dict[str, Any]) -> str:
    if test.get("diff") is None:
        return "no paired runs"
    ci = f" [{test['lo']:+.2f}, {test['hi']:+.2f}]" if test.get("lo") is not None else ""
    return f"{test['diff']:+.2f} s{ci} (paired t-test over {test['n']} seeds)"


def number(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def pairs_text(test: dict[str, Any]) -> str:
    """A paired difference over pairs of values (not seeds), with its interval and p."""
    if test.get("diff") is None:
        return "no paired values"
    ci = f" [{test['lo']:+.3f}, {test['hi']:+.3f}]" if test.get("lo") is not None else ""
    p = f", p = {test['p']:.3f}" if test.get("p") is not None else ""
    return f"{test['diff']:+.3f}{ci} over {test['n']}{p}"


def interval_text(test: dict[str, Any], metric: str) -> str:
    """A margin comparison: the mean difference and its interval, with the seeds it pairs."""
    if test.get("diff") is None:
        return "no paired runs"
    points = 100 if metric in ("accuracy", "balanced_accuracy", "macro_f1") else 1
    unit = " points" if points == 100 else ""
    ci = (
        f" [{test['lo'] * points:+.2f}, {test['hi'] * points:+.2f}]"
        if test.get("lo") is not None
        else ""
    )
    level = 1 - 2 * test["alpha"] if test.get("alpha") else None
    what = f"{level:.1%} interval, " if level else ""
    return f"{test['diff'] * points:+.2f}{unit}{ci} ({what}{test['n']} paired seeds)"


def seeds_text(n: int, need: int | None) -> str:
    """What would decide an undecided comparison of *n* seeds that would likely be decided at
    *need* seeds in all (None: no number of seeds would, as far as the projection sees)."""
    if n < 2:
        return "at least two seeds are needed to decide it"
    if need is None:
        return "seeds alone are unlikely to decide it"
    more = max(need - n, 1)
    return f"about {more} more seed{'s' if more > 1 else ''} would likely decide it"


def decision_note(
    result: str, tests: list[dict[str, Any]], metric: str
) -> tuple[str, dict[str, Any]]:
    """The sentence a claim's evidence ends with, from its verdict *result* and the margin tests
    that decided it (:meth:`Judge.compare`, those carrying ``decision``), and the record the
    report shows: ``{"seeds", "seeds_to_decide"}`` for an inconclusive claim that more seeds
    could decide, else ``{}``.

    Supported on effects that all lie within the margin reads "supported, but negligible";
    inconclusive with every test undecided says how many more seeds would likely decide it (the
    fewest over its tests: deciding any one decides the claim)."""
    margin = [t for t in tests if "decision" in t]
    decisions = [t["decision"] for t in margin]
    if result == "supported":
        ups = [t for t in margin if t["decision"] > 0]
        if ups and all(t.get("negligible") for t in ups):
            return (
                "supported, but negligible: the whole interval lies within the margin "
                f"of +/- {_margin(ups[0], metric)}",
                {},
            )
        return "", {}
    if result != "inconclusive" or not margin or any(decisions):
        return "", {}  # decided, or decided both ways: more seeds would not settle it
    n = max(int(t.get("n") or 0) for t in margin)
    needs = [t["seeds_to_decide"] for t in margin if t.get("seeds_to_decide") is not None]
    need = min(needs) if needs else None
    return seeds_text(n, need), {"seeds": n, "seeds_to_decide": need}


def annotate(verdict: dict[str, Any], tests: list[dict[str, Any]], metric: str) -> dict[str, Any]:
    """*verdict* (one claim's record) with :func:`decision_note`'s sentence ending its evidence
    and, where more seeds could decide it, ``seeds`` and ``seeds_to_decide`` (seeds in all)."""
    note, record = decision_note(verdict["verdict"], tests, metric)
    if not note:
        return verdict
    evidence = verdict["evidence"]
    return {**verdict, "evidence": f"{evidence}; {note}" if evidence else note, **record}


def _margin(test: dict[str, Any], metric: str) -> str:
    delta = test.get("margin")
    if delta is None:
        return "n/a"
    if metric in ("accuracy", "balanced_accuracy", "macro_f1"):
        return f"{delta * 100:.1f} points"
    return f"{delta:.3g}"
