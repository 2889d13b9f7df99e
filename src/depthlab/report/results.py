"""The measured sections of the report: scores, cost, overfitting, representations and
robustness. Each function reads its part of the study summary defensively and returns the
tables, figure and sentences the template shows; an empty part comes back with ``figure`` None
and no rows, which the template turns into a "not measured" line.
"""

from __future__ import annotations

from typing import Any

from depthlab.report import canvas, figures
from depthlab.report import fmt as f
from depthlab.report.tables import (
    as_dict,
    as_list,
    cell,
    final_score,
    items,
    records,
    row,
    section,
    table,
)


def _palette(names: dict[str, str]) -> dict[str, str]:
    # *names* lists every model of the summary in one fixed order: a model keeps its colour
    # from figure to figure.
    return canvas.colours(list(names))


def _recommended(summary: dict[str, Any]) -> str | None:
    model = section(summary, "recommendation").get("model")
    return str(model) if model else None


def _score_cell(point: dict[str, Any], metric: str) -> dict[str, Any]:
    return cell(
        f.score(point.get("mean"), metric),
        point.get("mean"),
        f.interval(point.get("lo"), point.get("hi"), metric),
    )


def scores(summary: dict[str, Any], names: dict[str, str], metric: str) -> dict[str, Any]:
    """Test score per model at every training fraction (95% CI), the learning-curve figure and
    the crossover table."""
    curves = {m: records(c) for m, c in section(summary, "scores").items() if records(c)}
    models = section(summary, "models")
    fractions = sorted(
        {
            float(p["fraction"])
            for c in curves.values()
            for p in c
            if f.number(p.get("fraction")) is not None
        }
    )
    sizes = {
        float(p["fraction"]): p.get("n_train")
        for c in curves.values()
        for p in c
        if f.number(p.get("fraction")) is not None
    }
    headers = ["model", "kind", "hidden layers"]
    headers += [f"{f.count(sizes[x])} examples ({f.fraction(x)})" for x in fractions]
    headers += ["train score (full set)"]
    rows = []
    for model, curve in curves.items():
        facts = as_dict(models.get(model))
        by_fraction = {f.number(p.get("fraction")): p for p in curve}
        cells = [
            cell(names.get(model, model)),
            cell(facts.get("kind", "")),
            cell(f.count(facts.get("depth")), facts.get("depth")),
        ]
        cells += [_score_cell(by_fraction.get(x, {}), metric) for x in fractions]
        top = final_score(summary, model)
        cells.append(cell(f.score(top.get("train_mean"), metric), top.get("train_mean")))
        rows.append(row(cells, mark=model == _recommended(summary)))
    best = summary.get("best")
    return {
        "table": table(headers, rows) if rows else None,
        "figure": figures.learning_curves(curves, names, metric, _palette(names))
        if curves
        else None,
        "best": names.get(str(best), str(best)) if best else "",
        "crossover": _crossover(items(summary, "crossover"), names, metric, fractions),
    }


def _crossover(
    entries: list[Any], names: dict[str, str], metric: str, fractions: list[float]
) -> dict[str, Any] | None:
    """One row per (deep model, rival): the training size from which the deep model stays
    significantly better (its crossover), and the paired difference at every size."""
    headers = ["deep model", "against", "significantly better from"]
    headers += [f"difference at {f.fraction(x)}" for x in fractions]
    rows = []
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        deep, versus = str(entry.get("deep")), str(entry.get("versus"))
        at = f.number(entry.get("fraction"))
        start = (
            "no size (no crossover)"
            if at is None
            else f"{f.count(entry.get('n_train'))} examples ({f.fraction(at)})"
        )
        cells = [
            cell(names.get(deep, deep)),
            cell(names.get(versus, versus)),
            cell(start, entry.get("n_train")),
        ]
        tests = {f.number(t.get("fraction")): t for t in records(entry.get("tests"))}
        for x in fractions:
            t = tests.get(x, {})
            mark = "" if not t or t.get("significant") else " (n.s.)"
            detail = f"{f.diff_interval(t.get('lo'), t.get('hi'), metric)}, {f.p_value(t.get('p'))}"
            cells.append(
                cell(f.diff(t.get("diff"), metric) + mark, t.get("diff"), detail if t else "")
            )
        rows.append(row(cells))
    return table(headers, rows) if rows else None


def cost(summary: dict[str, Any], names: dict[str, str], metric: str) -> dict[str, Any]:
    """Size, compute, time and memory per model, with each model's place on the Pareto fronts
    (score against training time, score against latency) and their figure."""
    models = {m: v for m, v in section(summary, "models").items() if isinstance(v, dict)}
    fronts = {
        k: [str(m) for m in v] for k, v in section(summary, "pareto").items() if isinstance(v, list)
    }
    headers = [
        "model",
        f"test {metric}",
        "parameters",
        "FLOPs / example",
        "train time",
        "latency, batch 1",
        "latency, batch 256",
        "peak memory",
        "Pareto front",
    ]
    rows, points = [], {}
    for model, v in models.items():
        score = final_score(summary, model).get("mean")
        points[model] = {
            "score": score,
            "train_seconds": v.get("train_seconds"),
            "latency_ms_batch1": v.get("latency_ms_batch1"),
        }
        on = [
            name
            for key, name in (("train_time", "train time"), ("latency", "latency"))
            if model in fronts.get(key, [])
        ]
        rows.append(
            row(
                [
                    cell(names.get(model, model)),
                    cell(f.score(score, metric), score),
                    cell(f.count(v.get("parameters")), v.get("parameters")),
                    cell(f.si(v.get("flops_per_example")), v.get("flops_per_example")),
                    cell(f.fixed(v.get("train_seconds"), 2, "s"), v.get("train_seconds")),
                    cell(f.fixed(v.get("latency_ms_batch1"), 3, "ms"), v.get("latency_ms_batch1")),
                    cell(
                        f.fixed(v.get("latency_ms_batch256"), 3, "ms"), v.get("latency_ms_batch256")
                    ),
                    cell(f.fixed(v.get("peak_memory_mb"), 1, "MB"), v.get("peak_memory_mb")),
                    cell(", ".join(on)),
                ],
                mark=model == _recommended(summary),
            )
        )
    return {
        "table": table(headers, rows) if rows else None,
        "figure": figures.pareto(points, fronts, names, metric, _palette(names))
        if points
        else None,
    }


