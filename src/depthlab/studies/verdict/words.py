"""The words of a verdict, one verdict's record, and how several tests combine into one.

Example:
    >>> combine([1, 0]), combine([1, -1]), sign({"significant": True, "diff": -0.1})
    ('supported', 'inconclusive', -1)
"""

from __future__ import annotations

from typing import Any

Verdict = dict[str, Any]
SUPPORTED, CONTRADICTED, INCONCLUSIVE = "supported", "contradicted", "inconclusive"


def verdict(claim: str, measure: str, result: str, evidence: str, test: str) -> Verdict:
    return {
        "claim": claim,
        "measure": measure,
        "verdict": result,
        "evidence": evidence,
        "test": test,
    }


def sign(test: dict[str, Any]) -> int:
    """+1 for a significantly positive difference, -1 for a negative one, else 0; a test that
    carries a margin's ``decision`` (:meth:`Judge.compare`) gives that instead."""
    if "decision" in test:
        return int(test["decision"])
    return 0 if not test["significant"] else (1 if test["diff"] > 0 else -1)


def combine(signs: list[int]) -> str:
    """One verdict from several tests' signs (+1 for, -1 against, 0 not significant): supported
    when some test is for and none against, contradicted the other way, else inconclusive."""
    if sum(signs) > 0 and -1 not in signs:
        return SUPPORTED
    if sum(signs) < 0 and 1 not in signs:
        return CONTRADICTED
    return INCONCLUSIVE
