"""Forecasting baselines on series windows: ``persistence`` and ``arima``.

Both read what the ``windows`` feature pipeline gives every model: standardised windows
``(N, F, lookback)`` whose channel 0 is the target's past, on the very scale of the (standardised)
targets, and both forecast ``horizon`` values on that scale, which the preprocessor maps back as it
does a network's outputs. Covariates (channels 1..) are ignored: these are univariate models.

``persistence``: the last observed value, repeated for every step ahead (the naive forecast whose
in-sample error is MASE's unit).

``arima``: statsmodels' ARIMA, ``order`` (3, 0, 0) by default as in statsmodels' sunspots example,
fitted by maximum likelihood on the training series (stitched back together from the training
windows; windows that do not follow each other are joined by a run of missing values, which the
Kalman filter steps over), then forecasting each window from its own ``lookback`` values with the
fitted parameters. With fixed parameters the Kalman filter is linear in the observations, so a
forecast from ``lookback`` values is an affine map of them: the forecaster asks statsmodels for
that ``(horizon, lookback)`` matrix and offset once (``lookback + 1`` filter runs) and then
forecasts any number of windows with one matrix product (tests compare it with statsmodels' own
forecasts).

A fitted forecaster is saved as plain JSON: the order, the fitted parameters and the affine map.

Example:
    >>> import numpy as np
    >>> from depthlab.models.baselines import make_baseline
    >>> from depthlab.features.spec import InputSpec
    >>> spec = InputSpec("sequence", (1, 4), n_outputs=2, task="forecasting")
    >>> naive = make_baseline("persistence", spec).fit(np.ones((3, 1, 4)), np.ones((3, 2)))
    >>> naive.outputs(np.arange(8.0).reshape(2, 1, 4)).tolist()
    [[3.0, 3.0], [7.0, 7.0]]
"""

from __future__ import annotations

import json
import os
import warnings
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin

from depthlab.config_io import parse_config
from depthlab.errors import ConfigError, DataError
from depthlab.features.spec import InputSpec
from depthlab.models.baselines import BASELINES, FORECASTERS, ARIMAOptions, Baseline

# Agreement of two overlapping windows' values (standardised units): float32 inputs against
# float64 targets differ in the last digits only.
SAME = 1e-4


class PersistenceForecaster(RegressorMixin, BaseEstimator):  # type: ignore[misc]
    """The last value of each window, ``lookback`` values per row, repeated ``horizon`` times."""

    def __init__(self, lookback: int = 1, horizon: int = 1) -> None:
        self.lookback = lookback
        self.horizon = horizon

    def fit(self, X: np.ndarray, y: np.ndarray | None = None) -> PersistenceForecaster:
        self.n_parameters_ = 0  # nothing is learned
        return self

    def predict(self, X: np.ndarray) -> np.ndarray:
        last = np.asarray(X)[:, self.lookback - 1]  # channel 0's last value, (N,)
        return np.repeat(last[:, None], self.horizon, axis=1)  # (N, horizon)


