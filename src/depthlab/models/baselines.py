"""Classical baselines from scikit-learn behind the same interface as the networks.

``logistic`` (classification) and ``ridge`` (regression) are linear models on the same
preprocessed features the networks see. Ridge chooses its alpha on the training data by efficient
leave-one-out; logistic regression takes ``C`` (default 1), or ``C="cv"``: chosen by stratified
5-fold cross-validation on the training part over a grid (:func:`choose_c`), then refitted on
every training example, the validation part unseen as for the networks (what the ``encoder``
features suggest: the head on frozen sentence embeddings). ``boosting`` is
histogram gradient boosting for either task. ``biases`` is recommendation's baseline (global
mean plus user and item biases, :mod:`depthlab.models.biases`) on (user, item) pairs, the only
inputs it takes and the only baseline that takes them. ``persistence`` and ``arima`` forecast
series windows (:mod:`depthlab.models.forecasters`, saved as plain JSON). A fitted baseline is
saved with skops, whose loader only rebuilds an allow-list of types: like the networks'
safetensors, it never unpickles. :func:`make_baseline` builds any of them by name.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal

import numpy as np
from pydantic import Field, ValidationError, field_validator

from depthlab.errors import ConfigError, DataError
from depthlab.features.spec import InputSpec
from depthlab.models.base import FamilyConfig
from depthlab.models.tabular import with_category_codes

BASELINES: dict[str, tuple[str, ...]] = {
    "logistic": ("classification",),
    "ridge": ("regression", "forecasting"),
    "boosting": ("classification", "regression", "forecasting"),
    "biases": ("regression",),
    "persistence": ("forecasting",),
    "arima": ("forecasting",),
}
CHOOSE_C = "cv"  # logistic's option C="cv": chosen by cross-validation when fitted
# Forecasters of series windows, with their own class (depthlab.models.forecasters).
FORECASTERS = ("persistence", "arima")
# Baselines for (user, item) pairs, and the only ones that take them.
PAIR_BASELINES = ("biases",)
# The only types skops may rebuild beyond its own defaults (a fitted boosting model's trees).
TRUSTED = [
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
    "depthlab.models.biases.BiasesOnly",  # numbers only: a mean and a vector of biases
]


class LogisticOptions(FamilyConfig):
    """``C``: scikit-learn's inverse regularisation strength (smaller is stronger), or ``"cv"``:
    chosen by cross-validation on the training data when fitted (:func:`choose_c`)."""

    C: Annotated[float, Field(gt=0.0)] | Literal["cv"] = 1.0

    @field_validator("C", mode="before")
    @classmethod
    def _c(cls, value: Any) -> Any:
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if value != "cv" and not (number and value > 0):
            raise ValueError("C must be a positive number or 'cv'")
        return value


class RidgeOptions(FamilyConfig):
    """``alpha``: the L2 strength; unset, leave-one-out CV chooses it from 1e-3 to 1e3."""

    alpha: float | None = Field(None, gt=0.0)


class BoostingOptions(FamilyConfig):
    """scikit-learn's histogram gradient boosting settings a search varies (its defaults)."""

    learning_rate: float = Field(0.1, gt=0.0, le=1.0)
    max_leaf_nodes: int = Field(31, ge=2)
    l2_regularization: float = Field(0.0, ge=0.0)


class BiasesOptions(FamilyConfig):
    """Pseudo-ratings that shrink user and item biases towards zero (Surprise's defaults)."""

    reg_user: float = Field(15.0, ge=0.0)
    reg_item: float = Field(10.0, ge=0.0)


class ARIMAOptions(FamilyConfig):
    """``--option order=[p,d,q]`` and ``--option trend=n|c|t|ct`` (statsmodels' default: a
    constant without differencing, none with)."""

    order: tuple[int, int, int] = Field((3, 0, 0), description="(p, d, q)")
    trend: Literal["n", "c", "t", "ct"] | None = None


# The options each baseline takes (``persistence`` takes none).
OPTIONS: dict[str, type[FamilyConfig]] = {
    "logistic": LogisticOptions,
    "ridge": RidgeOptions,
    "boosting": BoostingOptions,
    "biases": BiasesOptions,
    "arima": ARIMAOptions,
}


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
    """The baseline *family* for inputs *spec*, with its *options* (ARIMA's order, logistic's C:
    a number, or "cv" to choose it by cross-validation when fitted).

    Example:
        >>> spec = InputSpec("sequence", (1, 24), n_outputs=1, task="forecasting")
        >>> make_baseline("arima", spec, options={"order": [2, 0, 0]}).get_config()["options"]
        {'seed': 0, 'order': [2, 0, 0], 'trend': None}
    """
    return baseline_class(family)(family, spec, seed, options)


def _estimator(family: str, task: str, seed: int, options: dict[str, Any]) -> Any:
    if family == "biases":
        from depthlab.models.biases import BiasesOnly

        return BiasesOnly(**options)
    if family == "logistic":
        from sklearn.linear_model import LogisticRegression

        c = options.get("C", 1.0)
        return LogisticRegression(
            C=1.0 if c == CHOOSE_C else c,  # a chosen C replaces it when fitted
            max_iter=2000,
            warm_start=options.get("warm_start", False),
        )
    if family == "ridge":
        from sklearn.linear_model import Ridge, RidgeCV

        if "alpha" in options:
            return Ridge(alpha=options["alpha"])
        return RidgeCV(alphas=np.logspace(-3, 3, 13))
    if task == "classification":
        from sklearn.ensemble import HistGradientBoostingClassifier

        return HistGradientBoostingClassifier(random_state=seed, **options)
    from sklearn.ensemble import HistGradientBoostingRegressor

    return HistGradientBoostingRegressor(random_state=seed, **options)


