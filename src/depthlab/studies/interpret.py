"""The study's interpretability measurements and its claim "Shallow networks are more
interpretable".

Each network job (full training set) explains the same few examples with integrated gradients
(few steps; permutation for id pairs) and measures their **faithfulness** (deletion curve,
:mod:`depthlab.explaining.faithfulness`). The examples are chosen independently of the seed (from
the fixed test set when the data has one, else from all examples), so that the attributions of
the seeds' models can be compared: **stability** is the Spearman rank correlation of two
seeds' attributions (:mod:`depthlab.explaining.stability`), one value per pair of seeds. The claim
compares the shallow MLP with the best deep network on both, paired over seeds (faithfulness)
and over pairs of seeds (stability).

Example:
    >>> summary["interpretability"]["mlp:shallow"]["faithfulness"]["mean"]  # doctest: +SKIP
    0.21
"""

from __future__ import annotations

import importlib.util
import itertools
from typing import Any

import numpy as np

from depthlab.evaluate.stats import mean_ci, paired
from depthlab.studies.plan import is_network, label, split_id

SAMPLES = 24  # examples explained per job
STEPS = 8  # integration steps: the ranking, not the exact integral, is what is compared
MAX_CELLS = 256  # attributions stored per example (block means beyond), for stability
CLAIM = "Shallow networks are more interpretable"
MEASURE = "attribution faithfulness (deletion curve) and stability across seeds"


def examples(ds: Any, n: int) -> np.ndarray:
    """The examples every seed explains: the data's fixed test set if it has one, else any."""
    fixed = getattr(ds, "test_indices", None)
    pool = np.asarray(fixed if fixed is not None else np.arange(n), dtype=np.int64)
    if len(pool) <= SAMPLES:
        return pool
    rng = np.random.Generator(np.random.PCG64(4242))  # not the job's seed: the same examples
    return np.sort(rng.choice(pool, size=SAMPLES, replace=False))


def measure(model: Any, ds: Any, x: np.ndarray, train: np.ndarray) -> dict[str, Any] | None:
    """Faithfulness of one trained network's attributions, and the attributions (block means,
    rounded) that stability compares across seeds; None without the ``explain`` extra."""
    if importlib.util.find_spec("captum") is None:
        return None
    from depthlab.explaining.data import background, target_of
    from depthlab.explaining.faithfulness import deletion
    from depthlab.explaining.methods import attribute, resolve_method

    method, _ = resolve_method(model, "integrated-gradients")  # pairs: permutation
    indices = examples(ds, len(x))
    xs = x[indices]
    target = target_of(model.spec.task, ds.targets[indices])
    base = background(x[train])
    values = attribute(model, xs, method, target=target, baseline=base, steps=STEPS)
    faith = deletion(model, xs, values, target=target, baseline=base)
    return {
        "method": method,
        "faithfulness": faith["faithfulness"],
        "indices": indices.tolist(),
        "attributions": np.round(cells(values), 6).tolist(),
    }


def cells(values: np.ndarray) -> np.ndarray:
    """``(N, ...)`` -> ``(N, <= MAX_CELLS)``: means of contiguous blocks of the flattened map."""
    flat = values.reshape(len(values), -1).astype(np.float64)
    if flat.shape[1] <= MAX_CELLS:
        return flat
    return np.stack([b.mean(axis=1) for b in np.array_split(flat, MAX_CELLS, axis=1)], axis=1)


def summarise(rows: list[tuple[Any, dict[str, Any]]], plan: dict[str, Any]) -> dict[str, Any]:
    """Per model: faithfulness over seeds and stability over pairs of seeds (mean, 95% CI,
    values), from the jobs' ``interpret`` measurements on the full training set."""
    from depthlab.explaining.stability import rank_correlation
    from depthlab.studies.analyse import Results

    res = Results(rows, plan["seeds"])
    top = max(plan["fractions"])
    out: dict[str, Any] = {}
    for model in plan["models"]:
        runs = [res.fit.get((model, top, seed), {}).get("interpret") for seed in res.seeds]
        if not any(runs):
            continue
        faith = [r["faithfulness"] if r else None for r in runs]
        pairs: list[float | None] = []
        for a, b in itertools.combinations(runs, 2):
            same = a and b and a["indices"] == b["indices"]
            pairs.append(
                rank_correlation(np.asarray(a["attributions"]), np.asarray(b["attributions"]))
                if same and a is not None and b is not None
                else None
            )
        method = next(r["method"] for r in runs if r)
        stable = mean_ci(pairs)
        if stable["lo"] is not None:  # a correlation's interval stays within [-1, 1]
            stable["lo"], stable["hi"] = max(-1.0, stable["lo"]), min(1.0, stable["hi"])
        out[model] = {
            "method": method,
            "faithfulness": {**mean_ci(faith), "values": faith},
            "stability": {**stable, "values": pairs},
        }
    return out


def interpretable(j: Any) -> dict[str, Any]:
    """The claim check: the shallow MLP against the best deep network that was measured."""
    from depthlab.studies.claims import INCONCLUSIVE, combine, verdict

    inter = j.s.get("interpretability") or {}
    deep = j._best(
        [m for m in inter if is_network(m) and split_id(m)[1] == "deep" and m != "linear"]
    )
    shallow = "mlp:shallow" if "mlp:shallow" in inter else None
    if deep is None or shallow is None:
        return verdict(
            CLAIM,
            MEASURE,
            INCONCLUSIVE,
            "not measured: needs the shallow MLP and a deep network explained "
            "(study option explain, and the 'explain' extra)",
            "",
        )
    parts, signs = [], []
    for key, what in (("faithfulness", "faithfulness"), ("stability", "stability")):
        test = paired(inter[shallow][key]["values"], inter[deep][key]["values"], j.alpha)
        signs.append(0 if not test["significant"] else (1 if test["diff"] > 0 else -1))
        parts.append(
            f"{what}: {label(shallow)} {_number(inter[shallow][key]['mean'])}, {label(deep)} "
            f"{_number(inter[deep][key]['mean'])} (shallow minus deep {_diff(test)})"
        )
    result = combine(signs)
    method = inter[shallow]["method"]
    return verdict(
        CLAIM,
        MEASURE,
        result,
        f"{method}; " + "; ".join(parts),
        "paired t-tests: faithfulness over seeds, stability over pairs of seeds",
    )


def _number(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def _diff(test: dict[str, Any]) -> str:
    if test.get("diff") is None:
        return "no paired values"
    ci = f" [{test['lo']:+.3f}, {test['hi']:+.3f}]" if test.get("lo") is not None else ""
    p = f", p = {test['p']:.3f}" if test.get("p") is not None else ""
    return f"{test['diff']:+.3f}{ci} over {test['n']}{p}"
