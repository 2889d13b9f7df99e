"""A plant's generated data kept as one .npz file, written atomically.

The file is written under a temporary name in the same folder and renamed into place only once
complete, so an interrupted run never leaves a partial cache file; the temporary file is removed
whatever stopped the write. A file that cannot be read back counts as absent.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from depthlab.data.control.trajectories import PlantData, Trajectories
from depthlab.data.download import default_cache_dir

SPLITS = ("train", "val", "test")


def cache_path(cache_dir: str | Path | None, plant: str, key: dict[str, object]) -> Path:
    """``<cache>/control/<plant>-<hash of key>.npz``; the cache is *cache_dir* or the data
    cache (``$DEPTHLAB_CACHE_DIR`` or ``~/.cache/depthlab``)."""
    root = Path(cache_dir).expanduser() if cache_dir else default_cache_dir()
    digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:16]
    return root / "control" / f"{plant}-{digest}.npz"


def save(path: Path, data: PlantData) -> None:
    """Write *data* to *path* atomically (temporary file, then rename)."""
    arrays: dict[str, np.ndarray] = {}
    for split in SPLITS:
        part: Trajectories = getattr(data, split)
        arrays[f"{split}_u"], arrays[f"{split}_y"] = part.u, part.y
    facts = {
        "plant": data.plant,
        "dt": data.train.dt,
        "input_names": list(data.train.input_names),
        "output_names": list(data.train.output_names),
        "init_window": data.init_window,
        "excitation": data.excitation,
        "seed": data.seed,
        "meta": data.meta,
    }
    arrays["facts"] = np.array(json.dumps(facts))
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, partial = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as file:
            np.savez(file, **arrays)  # type: ignore[arg-type]
            file.flush()
            os.fsync(file.fileno())
        os.replace(partial, path)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise


def load(path: Path) -> PlantData | None:
    """The data cached at *path*, or None when there is none or it cannot be read."""
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as archive:
            facts = json.loads(str(archive["facts"]))
            parts = {
                split: Trajectories(
                    archive[f"{split}_u"],
                    archive[f"{split}_y"],
                    facts["dt"],
                    tuple(facts["input_names"]),
                    tuple(facts["output_names"]),
                )
                for split in SPLITS
            }
    except (OSError, ValueError, KeyError, zipfile.BadZipFile):  # DataError is a ValueError
        return None
    return PlantData(
        facts["plant"],
        parts["train"],
        parts["val"],
        parts["test"],
        facts["init_window"],
        facts["excitation"],
        facts["seed"],
        facts["meta"],
    )
