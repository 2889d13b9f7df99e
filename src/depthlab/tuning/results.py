"""Reading finished searches back: the tuned configurations a depth study trains with.

Only ``best.json`` files are read (no Optuna needed), so a study can use searches run elsewhere.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from depthlab.errors import ConfigError

log = logging.getLogger(__name__)
BEST = "best.json"


def read_tuned(folder: str | Path, data: str | None = None) -> dict[str, dict[str, Any]]:
    """``{"mlp:deep": {"model": {...}, "train": {...}}}`` from a ``depthlab tune`` folder, or a
    folder of them (one sub-folder per search). A search on other data than *data* is used
    with a warning; two searches of one network are an error.

    Example:
        >>> read_tuned("tune")  # doctest: +SKIP
        {'mlp:deep': {'model': {'width': 512, ...}, 'train': {'lr': 0.004, ...}}}
    """
    root = Path(folder)
    if not root.is_dir():
        raise ConfigError(f"--tuned {root}: no such folder; give a folder of 'depthlab tune' runs")
    files = [root / BEST] if (root / BEST).is_file() else sorted(root.glob(f"*/{BEST}"))
    if not files:
        raise ConfigError(
            f"--tuned {root} holds no {BEST}; run 'depthlab tune DATA --model M --out "
            f"{root}/M' first, or give the folder of a finished search"
        )
    tuned: dict[str, dict[str, Any]] = {}
    seen: dict[str, Path] = {}
    for path in files:
        try:
            best = json.loads(path.read_text(encoding="utf-8"))
            family, preset = str(best["family"]), str(best["preset"])
            parts = {"model": dict(best["model"]), "train": dict(best["train"])}
        except (OSError, ValueError, KeyError, TypeError):
            raise ConfigError(f"{path} is not a 'depthlab tune' result") from None
        key = "linear" if family == "linear" else f"{family}:{preset}"
        if key in seen:
            raise ConfigError(
                f"--tuned {root}: two searches tune '{key}' ({seen[key].parent} and "
                f"{path.parent}); keep one"
            )
        if data is not None and Path(str(best.get("data"))).name != Path(data).name:
            log.warning("%s was tuned on %s, not on %s", path.parent, best.get("data"), data)
        seen[key] = path
        tuned[key] = parts
    return tuned