def overfitting(summary: dict[str, Any], names: dict[str, str], metric: str) -> dict[str, Any]:
    """Train and test score and their gap (95% CI) per model on the full training set, and the
    deep MLP without regularisation against with it."""
    part = section(summary, "overfitting")
    gaps = {m: g for m, g in section(part, "gaps").items() if isinstance(g, dict)}
    rows = []
    for model, g in gaps.items():
        gap = as_dict(g.get("gap"))
        rows.append(
            row(
                [
                    cell(names.get(model, model)),
                    cell(f.score(g.get("train"), metric), g.get("train")),
                    cell(f.score(g.get("test"), metric), g.get("test")),
                    cell(
                        f.diff(gap.get("mean"), metric),
                        gap.get("mean"),
                        f.diff_interval(gap.get("lo"), gap.get("hi"), metric),
                    ),
                ]
            )
        )
    headers = ["model", f"train {metric}", f"test {metric}", "gap (train - test), 95% CI"]
    regularisation = []
    for key, what in (("gap", "train-test gap"), ("test", f"test {metric}")):
        t = section(section(part, "regularisation"), key)
        if t:
            regularisation.append(_paired_text(what, t, metric))
    return {
        "table": table(headers, rows) if rows else None,
        "figure": figures.gaps(gaps, names, metric, _palette(names)) if gaps else None,
        "regularisation": regularisation,
    }


def _paired_text(what: str, t: dict[str, Any], metric: str) -> str:
    verdict = "significant" if t.get("significant") else "not significant"
    return (
        f"{what}, without minus with regularisation: {f.diff(t.get('diff'), metric)} "
        f"{f.diff_interval(t.get('lo'), t.get('hi'), metric)} (paired t-test over "
        f"{f.count(t.get('n'))} seeds, {f.p_value(t.get('p'))}, {verdict})"
    )


def representations(summary: dict[str, Any], names: dict[str, str], metric: str) -> dict[str, Any]:
    """Linear-probe score of every layer of every network (layer 0 is the raw input)."""
    probes = {
        m: [p for p in records(v) if f.number(p.get("layer")) is not None]
        for m, v in section(summary, "probes").items()
    }
    probes = {m: v for m, v in probes.items() if v}
    depth = max((int(p["layer"]) for v in probes.values() for p in v), default=-1)
    headers = ["network"] + ["input" if i == 0 else f"layer {i}" for i in range(depth + 1)]
    rows = []
    for model, layers in probes.items():
        by_layer = {int(p["layer"]): p for p in layers}
        cells = [cell(names.get(model, model))]
        for i in range(depth + 1):
            p = by_layer.get(i, {})
            width = f"{f.count(p.get('features'))} features" if p else ""
            cells.append(cell(f.score(p.get("mean"), metric) if p else "", p.get("mean"), width))
        rows.append(row(cells))
    return {
        "table": table(headers, rows) if rows else None,
        "figure": figures.probes(probes, names, metric, _palette(names)) if probes else None,
    }


def robustness(summary: dict[str, Any], names: dict[str, str], metric: str) -> dict[str, Any]:
    """Test score clean, under input noise and with missing values, and the mean loss."""
    rows_in = {m: v for m, v in section(summary, "robustness").items() if isinstance(v, dict)}
    rows = []
    for model, v in rows_in.items():
        cells = [cell(names.get(model, model))]
        for key in ("clean", "noise", "missing"):
            cells.append(cell(f.score(v.get(key), metric), v.get(key)))
        for key in ("noise_drop", "missing_drop"):
            drops = [x for x in (f.number(d) for d in as_list(v.get(key))) if x is not None]
            mean = sum(drops) / len(drops) if drops else None
            cells.append(cell(f.diff(mean, metric), mean))
        rows.append(row(cells, mark=model == _recommended(summary)))
    headers = ["model", "clean", "noise", "missing", "loss under noise", "loss with missing"]
    config = section(summary, "config")
    noise, missing = f.number(config.get("noise")), f.number(config.get("missing"))
    setting = ""
    if noise is not None and missing is not None:
        setting = (
            f"Noise: Gaussian noise of {noise:g} training standard deviations added to every "
            f"standardised input. Missing: {missing:.0%} of input values removed and replaced "
            "by the training mean. Loss = clean score minus perturbed score, mean over seeds."
        )
    return {
        "table": table(headers, rows) if rows else None,
        "figure": figures.robustness(rows_in, names, metric) if rows_in else None,
        "setting": setting,
    }
