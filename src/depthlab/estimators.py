"""scikit-learn estimators over depthlab's networks: ``DepthClassifier`` and ``DepthRegressor``.

They follow the scikit-learn contract (keyword-only ``__init__`` that only stores parameters,
``fit`` returning ``self``, learned attributes ending in ``_``) and pass its estimator checks, so
they work in ``Pipeline``, ``GridSearchCV`` and ``cross_val_score``.

Inputs are ``(N, F)`` vectors, ``(N, C, L)`` sequences or ``(N, C, H, W)`` images; a 2-D ``X``
given to a family that does not take vectors (``cnn``, ``rnn``) is read as one-channel sequences
``(N, 1, F)``. ``X`` is standardised inside the estimator (per feature, or per channel), and so is
a regression target; the statistics come from the data given to ``fit``.
"""

from __future__ import annotations

import numbers
from typing import Any, ClassVar

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin

from depthlab.config import TrainSpec
from depthlab.errors import ConfigError, DataError
from depthlab.evaluate.forward import forward
from depthlab.features.spec import InputKind, InputSpec
from depthlab.models.base import build_model, get_family
from depthlab.training.fitting import Tensors, fit_model
from depthlab.training.spec import resolve


class _DepthEstimator(BaseEstimator):  # type: ignore[misc]
    """What both estimators share: parameters, input handling, training and forward passes."""

    _task: ClassVar[str]

    def __init__(
        self,
        *,
        model: str = "mlp",
        preset: str = "shallow",
        options: dict[str, Any] | None = None,
        epochs: int = 20,
        batch_size: int = 64,
        lr: float = 1e-2,
        weight_decay: float = 1e-2,
        validation_fraction: float = 0.0,
        patience: int = 0,
        random_state: int | np.random.RandomState | None = None,
        device: str = "cpu",
    ) -> None:
        self.model = model
        self.preset = preset
        self.options = options
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.random_state = random_state
        self.device = device

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        return tags

    # -- input ---------------------------------------------------------------------------------

    def _validate_X(self, X: Any, reset: bool) -> np.ndarray:
        from sklearn.utils.validation import validate_data

        array = validate_data(self, X, reset=reset, dtype=np.float32, allow_nd=True)
        return self._shape_X(array, reset)

    def _shape_X(self, array: np.ndarray, reset: bool) -> np.ndarray:
        """Check the rank, read 2-D inputs as sequences where the family needs it."""
        if array.ndim > 4:
            raise DataError(
                f"X has {array.ndim} dimensions; give (N, F) vectors, (N, C, L) sequences "
                "or (N, C, H, W) images"
            )
        if array.ndim == 2 and "vector" not in get_family(self.model).fits:
            array = array[:, None, :]  # (N, F) -> (N, 1, F)
        if not reset and array.shape[1:] != self.input_spec_.shape:
            raise DataError(
                f"X has shape {array.shape[1:]} per example; this {type(self).__name__} was "
                f"fitted on {self.input_spec_.shape}"
            )
        return array

    def _fit_scaling(self, x: np.ndarray) -> None:
        axes = (0, *range(2, x.ndim))  # every axis but the features / channels
        std = x.std(axis=axes, dtype=np.float64)
        self.x_mean_ = x.mean(axis=axes, dtype=np.float64).astype(np.float32)
        self.x_scale_ = np.where(std > 0, std, 1.0).astype(np.float32)  # constant: leave as is

    def _scale(self, x: np.ndarray) -> np.ndarray:
        view = (1, -1) + (1,) * (x.ndim - 2)
        scaled = (x - self.x_mean_.reshape(view)) / self.x_scale_.reshape(view)
        return np.ascontiguousarray(scaled, dtype=np.float32)

    # -- training ------------------------------------------------------------------------------

    def _seed(self) -> int:
        from sklearn.utils import check_random_state

        if isinstance(self.random_state, numbers.Integral):
            return int(self.random_state)
        return int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))

    def _n_validation(self, n: int) -> int:
        """How many of *n* examples are held out for validation (at least one is left to train)."""
        fraction = self.validation_fraction
        if not 0.0 <= fraction < 1.0:
            raise ConfigError(f"validation_fraction must be in [0, 1), not {fraction}")
        if self.patience and not fraction:
            raise ConfigError("patience (early stopping) needs validation_fraction > 0")
        return min(max(round(fraction * n), 1), n - 1) if fraction else 0

    def _train(self, x: np.ndarray, y: np.ndarray, n_outputs: int) -> None:
        """Build the network for *x* and train it on (x, y); y is already encoded or scaled."""
        import torch

        kinds: dict[int, InputKind] = {2: "vector", 3: "sequence", 4: "image"}
        seed = self._seed()
        self._fit_scaling(x)
        inputs = torch.from_numpy(self._scale(x))
        targets = torch.from_numpy(y)
        n_val = self._n_validation(len(x))
        order = np.random.default_rng(seed).permutation(len(x))
        train, val = torch.from_numpy(order[n_val:]), torch.from_numpy(order[:n_val])
        given = {"epochs": self.epochs, "batch_size": self.batch_size, "lr": self.lr}
        given.update(weight_decay=self.weight_decay, patience=self.patience)
        spec = resolve(
            TrainSpec(
                model=self.model,
                preset=self.preset,
                options=dict(self.options or {}),
                train={**given, "seed": seed, "device": self.device},
            )
        )
        self.input_spec_ = InputSpec(kinds[x.ndim], tuple(x.shape[1:]), n_outputs, self._task)
        # Weights and dropout draw from torch's global generator: seed it, and restore it after.
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            self.model_ = build_model(self.model, self.input_spec_, self.preset, **spec.options)
            data = Tensors(inputs[train], targets[train], inputs[val], targets[val])
            result = fit_model(self.model_, data, spec.train).result
        self.model_.eval()
        self.history_ = result.history
        self.n_iter_ = len(result.history)

    def _outputs(self, X: Any) -> np.ndarray:
        """Raw network outputs ``(N, K)`` for *X*, in evaluation mode."""
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self)
        x = self._scale(self._validate_X(X, reset=False))
        return forward(self.model_, x).numpy().astype(np.float64)


