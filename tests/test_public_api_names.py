"""Public functions are not shadowed by same-named subpackages once those are imported."""

from __future__ import annotations

import importlib
import pkgutil

import depthlab as dl


def test_every_exported_callable_stays_callable_after_importing_every_subpackage() -> None:
    for module in pkgutil.iter_modules(dl.__path__, "depthlab."):
        if module.ispkg:
            try:
                importlib.import_module(module.name)
            except ImportError:  # an extra that is not installed
                continue
    for name in ("train", "study", "tune", "explain", "cross_validate"):
        if name in dl.__all__:
            assert callable(getattr(dl, name)), name