# Logistic regression's C, when chosen: the grid (inverse strengths, 1e-4 .. 1e2 by half
# decades: standardised sentence embeddings want 1e-3 .. 1e-2, TF-IDF 1 .. 10), the folds, and
# the most training rows the choice reads (a seeded sample; the refit uses them all).
C_GRID = tuple(float(10.0**k) for k in np.arange(-4.0, 2.01, 0.5))
CV_FOLDS = 5
CV_MAX_ROWS = 10_000
CV_PATIENCE = 3  # grid steps past the best C before the search stops


def choose_c(
    x: np.ndarray, y: np.ndarray, spec: InputSpec, seed: int = 0
) -> dict[str, float | int | None]:
    """Logistic regression's ``C`` with the best mean accuracy over stratified folds of the
    training data (*x* flattened, *y* class indices; ties: the smaller C, the stronger
    regularisation): ``{"C", "cv_accuracy", "folds"}``. Too few examples of a class for two
    folds: scikit-learn's default, C = 1 (``cv_accuracy`` None).

    Example:
        >>> rng = np.random.default_rng(0)
        >>> x = rng.normal(size=(60, 3)); y = (x[:, 0] > 0).astype(int)
        >>> spec = InputSpec("vector", (3,), n_outputs=2, task="classification")
        >>> sorted(choose_c(x, y, spec))
        ['C', 'cv_accuracy', 'folds']
    """
    from sklearn.model_selection import StratifiedKFold

    counts = np.unique(y, return_counts=True)[1]
    folds = min(CV_FOLDS, int(counts.min())) if len(counts) > 1 else 0
    if folds < 2:
        return {"C": 1.0, "cv_accuracy": None, "folds": 0}
    if len(y) > CV_MAX_ROWS:
        from sklearn.model_selection import train_test_split

        keep, _ = train_test_split(
            np.arange(len(y)), train_size=CV_MAX_ROWS, random_state=seed, stratify=y
        )
        x, y = x[keep], y[keep]
    splits = list(StratifiedKFold(folds, shuffle=True, random_state=seed).split(x, y))
    # One model per fold along the grid, each C starting from the last one's weights; the walk
    # stops once accuracy has not risen for a few steps (it rises, then falls with C).
    models = [
        with_category_codes(
            _estimator("logistic", spec.task, seed, {"warm_start": True}), spec, "logistic"
        )
        for _ in splits
    ]
    key = "model__C" if hasattr(models[0], "steps") else "C"
    correct: list[float] = []
    for c in C_GRID:
        right = 0.0
        for model, (fit_rows, held_out) in zip(models, splits, strict=True):
            model.set_params(**{key: c}).fit(x[fit_rows], y[fit_rows])
            right += float((model.predict(x[held_out]) == y[held_out]).sum())
        correct.append(right)
        if len(correct) - 1 - int(np.argmax(correct)) >= CV_PATIENCE:
            break
    best = int(np.argmax(correct))  # the first maximum: the smallest C
    return {"C": C_GRID[best], "cv_accuracy": correct[best] / len(y), "folds": folds}


def check_options(family: str, options: dict[str, Any]) -> dict[str, Any]:
    """*options* of the baseline *family*, checked and typed (only those given are kept: a
    run records what was asked, the estimator's defaults fill the rest).

    Example:
        >>> check_options("logistic", {"C": 3})
        {'C': 3.0}
    """
    schema = OPTIONS.get(family)
    if not options:
        return {}
    if schema is None:
        raise ConfigError(f"the baseline '{family}' takes no model options")
    names = list(schema.model_fields)
    unknown = sorted(set(options) - set(names))
    if unknown:
        plural = "s" if len(names) > 1 else ""
        raise ConfigError(
            f"the baseline '{family}' takes only the option{plural} {', '.join(names)}, not "
            f"{', '.join(unknown)}; e.g. --option {names[0]}=..."
        )
    try:
        checked = schema.model_validate(options)
    except ValidationError as exc:
        error = exc.errors()[0]
        key = str(error["loc"][0])  # not the member of a union that failed
        raise ConfigError(
            f"option {key} of '{family}' is invalid ({options.get(key)!r}): {error['msg']}"
        ) from None
    return checked.model_dump(mode="json", exclude_unset=True)


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
        options = check_options(family, dict(options or {}))
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
        # What fit chose on the training data (logistic's C by cross-validation), for the record.
        self.chosen_: dict[str, Any] = {}

    def fit(self, x: np.ndarray, y: np.ndarray) -> Baseline:
        targets = y[:, 0] if y.ndim == 2 and y.shape[1] == 1 else y
        if targets.ndim == 2 and self.family == "boosting":  # one model per forecast step
            from sklearn.multioutput import MultiOutputRegressor

            self.estimator = MultiOutputRegressor(self.estimator)
        flat = x.reshape(len(x), -1)
        if self.family == "logistic" and self.options.get("C") == CHOOSE_C:
            self.chosen_ = choose_c(flat, targets, self.spec, self.seed)
            options = {"C": self.chosen_["C"]}
            self.estimator = with_category_codes(
                _estimator("logistic", self.spec.task, self.seed, options), self.spec, "logistic"
            )
        self.estimator.fit(flat, targets)
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
