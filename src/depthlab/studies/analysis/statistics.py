"""From the store's job results to the study's measurements: scores with confidence intervals,
learning curves and crossovers, cost and the Pareto front, over- and under-fitting, probes,
thread scaling and robustness. Everything is plain JSON (``summary.json``)."""

from __future__ import annotations

from typing import Any

from depthlab.evaluate.stats import mean_ci, paired
from depthlab.evaluate.underfit import REFERENCES, check
from depthlab.studies.analysis.results import Results, cost_of, on_test, on_train
from depthlab.studies.plan.job import is_deep, is_network, label, split_id
from depthlab.studies.record import JobResult

BOUNDED = ("accuracy", "balanced_accuracy", "macro_f1")  # confidence intervals clipped to [0, 1]
COST_KEYS = ("train_seconds", "peak_memory_mb")
FIXED_COST_KEYS = ("parameters", "flops_per_example", "latency_ms_batch1", "latency_ms_batch256")


def analyse(res: Results, plan: dict[str, Any], metric: str) -> dict[str, Any]:
    """The study's measurements per model from the job results *res* (see the module)."""
    models, fractions = plan["models"], plan["fractions"]
    top = max(fractions)
    scores = {m: learning_curve(res, m, fractions, metric) for m in models}
    finals = {m: scores[m][-1]["mean"] for m in models if scores[m][-1]["mean"] is not None}
    best = max(finals, key=lambda m: finals[m]) if finals else None
    return {
        "metric": metric,
        "models": {m: model_facts(res, m, top) for m in models},
        "scores": scores,
        "best": best,
        "crossover": crossovers(res, models, fractions, metric),
        "pareto": {
            by: pareto_front(res, models, top, metric, key)
            for by, key in (("train_time", "train_seconds"), ("latency", "latency_ms_batch1"))
        },
        "overfitting": overfitting(res, models, top, metric),
        "underfitting": underfitting(res, models, top, metric),
        "probes": probes(res, models, top),
        "threads": thread_scaling(res),
        "robustness": robustness(res, models, top, metric),
        "mistakes": mistakes(res, models, top),
        "failures": res.failures,
    }


def learning_curve(
    res: Results, model: str, fractions: list[float], metric: str
) -> list[dict[str, Any]]:
    curve = []
    bounded = metric in BOUNDED
    for f in fractions:
        values = res.by_seed(model, f, on_test(metric))
        ci = mean_ci(values)
        if bounded and ci["lo"] is not None:
            ci["lo"], ci["hi"] = max(0.0, ci["lo"]), min(1.0, ci["hi"])
        sizes = [v for v in res.by_seed(model, f, lambda r: r.n_train) if v is not None]
        curve.append(
            {
                "fraction": f,
                "n_train": int(sizes[0]) if sizes else None,
                **ci,
                "values": values,
                "train_mean": mean_ci(res.by_seed(model, f, on_train(metric)))["mean"],
            }
        )
    return curve


