"""Classical baselines from scikit-learn behind the same interface as the networks.

``logistic`` (classification) and ``ridge`` (regression) are linear models on the same
preprocessed features the networks see; ``boosting`` is histogram gradient boosting for either
task. A fitted baseline is saved with skops, whose loader only rebuilds an allow-list of types:
like the networks' safetensors, it never unpickles.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from depthlab.errors import ConfigError
from depthlab.models.spec import InputSpec

BASELINES: dict[str, tuple[str, ...]] = {
    "logistic": ("classification",),
    "ridge": ("regression", "forecasting"),
    "boosting": ("classification", "regression", "forecasting"),
}
# The only types skops may rebuild beyond its own defaults (a fitted boosting model's trees).
TRUSTED = ["sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor"]


def is_baseline(name: str) -> bool:
    return name in BASELINES


def _estimator(family: str, task: str, seed: int) -> Any:
    if family == "logistic":
        from sklearn.linear_model import LogisticRegression

        return LogisticRegression(max_iter=2000)
    if family == "ridge":
        from sklearn.linear_model import RidgeCV

        return RidgeCV(alphas=np.logspace(-3, 3, 13))
    if task == "classification":
        from sklearn.ensemble import HistGradientBoostingClassifier

        return HistGradientBoostingClassifier(random_state=seed)
    from sklearn.ensemble import HistGradientBoostingRegressor

    return HistGradientBoostingRegressor(random_state=seed)


class Baseline:
    """A scikit-learn model on flattened, preprocessed inputs.

    Example:
        >>> spec = InputSpec("vector", (4,), n_outputs=3, task="classification")
        >>> Baseline("logistic", spec, seed=0).family
        'logistic'
    """

    def __init__(self, family: str, spec: InputSpec, seed: int = 0) -> None:
        if family not in BASELINES:
            raise ConfigError(f"unknown baseline '{family}'; baselines: {', '.join(BASELINES)}")
        if spec.task not in BASELINES[family]:
            fitting = [name for name, tasks in BASELINES.items() if spec.task in tasks]
            raise ConfigError(
                f"baseline '{family}' does not do {spec.task}; baselines that do: "
                f"{', '.join(fitting)}"
            )
        self.family = family
        self.spec = spec
        self.seed = seed
        self.estimator = _estimator(family, spec.task, seed)

    def fit(self, x: np.ndarray, y: np.ndarray) -> Baseline:
        self.estimator.fit(x.reshape(len(x), -1), y)
        return self

    def outputs(self, x: np.ndarray) -> np.ndarray:
        """Class probabilities ``(N, K)`` (every class, even one absent from training), or
        predictions ``(N, 1)`` for regression."""
        flat = x.reshape(len(x), -1)
        if self.spec.task != "classification":
            return np.asarray(self.estimator.predict(flat), dtype=np.float32)[:, None]
        proba = np.zeros((len(x), self.spec.n_outputs), dtype=np.float32)
        proba[:, self.estimator.classes_] = self.estimator.predict_proba(flat)
        return proba

    def get_config(self) -> dict[str, Any]:
        return {
            "kind": "baseline",
            "family": self.family,
            "input": self.spec.to_dict(),
            "options": {"seed": self.seed},
        }

    def save(self, path: Path) -> None:
        import os

        import skops.io

        partial = path.with_name(f".{path.name}.partial")
        skops.io.dump(self.estimator, partial)
        os.replace(partial, path)

    @classmethod
    def load(cls, path: Path, config: dict[str, Any]) -> Baseline:
        import skops.io

        from depthlab.errors import DataError

        baseline = cls(config["family"], InputSpec.from_dict(config["input"]))
        untrusted = set(skops.io.get_untrusted_types(file=path)) - set(TRUSTED)
        if untrusted:
            raise DataError(f"{path} holds types depthlab does not load: {sorted(untrusted)}")
        baseline.estimator = skops.io.load(path, trusted=TRUSTED)
        return baseline
