"""``biases``: the biases-only baseline of recommendation, a global mean plus a user bias and an
item bias, regularised towards zero (Koren 2010, section 2.1; the Surprise library's
``BaselineOnly``).

``r(u, i) = mu + b_u + b_i``. The biases are fitted by alternating least squares: a few sweeps
that set every item's bias to the mean of its residuals shrunk by ``reg_item`` pseudo-ratings,
then every user's the same way with ``reg_user`` (Surprise's defaults: 10 sweeps, 10 and 15).
It is a ridge regression on one-hot user and item indicators, hence ``coef_`` (the biases) and
``intercept_`` (the mean), as scikit-learn names them.

Inputs are pairs of indices ``(N, 2)`` from the ``pairs`` features, 0 for an unknown user or
item, whose bias is 0: a pair with a new user gets ``mu + b_i``.

Example:
    >>> import numpy as np
    >>> x = np.array([[1, 1], [1, 2], [2, 1]])
    >>> model = BiasesOnly(reg_user=0.0, reg_item=0.0).fit(x, np.array([4.0, 2.0, 5.0]))
    >>> round(float(model.predict(np.array([[2, 2]]))[0]), 3)
    3.0
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin


class BiasesOnly(RegressorMixin, BaseEstimator):  # type: ignore[misc]
    """Global mean plus regularised user and item biases, fitted by alternating least squares."""

    def __init__(self, *, reg_user: float = 15.0, reg_item: float = 10.0, n_epochs: int = 10):
        self.reg_user = reg_user
        self.reg_item = reg_item
        self.n_epochs = n_epochs

    def fit(self, X: Any, y: Any) -> BiasesOnly:
        pairs = np.asarray(X, dtype=np.int64).reshape(len(X), 2)
        ratings = np.asarray(y, dtype=np.float64).reshape(-1)
        users, items = pairs[:, 0], pairs[:, 1]
        n_users, n_items = int(users.max()) + 1, int(items.max()) + 1
        mean = float(ratings.mean())
        user_count = np.bincount(users, minlength=n_users)
        item_count = np.bincount(items, minlength=n_items)
        b_user, b_item = np.zeros(n_users), np.zeros(n_items)
        for _ in range(self.n_epochs):
            # Items first, then users, as Surprise's ALS does: each is the exact minimiser of
            # the regularised squared error with the other side held fixed.
            residual = np.bincount(items, ratings - mean - b_user[users], minlength=n_items)
            b_item = residual / (self.reg_item + item_count + (item_count == 0))
            residual = np.bincount(users, ratings - mean - b_item[items], minlength=n_users)
            b_user = residual / (self.reg_user + user_count + (user_count == 0))
        # Index 0 (an unknown id) never appears in training, so its bias stays 0.
        b_user[0] = b_item[0] = 0.0
        self.intercept_ = mean
        self.coef_ = np.concatenate([b_user, b_item])
        self.n_users_ = n_users
        return self

    @property
    def user_bias(self) -> np.ndarray:
        return np.asarray(self.coef_[: self.n_users_])

    @property
    def item_bias(self) -> np.ndarray:
        return np.asarray(self.coef_[self.n_users_ :])

    def predict(self, X: Any) -> np.ndarray:
        pairs = np.asarray(X, dtype=np.int64).reshape(len(X), 2)
        b_user, b_item = self.user_bias, self.item_bias
        # An index beyond the fitted ones (a model fitted on fewer ids) counts as unknown.
        users = np.where(pairs[:, 0] < len(b_user), pairs[:, 0], 0)
        items = np.where(pairs[:, 1] < len(b_item), pairs[:, 1], 0)
        return np.asarray(self.intercept_ + b_user[users] + b_item[items])
