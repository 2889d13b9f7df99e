"""Classical baselines from scikit-learn behind the same interface as the networks.

``logistic`` (classification) and ``ridge`` (regression) are linear models on the same
preprocessed features the networks see; ``boosting`` is histogram gradient boosting for either
task. ``biases`` is recommendation's baseline (global mean plus user and item biases,
:mod:`depthlab.models.biases`) on (user, item) pairs, the only inputs it takes and the only
baseline that takes them. ``persistence`` and ``arima`` forecast series windows
(:mod:`depthlab.models.forecasters`, saved as plain JSON). A fitted baseline is saved with skops,
whose loader only rebuilds an allow-list of types: like the networks' safetensors, it never
unpickles. :func:`make_baseline` builds any of them by name.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from depthlab.errors import ConfigError, DataError
from depthlab.features.spec import InputSpec
from depthlab.models.tabular import with_category_codes

BASELINES: dict[str, tuple[str, ...]] = {
    "logistic": ("classification",),
    "ridge": ("regression", "forecasting"),
    "boosting": ("classification", "regression", "forecasting"),
    "biases": ("regression",),
    "persistence": ("forecasting",),
    "arima": ("forecasting",),
}
# Forecasters of series windows, with their own class (depthlab.models.forecasters).
FORECASTERS = ("persistence", "arima")
# Baselines for (user, item) pairs, and the only ones that take them.
PAIR_BASELINES = ("biases",)
# The only types skops may rebuild beyond its own defaults (a fitted boosting model's trees).
TRUSTED = [
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
    "depthlab.models.biases.BiasesOnly",  # numbers only: a mean and a vector of biases
]


def is_baseline(name: str) -> bool:
    return name in BASELINES


def baseline_class(family: str) -> type[Baseline]:
    """The class that implements the baseline *family*."""
    if family in FORECASTERS:
        from depthlab.models.forecasters import Forecaster

        return Forecaster
    return Baseline


def make_baseline(
    family: str, spec: InputSpec, seed: int = 0, options: dict[str, Any] | None = None
) -> Baseline:
    """The baseline *family* for inputs *spec*, with its *options* (ARIMA's order, logistic's C).

    Example:
        >>> spec = InputSpec("sequence", (1, 24), n_outputs=1, task="forecasting")
        >>> make_baseline("arima", spec, options={"order": [2, 0, 0]}).get_config()["options"]
        {'seed': 0, 'order': [2, 0, 0], 'trend': None}
    """
    return baseline_class(family)(family, spec, seed, options)


def _estimator(family: str, task: str, seed: int, options: dict[str, Any]) -> Any:
    if family == "biases":
        from depthlab.models.biases import BiasesOnly

        return BiasesOnly()
    if family == "logistic":
        from sklearn.linear_model import LogisticRegression

        return LogisticRegression(C=options.get("C", 1.0), max_iter=2000)
    if family == "ridge":
        from sklearn.linear_model import RidgeCV

        return RidgeCV(alphas=np.logspace(-3, 3, 13))
    if task == "classification":
        from sklearn.ensemble import HistGradientBoostingClassifier

        return HistGradientBoostingClassifier(random_state=seed)
    from sklearn.ensemble import HistGradientBoostingRegressor

    return HistGradientBoostingRegressor(random_state=seed)


def _check_options(family: str, options: dict[str, Any]) -> None:
    """Only logistic regression takes an option: ``C``, the inverse regularisation strength
    (scikit-learn's, default 1.0; smaller is stronger), which text wants tuned on validation."""
    if not options:
        return
    if family != "logistic":
        raise ConfigError(f"the baseline '{family}' takes no model options")
    unknown = sorted(set(options) - {"C"})
    if unknown:
        raise ConfigError(
            f"the baseline 'logistic' takes only the option C, not {', '.join(unknown)}; "
            "e.g. --option C=3"
        )
    value = options["C"]
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise ConfigError(f"option C of 'logistic' must be a positive number, not {value!r}")
    options["C"] = float(value)


class Baseline:
    """A scikit-learn model on flattened, preprocessed inputs.

    Example:
        >>> spec = InputSpec("vector", (4,), n_outputs=3, task="classification")
        >>> Baseline("logistic", spec, seed=0).family
        'logistic'
    """

    file_name: ClassVar[str] = "model.skops"  # in a run folder

    def __init__(
        self, family: str, spec: InputSpec, seed: int = 0, options: dict[str, Any] | None = None
    ) -> None:
        if family not in BASELINES:
            raise ConfigError(f"unknown baseline '{family}'; baselines: {', '.join(BASELINES)}")
        options = dict(options or {})
        _check_options(family, options)
        pairs = spec.kind == "pairs"
        if pairs != (family in PAIR_BASELINES):
            raise ConfigError(
                f"baseline '{family}' does not take {spec.kind} inputs; "
                + (
                    f"for (user, item) pairs use {', '.join(PAIR_BASELINES)}"
                    if pairs
                    else "it is for (user, item) pairs of interaction data only"
                )
            )
        if spec.task not in BASELINES[family]:
            fitting = [
                name
                for name, tasks in BASELINES.items()
                if spec.task in tasks and (name in PAIR_BASELINES) == pairs
            ]
            raise ConfigError(
                f"baseline '{family}' does not do {spec.task}; baselines that do: "
                f"{', '.join(fitting)}"
            )
        self.family = family
        self.spec = spec
        self.seed = seed
        self.options = options
        self.estimator = with_category_codes(
            _estimator(family, spec.task, seed, options), spec, family
        )

    def fit(self, x: np.ndarray, y: np.ndarray) -> Baseline:
        targets = y[:, 0] if y.ndim == 2 and y.shape[1] == 1 else y
        if targets.ndim == 2 and self.family == "boosting":  # one model per forecast step
            from sklearn.multioutput import MultiOutputRegressor

            self.estimator = MultiOutputRegressor(self.estimator)
        self.estimator.fit(x.reshape(len(x), -1), targets)
        return self

    def outputs(self, x: np.ndarray) -> np.ndarray:
        """Class probabilities ``(N, K)`` (every class, even one absent from training), or
        predictions ``(N, 1)`` for regression, ``(N, horizon)`` for forecasting."""
        flat = x.reshape(len(x), -1)
        if self.spec.task != "classification":
            return np.asarray(self.estimator.predict(flat), dtype=np.float32).reshape(len(x), -1)
        proba = np.zeros((len(x), self.spec.n_outputs), dtype=np.float32)
        proba[:, self.estimator.classes_] = self.estimator.predict_proba(flat)
        return proba

    def get_config(self) -> dict[str, Any]:
        return {
            "kind": "baseline",
            "family": self.family,
            "input": self.spec.to_dict(),
            "options": {"seed": self.seed, **self.options},
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

        options = {k: v for k, v in config.get("options", {}).items() if k != "seed"}
        baseline = cls(config["family"], InputSpec.from_dict(config["input"]), options=options)
        untrusted = set(skops.io.get_untrusted_types(file=path)) - set(TRUSTED)
        if untrusted:
            raise DataError(f"{path} holds types depthlab does not load: {sorted(untrusted)}")
        baseline.estimator = skops.io.load(path, trusted=TRUSTED)
        return baseline
