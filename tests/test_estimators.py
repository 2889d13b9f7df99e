"""DepthClassifier / DepthRegressor: scikit-learn's own estimator checks, then how they behave."""

from __future__ import annotations

import pickle
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.datasets import load_diabetes, load_iris
from sklearn.dummy import DummyRegressor
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

import depthlab
from depthlab.errors import ConfigError
from depthlab.estimators import DepthClassifier, DepthRegressor

TINY: dict[str, Any] = {"options": {"width": 16}, "epochs": 10, "batch_size": 32}


@pytest.fixture(autouse=True)
def _one_thread() -> Iterator[None]:
    """Tiny networks gain nothing from intra-op threads, and lose a lot on a busy machine."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def expected_failed_checks(estimator: Any) -> dict[str, str]:
    # Every check passes. scikit-learn itself skips check_array_api_input unless the
    # SCIPY_ARRAY_API environment variable is set (these estimators compute in torch, not in
    # the array API, and leave array_api_support at False).
    return {}


@parametrize_with_checks(
    [DepthClassifier(**TINY), DepthRegressor(**TINY)],
    expected_failed_checks=expected_failed_checks,
)
def test_scikit_learn_estimator_checks(estimator: Any, check: Any) -> None:
    check(estimator)


@pytest.fixture(scope="module")
def iris() -> tuple[np.ndarray, ...]:
    X, y = load_iris(return_X_y=True)
    return tuple(train_test_split(X, y, test_size=0.3, stratify=y, random_state=0))


@pytest.fixture(scope="module")
def diabetes() -> tuple[np.ndarray, ...]:
    X, y = load_diabetes(return_X_y=True)
    return tuple(train_test_split(X, y, test_size=0.3, random_state=0))


def test_classifier_learns_iris(iris: tuple[np.ndarray, ...]) -> None:
    X_train, X_test, y_train, y_test = iris
    clf = DepthClassifier(random_state=0).fit(X_train, y_train)
    assert clf.score(X_test, y_test) > 0.9
    proba = clf.predict_proba(X_test)
    assert proba.shape == (len(X_test), 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
    assert clf.n_iter_ == len(clf.history_) == 20
    assert clf.input_spec_.kind == "vector" and clf.input_spec_.shape == (4,)


def test_regressor_beats_the_mean_on_diabetes(diabetes: tuple[np.ndarray, ...]) -> None:
    X_train, X_test, y_train, y_test = diabetes
    reg = DepthRegressor(options={"width": 32}, epochs=10, random_state=0).fit(X_train, y_train)
    baseline = DummyRegressor().fit(X_train, y_train).score(X_test, y_test)
    assert reg.score(X_test, y_test) > baseline + 0.25
    assert reg.predict(X_test).dtype == np.float64


def test_string_labels_round_trip(iris: tuple[np.ndarray, ...]) -> None:
    X_train, X_test, y_train, y_test = iris
    names = np.array(["setosa", "versicolor", "virginica"], dtype=object)
    clf = DepthClassifier(random_state=0).fit(X_train, names[y_train])
    assert list(clf.classes_) == list(names)
    predicted = clf.predict(X_test)
    assert set(predicted) <= set(names)
    assert np.mean(predicted == names[y_test]) > 0.9


def test_works_in_a_pipeline_under_grid_search(iris: tuple[np.ndarray, ...]) -> None:
    X_train, X_test, y_train, y_test = iris
    pipe = Pipeline(
        [("scale", StandardScaler()), ("net", DepthClassifier(epochs=10, random_state=0))]
    )
    grid = GridSearchCV(pipe, {"net__preset": ["shallow", "deep"], "net__lr": [1e-2, 3e-2]}, cv=3)
    grid.fit(X_train, y_train)
    assert grid.best_params_["net__preset"] in ("shallow", "deep")
    assert len(grid.cv_results_["params"]) == 4
    assert grid.best_estimator_.score(X_test, y_test) > 0.8


def test_clone_and_params_round_trip() -> None:
    reg = DepthRegressor(model="linear", options={"width": 8}, lr=0.05, random_state=3)
    params = reg.get_params()
    assert params["model"] == "linear" and params["random_state"] == 3
    copy = clone(reg)
    assert copy is not reg and copy.get_params() == params
    copy.set_params(lr=0.1, preset="deep")
    assert copy.lr == 0.1 and copy.preset == "deep" and reg.lr == 0.05
    assert DepthRegressor(**params).get_params() == params


def test_same_random_state_same_predictions(iris: tuple[np.ndarray, ...]) -> None:
    X_train, X_test, y_train, _ = iris
    options = {**TINY, "options": {"dropout": 0.2, "width": 16}}  # dropout draws random numbers
    first = DepthClassifier(**options, random_state=7).fit(X_train, y_train)
    again = DepthClassifier(**options, random_state=7).fit(X_train, y_train)
    other = DepthClassifier(**options, random_state=8).fit(X_train, y_train)
    np.testing.assert_array_equal(first.predict_proba(X_test), again.predict_proba(X_test))
    assert not np.allclose(first.predict_proba(X_test), other.predict_proba(X_test))


def test_fitting_leaves_torch_global_generator_alone(iris: tuple[np.ndarray, ...]) -> None:
    X_train, _, y_train, _ = iris
    state = torch.get_rng_state()
    DepthClassifier(**TINY, random_state=0).fit(X_train, y_train)
    assert torch.equal(torch.get_rng_state(), state)


@pytest.mark.parametrize("estimator", [DepthClassifier(), DepthRegressor()])
def test_unfitted_predict_raises(estimator: Any) -> None:
    with pytest.raises(NotFittedError):
        estimator.predict(np.zeros((2, 3)))


def test_unfitted_predict_proba_raises() -> None:
    with pytest.raises(NotFittedError):
        DepthClassifier().predict_proba(np.zeros((2, 3)))


def test_pickle_round_trip(diabetes: tuple[np.ndarray, ...]) -> None:
    X_train, X_test, y_train, _ = diabetes
    reg = DepthRegressor(**TINY, random_state=0).fit(X_train, y_train)
    restored = pickle.loads(pickle.dumps(reg))
    np.testing.assert_array_equal(restored.predict(X_test), reg.predict(X_test))


def test_dataframe_feature_names(iris: tuple[np.ndarray, ...]) -> None:
    pd = pytest.importorskip("pandas")
    X_train, X_test, y_train, _ = iris
    columns = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
    clf = DepthClassifier(**TINY, random_state=0).fit(
        pd.DataFrame(X_train, columns=columns), y_train
    )
    assert list(clf.feature_names_in_) == columns
    assert clf.n_features_in_ == 4
    assert clf.predict(pd.DataFrame(X_test, columns=columns)).shape == (len(X_test),)


def test_early_stopping_on_a_validation_share(diabetes: tuple[np.ndarray, ...]) -> None:
    X_train, _, y_train, _ = diabetes
    reg = DepthRegressor(
        **{**TINY, "epochs": 200}, validation_fraction=0.2, patience=3, random_state=0
    ).fit(X_train, y_train)
    assert reg.n_iter_ < 200
    assert "val_rmse" in reg.history_[-1]


def test_invalid_options_fail_at_fit_with_a_clear_error(iris: tuple[np.ndarray, ...]) -> None:
    X_train, _, y_train, _ = iris
    clf = DepthClassifier(model="mlpp")  # __init__ only stores
    with pytest.raises(ConfigError, match="Did you mean 'mlp'"):
        clf.fit(X_train, y_train)
    with pytest.raises(ConfigError, match="needs validation_fraction"):
        DepthClassifier(patience=2).fit(X_train, y_train)
    with pytest.raises(ConfigError, match="validation_fraction"):
        DepthClassifier(validation_fraction=1.0).fit(X_train, y_train)


def test_sequences_for_convolutional_and_recurrent_families() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 2, 16)).astype(np.float32)  # (N, C, L)
    y = (X[:, 0].mean(axis=1) > 0).astype(int)
    for model in ("cnn", "rnn", "mlp"):
        clf = DepthClassifier(model=model, epochs=5, random_state=0).fit(X, y)
        assert clf.input_spec_.kind == "sequence" and clf.input_spec_.shape == (2, 16)
        assert clf.predict(X).shape == (120,)
        with pytest.raises(ValueError, match="per example"):
            clf.predict(X[:, :, :8])


def test_vectors_are_read_as_one_channel_sequences_by_a_cnn() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 12))
    reg = DepthRegressor(model="cnn", epochs=3, random_state=0).fit(X, X.sum(axis=1))
    assert reg.input_spec_.shape == (1, 12)
    assert reg.predict(X).shape == (80,)


def test_images_for_a_cnn() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 1, 8, 8))
    clf = DepthClassifier(model="cnn", epochs=2, random_state=0).fit(X, np.arange(40) % 2)
    assert clf.input_spec_.kind == "image"
    assert clf.predict_proba(X).shape == (40, 2)


def test_exported_from_the_package() -> None:
    assert depthlab.DepthClassifier is DepthClassifier
    assert depthlab.DepthRegressor is DepthRegressor
