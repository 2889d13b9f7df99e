"""Explain a trained model: attributions (Captum for networks, permutation importance for any
model), their faithfulness (deletion curve) and stability across seeds, and pictures.

Modules: :mod:`~depthlab.explaining.methods` (the methods by string id), :mod:`~.faithfulness`,
:mod:`~.stability`, :mod:`~.pictures`, :mod:`~.data` (a run's examples again) and
:mod:`~.api` (``dl.explain``). Needs the ``explain`` extra (Captum).

Example:
    >>> import depthlab as dl
    >>> result = dl.explain("runs/cnn", method="integrated-gradients")  # doctest: +SKIP
"""

from __future__ import annotations

from depthlab.explaining.api import Explanation, explain

__all__ = ["Explanation", "explain"]
