"""The measurements the claims compare and the roles they compare: the best deep network, the
shallow network and the best classical model."""

from __future__ import annotations

from typing import Any

from depthlab.evaluate.stats import paired
from depthlab.studies.plan.job import is_deep, is_network


class Judge:
    """The measurements and the roles the claims compare: the best deep network, the shallow
    network and the best classical model."""

    def __init__(self, summary: dict[str, Any], alpha: float) -> None:
        self.s = summary
        self.alpha = alpha
        self.metric = summary["metric"]
        models = list(summary["scores"])
        final = {m: summary["scores"][m][-1]["mean"] for m in models}
        self.final = {m: v for m, v in final.items() if v is not None}
        self.deep = self.best([m for m in models if is_deep(m)])
        self.shallow = "mlp:shallow" if "mlp:shallow" in self.final else None
        self.classical = self.best([m for m in models if not is_network(m)])
        self.linear = self.best([m for m in models if m in ("linear", "logistic", "ridge")])

    def best(self, candidates: list[str]) -> str | None:
        scored = [m for m in candidates if m in self.final]
        return max(scored, key=lambda m: self.final[m]) if scored else None

    def values(self, model: str, index: int = -1) -> list[float | None]:
        return list(self.s["scores"][model][index]["values"])

    def compare(self, a: str, b: str, index: int = -1) -> dict[str, Any]:
        return paired(self.values(a, index), self.values(b, index), self.alpha)