def model_facts(res: Results, model: str, top: float) -> dict[str, Any]:
    facts: dict[str, Any] = {
        "label": label(model),
        "kind": "network" if is_network(model) else "classical",
        "preset": split_id(model)[1] if is_network(model) else None,
    }
    depths = [v for v in res.by_seed(model, top, lambda r: r.depth) if v is not None]
    facts["depth"] = int(depths[0]) if depths else None
    runs = [r for r in res.runs(model, top) if r is not None]
    facts["features"] = next((r.features for r in runs if r.features), None)
    facts["engineered"] = any(r.engineered for r in runs)
    for key in FIXED_COST_KEYS:
        values = [v for v in res.by_seed(model, top, cost_of(key)) if v is not None]
        if not values:
            facts[key] = None
        elif key.startswith("latency"):
            facts[key] = sorted(values)[len(values) // 2]  # the median over seeds
        else:
            facts[key] = int(values[0])
    for key in COST_KEYS:
        facts[key] = mean_ci(res.by_seed(model, top, cost_of(key)))["mean"]
    facts["train_seconds_values"] = res.by_seed(model, top, cost_of("train_seconds"))
    return facts


def crossovers(
    res: Results, models: list[str], fractions: list[float], metric: str
) -> list[dict[str, Any]]:
    """For each deep network against each shallower model: the smallest training size from which
    the deep one stays significantly better (None: never), and where it was significantly worse."""
    deep = [m for m in models if is_deep(m)]
    shallow = [m for m in models if m not in deep]
    out = []
    for d in deep:
        for s in shallow:
            tests = [
                {
                    "fraction": f,
                    **paired(
                        res.by_seed(d, f, on_test(metric)), res.by_seed(s, f, on_test(metric))
                    ),
                }
                for f in fractions
            ]
            ahead = [t["significant"] and t["diff"] > 0 for t in tests]
            start = None
            for i in range(len(fractions)):
                if all(ahead[i:]):
                    start = fractions[i]
                    break
            sizes = {f: res.by_seed(d, f, lambda r: r.n_train)[0] for f in fractions}
            size = sizes.get(start) if start is not None else None
            out.append(
                {
                    "deep": d,
                    "versus": s,
                    "fraction": start,
                    "n_train": None if size is None else int(size),
                    "tests": tests,
                }
            )
    return out


def pareto_front(
    res: Results, models: list[str], top: float, metric: str, cost_key: str
) -> list[str]:
    """Models no other model beats on both the mean score and the cost (lower is better)."""
    points = {}
    for m in models:
        score = mean_ci(res.by_seed(m, top, on_test(metric)))["mean"]
        costs = [v for v in res.by_seed(m, top, cost_of(cost_key)) if v is not None]
        if score is not None and costs:
            points[m] = (score, sum(costs) / len(costs))
    return [
        m
        for m, (s, c) in points.items()
        if not any(
            (s2 >= s and c2 <= c) and (s2 > s or c2 < c) for o, (s2, c2) in points.items() if o != m
        )
    ]


def overfitting(res: Results, models: list[str], top: float, metric: str) -> dict[str, Any]:
    """Train-test gap per model on the full training set, and the deep MLP without
    regularisation against with it."""
    gaps = {}
    for m in [*models, "mlp:deep+noreg"]:
        train = res.by_seed(m, top, on_train(metric))
        test = res.by_seed(m, top, on_test(metric))
        if all(v is None for v in test):
            continue
        gap = [None if a is None or b is None else a - b for a, b in zip(train, test, strict=True)]
        gaps[m] = {
            "train": mean_ci(train)["mean"],
            "test": mean_ci(test)["mean"],
            "gap": mean_ci(gap),
            "gap_values": gap,
        }
    out: dict[str, Any] = {"gaps": gaps}
    if "mlp:deep+noreg" in gaps and "mlp:deep" in gaps:
        out["regularisation"] = {
            "gap": paired(gaps["mlp:deep+noreg"]["gap_values"], gaps["mlp:deep"]["gap_values"]),
            "test": paired(
                res.by_seed("mlp:deep+noreg", top, on_test(metric)),
                res.by_seed("mlp:deep", top, on_test(metric)),
            ),
        }
    return out


def underfitting(res: Results, models: list[str], top: float, metric: str) -> list[dict[str, Any]]:
    """The networks whose mean training score on the full training set falls clearly below the
    simplest classical model's of the ladder (:mod:`depthlab.evaluate.underfit`), with the
    numbers; none when the ladder has no such model."""
    reference = next((m for m in models if m in REFERENCES), None)
    if reference is None:
        return []
    reference_train = mean_ci(res.by_seed(reference, top, on_train(metric)))["mean"]
    flags = []
    for model in models:
        if not is_network(model):
            continue
        train = mean_ci(res.by_seed(model, top, on_train(metric)))["mean"]
        flag = check(model, train, reference, reference_train, metric, label(model))
        if flag is not None:
            flags.append(flag)
    return flags


def mistakes(res: Results, models: list[str], top: float) -> dict[str, Any]:
    """The picture of each model's mistakes (seed 0's run on the full training set)."""
    first = {m: res.fit.get((m, top, res.seeds[0])) for m in models}
    return {m: run.mistakes for m, run in first.items() if run is not None and run.mistakes}


def probes(res: Results, models: list[str], top: float) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for m in models:
        per_seed = [None if r is None else r.probes for r in res.runs(m, top)]
        runs = [p for p in per_seed if p]
        if not runs:
            continue
        layers = []
        for i in range(len(runs[0])):
            values = [p[i].score if p and i < len(p) else None for p in per_seed]
            layers.append(
                {
                    "layer": i,
                    "features": runs[0][i].features,
                    **mean_ci(values),
                    "values": values,
                }
            )
        out[m] = layers
    return out


def thread_scaling(res: Results) -> dict[str, Any]:
    """Training throughput per model and thread count, and the speed-up of the most threads
    (and of the GPU, when one was timed) over one thread, paired by seed."""
    out: dict[str, Any] = {}
    for model in sorted({m for m, _, _ in res.threads}):
        runs = {(d, t): r for (m, d, t), r in res.threads.items() if m == model}
        one = runs.get(("cpu", 1), [])
        entry: dict[str, Any] = {"label": label(model), "throughput": {}}
        for (device, threads), rows in sorted(runs.items()):
            entry["throughput"][f"{device}:{threads}"] = mean_ci(
                [r.examples_per_second for r in rows]
            )
        for (device, threads), rows in sorted(runs.items()):
            if (device, threads) == ("cpu", 1) or not one:
                continue
            ratios = [_rate(b) / _rate(a) for a, b in zip(one, rows, strict=False)]
            name = "gpu_speedup" if device == "cuda" else "thread_speedup"
            entry[name] = {"threads": threads, **mean_ci(ratios), "values": ratios}
        out[model] = entry
    return out


def robustness(res: Results, models: list[str], top: float, metric: str) -> dict[str, Any]:
    out = {}
    for m in models:
        clean = res.by_seed(m, top, on_test(metric))
        noise = res.by_seed(m, top, lambda r: r.robustness and r.robustness.noise.get(metric))
        missing = res.by_seed(m, top, lambda r: r.robustness and r.robustness.missing.get(metric))
        if all(v is None for v in noise):
            continue
        out[m] = {
            "clean": mean_ci(clean)["mean"],
            "noise": mean_ci(noise)["mean"],
            "missing": mean_ci(missing)["mean"],
            "noise_drop": _drops(clean, noise),
            "missing_drop": _drops(clean, missing),
        }
    return out


def _drops(clean: list[float | None], other: list[float | None]) -> list[float | None]:
    """What the metric loses per seed (clean minus perturbed)."""
    return [None if c is None or o is None else c - o for c, o in zip(clean, other, strict=True)]


def _rate(result: JobResult) -> float:
    rate = result.examples_per_second
    if rate is None:
        raise ValueError("a thread timing without its examples per second")
    return rate
