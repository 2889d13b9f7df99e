"""Registry of built-in datasets: string ids resolved to lazily imported loaders.

Listing never loads anything; ``load_builtin`` imports the loader only when it is needed.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from depthlab.errors import UnknownNameError, closest

if TYPE_CHECKING:
    from depthlab.data.dataset import Dataset, Modality, Task
    from depthlab.data.download import Fetcher

    Loader = Callable[[Fetcher], Dataset]


@dataclass(frozen=True)
class BuiltinSpec:
    """What `depthlab data list` shows about a built-in, known without loading it."""

    name: str
    modality: Modality
    task: Task
    size: str
    classes: int | None
    license: str
    loader: str  # "module:function", imported on first use
    split: str = "auto"  # the split strategy that suits it ("grouped" for speakers)


_BUILTINS: dict[str, BuiltinSpec] = {}


def register(spec: BuiltinSpec) -> None:
    """Add a built-in (a later registration under the same name replaces it)."""
    _BUILTINS[spec.name] = spec


def list_datasets() -> list[BuiltinSpec]:
    """Every built-in dataset, in registration order."""
    return list(_BUILTINS.values())


def get_spec(name: str) -> BuiltinSpec:
    """The built-in called *name*; an unknown name suggests the closest one."""
    try:
        return _BUILTINS[name]
    except KeyError:
        raise UnknownNameError(
            f"unknown dataset '{name}'.{closest(name, _BUILTINS)} "
            f"Built-ins: {', '.join(_BUILTINS)} (or give a path to a file or folder)"
        ) from None


def is_builtin(name: str) -> bool:
    return name in _BUILTINS


def load_builtin(name: str, fetcher: Fetcher) -> Dataset:
    spec = get_spec(name)
    module_name, func_name = spec.loader.split(":")
    loader: Loader = getattr(importlib.import_module(module_name), func_name)
    return loader(fetcher)


_MOD = "depthlab.data"
for _spec in (
    BuiltinSpec(
        "mnist1d",
        "sequence",
        "classification",
        "5,000 x 1 x 40 (4,000 + 1,000)",
        10,
        "Apache-2.0",
        f"{_MOD}.sequence:load_mnist1d",
    ),
    BuiltinSpec(
        "mnist1d-shuffled",
        "sequence",
        "classification",
        "5,000 x 1 x 40 (4,000 + 1,000)",
        10,
        "Apache-2.0",
        f"{_MOD}.sequence:load_mnist1d_shuffled",
    ),
    BuiltinSpec(
        "digits",
        "image",
        "classification",
        "1,797 x 1 x 8 x 8",
        10,
        "CC BY 4.0",
        f"{_MOD}.image:load_digits",
    ),
    BuiltinSpec(
        "iris",
        "tabular",
        "classification",
        "150 x 4",
        3,
        "CC BY 4.0",
        f"{_MOD}.tabular:load_iris",
    ),
    BuiltinSpec(
        "wine",
        "tabular",
        "classification",
        "178 x 13",
        3,
        "CC BY 4.0",
        f"{_MOD}.tabular:load_wine",
    ),
    BuiltinSpec(
        "breast-cancer",
        "tabular",
        "classification",
        "569 x 30",
        2,
        "CC BY 4.0",
        f"{_MOD}.tabular:load_breast_cancer",
    ),
    BuiltinSpec(
        "diabetes",
        "tabular",
        "regression",
        "442 x 10",
        None,
        "BSD-3-Clause (scikit-learn)",
        f"{_MOD}.tabular:load_diabetes",
    ),
    BuiltinSpec(
        "fsdd",
        "audio",
        "classification",
        "2,500 waveforms, 8 kHz, 5 speakers",
        10,
        "CC BY-SA 4.0",
        f"{_MOD}.audio:load_fsdd",
        split="grouped",
    ),
    BuiltinSpec(
        "sentiment",
        "text",
        "classification",
        "2,000 sentences, 2 sources",
        2,
        "CC BY 4.0",
        f"{_MOD}.text:load_sentiment",
    ),
    BuiltinSpec(
        "sunspots",
        "timeseries",
        "forecasting",
        "309 years (1700-2008)",
        None,
        "public domain (SIDC)",
        f"{_MOD}.timeseries:load_sunspots",
    ),
    BuiltinSpec(
        "movielens-100k",
        "interactions",
        "regression",
        "100,000 ratings, 943 users x 1,682 movies",
        None,
        "GroupLens research terms (cite Harper & Konstan 2015)",
        f"{_MOD}.interactions:load_movielens_100k",
    ),
):
    register(_spec)