class ARIMAForecaster(RegressorMixin, BaseEstimator):  # type: ignore[misc]
    """statsmodels' ARIMA on flattened windows whose first ``lookback`` columns are the target's
    past; forecasts ``horizon`` steps with the parameters fitted on the training series."""

    def __init__(
        self,
        order: tuple[int, int, int] = (3, 0, 0),
        trend: str | None = None,
        lookback: int = 1,
        horizon: int = 1,
    ) -> None:
        self.order = order
        self.trend = trend
        self.lookback = lookback
        self.horizon = horizon

    def fit(self, X: np.ndarray, y: np.ndarray) -> ARIMAForecaster:
        history = np.asarray(X, dtype=np.float64)[:, : self.lookback]  # (N, L)
        ahead = np.asarray(y, dtype=np.float64).reshape(len(history), -1)  # (N, H)
        series = training_series(history, ahead)
        model = self._model(series)
        with warnings.catch_warnings():
            # Convergence and start-parameter notices go to the fit's own record, not stderr.
            warnings.simplefilter("ignore")
            result = model.fit()
        self.params_ = np.asarray(result.params, dtype=np.float64)
        self.param_names_ = list(model.param_names)
        self.weights_, self.offset_ = self._affine_map(self.params_)
        self.n_parameters_ = len(self.params_)
        return self

    def predict(self, X: np.ndarray) -> np.ndarray:
        history = np.asarray(X, dtype=np.float64)[:, : self.lookback]  # (N, L)
        return np.asarray(history @ self.weights_.T + self.offset_)  # (N, H)

    def _model(self, series: np.ndarray) -> Any:
        from statsmodels.tsa.arima.model import ARIMA

        return ARIMA(series, order=tuple(self.order), trend=self.trend)

    def _affine_map(self, params: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(W, b)`` with forecast = ``W @ window + b``: the forecast of a zero window is ``b``,
        and that of a unit impulse at step ``j`` is ``b + W[:, j]``."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            zero = self._model(np.zeros(self.lookback)).filter(params)
            offset = np.asarray(zero.forecast(self.horizon), dtype=np.float64)
            weights = np.zeros((self.horizon, self.lookback))
            for j in range(self.lookback):
                impulse = np.zeros(self.lookback)
                impulse[j] = 1.0
                weights[:, j] = zero.apply(impulse).forecast(self.horizon) - offset
        return weights, offset


def training_series(history: np.ndarray, ahead: np.ndarray) -> np.ndarray:
    """The series the windows were cut from: the first window's past and future, then one new
    value per following window; a window that does not follow the previous one starts a new
    stretch after ``lookback`` missing values."""
    if len(history) == 0:
        raise DataError("ARIMA needs at least one training window")
    lookback = history.shape[1]
    pieces = [history[0], ahead[0]]
    for i in range(1, len(history)):
        expected = np.concatenate([history[i - 1][1:], ahead[i - 1][:1]])
        if np.allclose(history[i], expected, rtol=0.0, atol=SAME):
            pieces.append(ahead[i][-1:])
        else:
            pieces += [np.full(lookback, np.nan), history[i], ahead[i]]
    return np.concatenate(pieces)


class Forecaster(Baseline):
    """``persistence`` or ``arima`` behind the baseline interface (fit, outputs, save, load).

    Example:
        >>> spec = InputSpec("sequence", (1, 24), n_outputs=3, task="forecasting")
        >>> Forecaster("arima", spec, options={"order": [2, 0, 1]}).estimator.order
        (2, 0, 1)
    """

    file_name: ClassVar[str] = "model.json"

    def __init__(
        self, family: str, spec: InputSpec, seed: int = 0, options: dict[str, Any] | None = None
    ) -> None:
        if family not in FORECASTERS:
            raise ConfigError(f"'{family}' is not a forecaster; forecasters: {FORECASTERS}")
        if spec.task != "forecasting" or spec.kind != "sequence":
            fitting = [name for name, tasks in BASELINES.items() if spec.task in tasks]
            raise ConfigError(
                f"baseline '{family}' forecasts series windows, not {spec.task} on {spec.kind} "
                f"inputs; baselines that do {spec.task}: {', '.join(fitting)}"
            )
        self.family = family
        self.spec = spec
        self.seed = seed
        lookback, horizon = spec.shape[1], spec.n_outputs
        self.estimator: PersistenceForecaster | ARIMAForecaster
        if family == "persistence":
            if options:
                raise ConfigError(f"the baseline '{family}' takes no model options")
            self.options: dict[str, Any] = {}
            self.estimator = PersistenceForecaster(lookback, horizon)
        else:
            chosen = parse_config(ARIMAOptions, dict(options or {}))
            self.options = chosen.model_dump(mode="json")
            self.estimator = ARIMAForecaster(chosen.order, chosen.trend, lookback, horizon)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config["options"] = {"seed": self.seed, **self.options}
        return config

    def save(self, path: Path) -> None:
        fitted = {k: v for k, v in vars(self.estimator).items() if k.endswith("_")}
        state = {k: v.tolist() if isinstance(v, np.ndarray) else v for k, v in fitted.items()}
        partial = path.with_name(f".{path.name}.partial")
        partial.write_text(json.dumps({"family": self.family, "fitted": state}), encoding="utf-8")
        os.replace(partial, path)

    @classmethod
    def load(cls, path: Path, config: dict[str, Any]) -> Baseline:
        options = {k: v for k, v in dict(config.get("options") or {}).items() if k != "seed"}
        seed = int(dict(config.get("options") or {}).get("seed", 0))
        forecaster = cls(config["family"], InputSpec.from_dict(config["input"]), seed, options)
        try:
            saved = json.loads(path.read_text(encoding="utf-8"))
            fitted = dict(saved["fitted"])
        except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError):
            raise DataError(f"{path} is not a saved depthlab forecaster") from None
        for key, value in fitted.items():
            if not key.endswith("_"):
                raise DataError(f"{path} is not a saved depthlab forecaster ({key})")
            setattr(forecaster.estimator, key, np.asarray(value) if key[:-1] in ARRAYS else value)
        return forecaster


ARRAYS = {"params", "weights", "offset"}  # fitted attributes held as arrays
