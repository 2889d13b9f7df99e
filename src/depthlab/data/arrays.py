"""NumPy ``.npz`` files with ``X`` and ``y`` (optionally ``groups``, ``class_names``,
``feature_names``). The shape of ``X`` gives the modality: ``(N, F)`` a table, ``(N, C, L)`` a
sequence, ``(N, C, H, W)`` images."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from depthlab.config import DataConfig
from depthlab.data.dataset import Dataset, DatasetInfo, Modality, check_targets
from depthlab.data.tabular import split_target
from depthlab.errors import DataError

MODALITY_BY_RANK: dict[int, Modality] = {2: "tabular", 3: "sequence", 4: "image"}


def read_arrays(path: Path) -> dict[str, np.ndarray]:
    """Every array of an ``.npz`` file (never unpickling objects)."""
    try:
        with np.load(path, allow_pickle=False) as bundle:
            return {key: bundle[key] for key in bundle.files}
    except (OSError, ValueError, zipfile.BadZipFile) as exc:
        raise DataError(f"cannot read {path}: {exc}") from None


def load_npz(path: Path, config: DataConfig) -> Dataset:
    import pandas as pd

    arrays = read_arrays(path)
    missing = [key for key in ("X", "y") if key not in arrays]
    if missing:
        raise DataError(f"{path} lacks array(s) {missing}; it has {sorted(arrays)}")
    x, y = arrays["X"], arrays["y"]
    if len(x) != len(y):
        raise DataError(f"{path}: X has {len(x)} rows but y has {len(y)}")
    modality = MODALITY_BY_RANK.get(x.ndim)
    if modality is None:
        raise DataError(f"{path}: X must have 2, 3 or 4 dimensions, not {x.ndim}")
    if x.dtype.kind not in "biuf":
        raise DataError(f"{path}: X must be numeric, not {x.dtype}")
    if not np.isfinite(x[~np.isnan(x)] if x.dtype.kind == "f" else x).all():
        raise DataError(f"{path}: X holds infinite values")
    names = tuple(str(n) for n in arrays.get("feature_names", []))
    if modality == "tabular":
        names = names or tuple(f"x{i}" for i in range(x.shape[1]))
        inputs: Any = pd.DataFrame(x.astype(np.float64), columns=list(names))
    else:
        inputs = x.astype(np.float32)
    frame = pd.DataFrame({"y": y})
    targets, class_names, task = split_target(frame, "y", config.task, path)
    if "class_names" in arrays and task == "classification":
        given = tuple(str(n) for n in arrays["class_names"])
        if y.dtype.kind in "iu" and len(given) > int(y.max()):
            targets, class_names = y.astype(np.int64), given
    return check_targets(
        Dataset(
            name=path.name,
            modality=modality,
            task=task,
            inputs=inputs,
            targets=targets,
            class_names=class_names,
            feature_names=names,
            groups=arrays.get("groups"),
            info=DatasetInfo(description=f"arrays {path.name}", source=str(path)),
        )
    )
