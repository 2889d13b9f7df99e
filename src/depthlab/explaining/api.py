"""``dl.explain``: attributions of a trained run on test examples, their faithfulness, their
stability across runs of other seeds, and pictures, written to a folder."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from depthlab.data.dataset import Dataset
from depthlab.errors import ConfigError
from depthlab.explaining.data import background, pick, target_of
from depthlab.explaining.faithfulness import deletion
from depthlab.explaining.methods import attribute, resolve_method
from depthlab.explaining.pictures import attribution_picture, weight_picture
from depthlab.explaining.stability import stability
from depthlab.features.text import as_texts, tokenize
from depthlab.progress import track
from depthlab.training.reload import run_data
from depthlab.training.run import Run

log = logging.getLogger(__name__)


@dataclass
class Explanation:
    """Attributions of one run on *indices* (into the run's examples), with their numbers.

    ``attributions`` has the preprocessed inputs' shape (one score per token for text, per id
    for pairs); ``targets`` is the output explained (the true class, or 0 for regression).
    """

    method: str
    requested: str
    notice: str | None
    indices: np.ndarray
    inputs: np.ndarray
    targets: np.ndarray
    attributions: np.ndarray
    faithfulness: dict[str, Any] | None = None
    stability: dict[str, Any] | None = None
    seconds: float = 0.0
    files: dict[str, str] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        """The numbers, as written to ``explanation.json``."""
        return {
            "method": self.method,
            "requested": self.requested,
            "notice": self.notice,
            "samples": len(self.indices),
            "seconds_per_sample": self.seconds / max(1, len(self.indices)),
            "faithfulness": self.faithfulness,
            "stability": self.stability,
            "files": self.files,
        }


def explain(
    run: Any,
    *,
    method: str = "auto",
    samples: int = 32,
    compare: Sequence[Any] = (),
    out: str | Path | None = None,
    data: Dataset | None = None,
    steps: int = 32,
) -> Explanation:
    """Explain *run* (a :class:`~depthlab.training.run.Run` or its folder) on *samples* test
    examples with *method* (``auto``, ``integrated-gradients``, ``saliency``, ``occlusion``,
    ``permutation``), measure the attributions' faithfulness (deletion curve against random
    order) and, given *compare* runs (other seeds, same data), their stability (Spearman rank
    correlation). With *out* (default: ``RUN/explain/METHOD`` for a run folder), write
    ``attributions.npz``, ``explanation.json`` and pictures there.

    Example:
        >>> import depthlab as dl
        >>> result = dl.explain("runs/cnn", method="saliency", samples=16)  # doctest: +SKIP
        >>> result.faithfulness["faithfulness"] > 0  # doctest: +SKIP
        True
    """
    main = _load(run)
    ds, split = run_data(main, data, in_python="pass it again: dl.explain(run, data=ds)")
    indices = pick(split.test, samples)
    chosen, notice = resolve_method(main.model, method)
    started = time.perf_counter()
    x, base, target = _prepared(main, ds, split, indices)
    values = _attribute(main.model, x, method, target, base, steps)
    seconds = time.perf_counter() - started
    result = Explanation(chosen, method, notice, indices, x, target, values, seconds=seconds)
    result.faithfulness = deletion(main.model, x, values, target=target, baseline=base)
    if compare:
        maps = [values]
        for other in map(_load, compare):
            ox, obase, otarget = _prepared(other, ds, split, indices, against=main)
            maps.append(_attribute(other.model, ox, method, otarget, obase, steps))
        result.stability = stability(maps)
    folder = Path(out) if out is not None else None
    if folder is None and main.path is not None:
        folder = Path(main.path) / "explain" / chosen
    if folder is not None:
        write(result, main, ds, folder)
    return result


CHUNK = 32  # examples per attribution call: the progress bar's step


def _attribute(
    model: Any,
    x: np.ndarray,
    method: str,
    target: np.ndarray,
    base: np.ndarray | None,
    steps: int,
) -> np.ndarray:
    """:func:`~depthlab.explaining.methods.attribute` in chunks, with a progress bar; permutation
    in one call, since it shuffles across all the examples."""
    chosen, notice = resolve_method(model, method)
    if notice:  # said once, not once per chunk
        log.warning(notice)
    if chosen == "permutation" or len(x) <= CHUNK:
        return attribute(model, x, chosen, target=target, baseline=base, steps=steps)
    starts = range(0, len(x), CHUNK)
    parts = [
        attribute(
            model,
            x[i : i + CHUNK],
            chosen,
            target=target[i : i + CHUNK],
            baseline=base,
            steps=steps,
        )
        for i in track(starts, len(starts), f"explaining ({chosen})")
    ]
    return np.concatenate(parts)


def _load(run: Any) -> Any:
    return run if isinstance(run, Run) else Run.load(run)


def _prepared(
    run: Any, ds: Dataset, split: Any, indices: np.ndarray, against: Any = None
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
    """Preprocessed inputs of *indices* for *run*, its baseline input and the targets."""
    x = run.preprocessor.transform(ds.subset(indices).inputs)
    if against is not None:
        mine = against.preprocessor.transform(ds.subset(indices[:1]).inputs).shape[1:]
        if x.shape[1:] != mine or run.task != against.task:
            raise ConfigError(
                f"{run.path} cannot be compared with {against.path}: its inputs are "
                f"{run.task} of shape {x.shape[1:]}, not {against.task} of shape {mine}; "
                "compare runs of the same model on the same data (other seeds)"
            )
    train = split.train[:2000]
    base = background(run.preprocessor.transform(ds.subset(train).inputs))
    return x, base, target_of(run.task, ds.targets[indices])


def write(result: Explanation, run: Any, ds: Dataset, folder: Path) -> None:
    """``attributions.npz``, the pictures and ``explanation.json`` (last: its presence says
    the folder is complete)."""
    import os

    folder.mkdir(parents=True, exist_ok=True)
    arrays = folder / "attributions.npz"
    partial = folder / ".attributions.partial.npz"
    np.savez_compressed(
        partial,
        attributions=result.attributions,
        inputs=result.inputs,
        targets=result.targets,
        indices=result.indices,
    )
    os.replace(partial, arrays)
    result.files["attributions"] = str(arrays)
    names = _input_names(run, ds)
    words = None
    if run.model.spec.kind == "tokens" and run.preprocessor.features == "tokens":
        words = [tokenize(text) for text in as_texts(ds.subset(result.indices).inputs)]
    picture = attribution_picture(run.model.spec, result, names, folder, words)
    if picture is not None:
        result.files["picture"] = str(picture)
    weights = weight_picture(run.model, names, folder / "weights.png", ds.class_names)
    if weights is not None:
        result.files["weights"] = str(weights)
    summary = {
        "run": str(run.path) if run.path else None,
        "data": ds.name,
        "classes": [ds.class_names[t] for t in result.targets] if ds.class_names else None,
        **result.summary(),
    }
    partial_json = folder / ".explanation.json.partial"
    partial_json.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    os.replace(partial_json, folder / "explanation.json")
    result.files["summary"] = str(folder / "explanation.json")


def _input_names(run: Any, ds: Dataset) -> list[str]:
    """Names of the input values where they have names: table features (after the table
    pipeline's one-hot columns, when it records them), words of the vocabulary, user and item."""
    spec = run.model.spec
    stats = run.preprocessor.stats
    if spec.kind == "tokens" and "vocab" in stats:
        return ["<pad>", "<unk>", *stats["vocab"]]
    if spec.kind == "pairs":
        return ["user", "item"]
    # the table pipeline's columns: numeric and one-hot features, then embedded categories
    recorded = [*stats.get("features", []), *stats.get("embedded", {})]
    if spec.kind == "vector" and len(recorded) == spec.flat_size:
        return [str(n) for n in recorded]
    if spec.kind == "vector" and len(ds.feature_names) == spec.flat_size:
        return list(ds.feature_names)
    return []