class DepthClassifier(ClassifierMixin, _DepthEstimator):  # type: ignore[misc]
    """A depthlab network as a scikit-learn classifier (cross-entropy on the classes of ``y``).

    Parameters: ``model`` (family: linear, mlp, cnn, rnn) and ``preset`` (shallow, deep), then
    ``options`` (the family's hyperparameters, e.g. ``{"depth": 3, "width": 64}``); training by
    ``epochs``, ``batch_size``, ``lr``, ``weight_decay``; with ``validation_fraction`` > 0 that
    share of ``X`` is held out, the best epoch's weights kept and, with ``patience`` > 0, training
    stops early. ``random_state`` seeds initialisation, batch order and the held-out share.

    Attributes: ``classes_``, ``model_`` (the trained ``torch.nn.Module``), ``input_spec_``,
    ``history_`` (one dict per epoch), ``n_iter_`` (epochs run), ``n_features_in_`` and
    ``feature_names_in_`` (when ``X`` is a DataFrame).

    Example:
        >>> from sklearn.datasets import load_iris
        >>> X, y = load_iris(return_X_y=True)
        >>> clf = DepthClassifier(epochs=30, random_state=0).fit(X, y)
        >>> clf.predict(X[:3]).tolist()
        [0, 0, 0]
    """

    _task = "classification"

    def fit(self, X: Any, y: Any) -> DepthClassifier:
        """Train a fresh network on (X, y) and return ``self``."""
        from sklearn.preprocessing import LabelEncoder
        from sklearn.utils.multiclass import check_classification_targets
        from sklearn.utils.validation import validate_data

        x, y = validate_data(self, X, y, dtype=np.float32, allow_nd=True)
        check_classification_targets(y)
        encoder = LabelEncoder().fit(y)
        self.classes_ = encoder.classes_
        codes = encoder.transform(y).astype(np.int64)
        self._train(self._shape_X(x, reset=True), codes, len(self.classes_))
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities ``(N, n_classes)``, columns in the order of ``classes_``."""
        logits = self._outputs(X)
        logits -= logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        return np.asarray(exp / exp.sum(axis=1, keepdims=True))

    def predict(self, X: Any) -> np.ndarray:
        """The most likely class of each example, as a label from ``classes_``."""
        codes = self._outputs(X).argmax(axis=1)
        return np.asarray(self.classes_[codes])


class DepthRegressor(RegressorMixin, _DepthEstimator):  # type: ignore[misc]
    """A depthlab network as a scikit-learn regressor (mean squared error on a standardised y).

    Parameters and attributes are those of :class:`DepthClassifier`, without ``classes_`` and
    with ``y_mean_`` / ``y_scale_`` (the target's standardisation).

    Example:
        >>> from sklearn.datasets import load_diabetes
        >>> X, y = load_diabetes(return_X_y=True)
        >>> reg = DepthRegressor(epochs=30, random_state=0).fit(X, y)
        >>> reg.predict(X[:2]).shape
        (2,)
    """

    _task = "regression"

    def fit(self, X: Any, y: Any) -> DepthRegressor:
        """Train a fresh network on (X, y) and return ``self``."""
        from sklearn.utils.validation import validate_data

        x, y = validate_data(self, X, y, dtype=np.float32, allow_nd=True, y_numeric=True)
        target = np.asarray(y, dtype=np.float64)
        std = float(target.std())
        self.y_mean_ = float(target.mean())
        self.y_scale_ = std if std > 0 else 1.0
        scaled = ((target - self.y_mean_) / self.y_scale_).astype(np.float32)
        self._train(self._shape_X(x, reset=True), scaled, 1)
        return self

    def predict(self, X: Any) -> np.ndarray:
        """Predicted values on the scale of ``y``, ``(N,)``."""
        return np.asarray(self._outputs(X)[:, 0] * self.y_scale_ + self.y_mean_)
