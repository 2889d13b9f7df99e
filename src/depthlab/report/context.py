"""From the study summary to the template's context: the summary, claims, hardware, features,
failures and environment sections here, the measured ones in :mod:`depthlab.report.results`.

Example:
    >>> ctx = build_context(json.loads(Path("summary.json").read_text()))
    >>> [s["id"] for s in ctx["toc"]][:3]
    ['summary', 'claims', 'scores']
"""

from __future__ import annotations

import json
from typing import Any

from depthlab.report import figures, results
from depthlab.report import fmt as f
from depthlab.report.certainty import certainty
from depthlab.report.interpret import interpretability
from depthlab.report.pretrained import pretrained
from depthlab.report.tables import (
    as_dict,
    as_list,
    badge,
    cell,
    items,
    labels,
    records,
    row,
    section,
    table,
)
from depthlab.report.tuning import tuning

# (id, title) of every section, in page order; the ids are stable (tests and links use them).
SECTIONS = (
    ("summary", "Summary"),
    ("claims", "Claims checked"),
    ("certainty", "How sure is this?"),  # only where the summary holds the margin's comparisons
    ("scores", "Scores and learning curves"),
    ("tuning", "Preset against tuned"),
    ("cost", "Cost"),
    ("overfitting", "Overfitting"),
    ("representations", "Representations"),
    ("hardware", "Hardware scaling"),
    ("robustness", "Robustness"),
    ("mistakes", "Mistakes and forecasts"),
    ("features", "Engineered features"),
    ("interpretability", "Interpretability"),
    ("transfer", "Transfer"),
    ("failures", "Failures"),
    ("environment", "Environment"),
)
NOT_YET = "not measured yet: added by the explain / transfer capability"
NO_GPU = ("", "none", "None", "cpu")
KEYS = {"memory_gib": "memory (GiB)", "cores": "CPU cores", "cpu": "CPU", "gpu": "GPU"}


def build_context(summary: dict[str, Any]) -> dict[str, Any]:
    """Everything the template shows, as plain strings, tables and figure data URIs."""
    metric = str(summary.get("metric") or section(summary, "data").get("metric") or "score")
    names = labels(summary)
    data = section(summary, "data")
    sure = certainty(summary, names, metric)
    return {
        "title": f"depth study: {data.get('name', 'unnamed data')}",
        "toc": [{"id": i, "title": t} for i, t in SECTIONS if i != "certainty" or sure],
        "overview": overview(summary, names, metric),
        "claims": claims(summary),
        "certainty": sure,
        "scores": results.scores(summary, names, metric),
        "tuning": tuning(summary, names),
        "cost": results.cost(summary, names, metric),
        "overfitting": results.overfitting(summary, names, metric),
        "representations": results.representations(summary, names, metric),
        "hardware": hardware(summary, names),
        "robustness": results.robustness(summary, names, metric),
        "mistakes": mistakes(summary, names),
        "features": features(summary),
        "interpretability": interpretability(summary, names),
        "transfer": transfer(summary),
        "not_yet": NOT_YET,
        "failures": failures(summary),
        "environment": environment(summary),
    }


def _join(values: Any, limit: int = 12) -> str:
    if not isinstance(values, list) or not values:
        return f.MISSING
    shown = ", ".join(str(v) for v in values[:limit])
    return shown + (f", ... ({len(values)} in all)" if len(values) > limit else "")


def overview(summary: dict[str, Any], names: dict[str, str], metric: str) -> dict[str, Any]:
    """The data, the plan, the progress and the recommendation."""
    data, plan = section(summary, "data"), section(summary, "plan")
    progress, rec = section(summary, "progress"), section(summary, "recommendation")
    split = (
        f"{f.count(data.get('n_train'))} train / {f.count(data.get('n_val'))} validation / "
        f"{f.count(data.get('n_test'))} test ({data.get('split', 'split unknown')})"
    )
    classes = data.get("classes")
    facts = [
        (
            "dataset",
            f"{data.get('name', f.MISSING)} ({data.get('modality', '?')}, {data.get('task', '?')})",
        ),
        ("examples", f.count(data.get("examples"))),
        ("split", split),
        (
            "classes",
            f"{len(classes)}: {_join(classes)}"
            if isinstance(classes, list) and classes
            else "none (regression)",
        ),
        ("metric", metric),
        (
            "models",
            _join([names.get(str(m), str(m)) for m in as_list(plan.get("models"))], limit=20),
        ),
        ("training fractions", _join([f.fraction(x) for x in as_list(plan.get("fractions"))])),
        ("seeds", _join(plan.get("seeds"))),
        ("jobs done", f"{f.count(progress.get('done'))} of {f.count(progress.get('planned'))}"),
        ("quick mode", "yes" if plan.get("quick") else "no"),
        ("significance level", str(plan.get("alpha", f.MISSING))),
    ]
    done, planned = f.number(progress.get("done")), f.number(progress.get("planned"))
    candidates = [names.get(str(m), str(m)) for m in as_list(rec.get("candidates"))]
    return {
        "facts": facts,
        "partial": done is not None and planned is not None and done < planned,
        "recommendation": str(rec.get("text") or ""),
        "recommended": names.get(str(rec.get("model")), "") if rec.get("model") else "",
        "by": str(rec.get("by") or plan.get("recommend_by") or ""),
        "candidates": ", ".join(candidates),
        "underfitting": [
            str(flag.get("text")) for flag in records(summary.get("underfitting")) if flag
        ],
    }


def claims(summary: dict[str, Any]) -> dict[str, Any]:
    """The claim check: one row per claim with its verdict badge."""
    rows = []
    for c in items(summary, "claims"):
        if not isinstance(c, dict):
            continue
        verdict = str(c.get("verdict") or "inconclusive")
        rows.append(
            row(
                [
                    cell(c.get("claim", "")),
                    cell(c.get("measure", "")),
                    cell(verdict, badge=badge(verdict)),
                    cell(c.get("evidence", "")),
                    cell(c.get("test") or f.MISSING),
                ]
            )
        )
    counts = {
        v: sum(r["cells"][2]["badge"] == v for r in rows)
        for v in ("supported", "contradicted", "inconclusive")
    }
    headers = ["claim", "what was measured", "verdict", "evidence", "test"]
    return {"table": table(headers, rows) if rows else None, "counts": counts}


def hardware(summary: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    """Training throughput per thread count (and device), the speed-ups, and the GPU line."""
    entries = {m: e for m, e in section(summary, "threads").items() if isinstance(e, dict)}
    settings = sorted({s for e in entries.values() for s in as_dict(e.get("throughput"))})
    rows, gpu_lines = [], []
    for model, e in entries.items():
        name = names.get(model, str(e.get("label") or model))
        cells = [cell(name)]
        for s in settings:
            t = as_dict(as_dict(e.get("throughput")).get(s))
            ci = f"[{f.count(t.get('lo'))}, {f.count(t.get('hi'))}]" if "lo" in t else ""
            cells.append(cell(f.count(t.get("mean")), t.get("mean"), ci))
        for key in ("thread_speedup", "gpu_speedup"):
            cells.append(_speedup_cell(e.get(key), with_threads=key == "thread_speedup"))
        rows.append(row(cells))
        gpu = e.get("gpu_speedup")
        if isinstance(gpu, dict):
            speedup = _speedup_cell(gpu, with_threads=False)
            gpu_lines.append(
                f"GPU speed-up, {name}: {speedup['text']} {speedup['sub']} over one CPU thread"
            )
    headers = ["model", *(f"{s} (examples/s)" for s in settings), "thread speed-up", "GPU speed-up"]
    gpu_name = str(section(summary, "environment").get("gpu") or "")
    if not gpu_lines:
        gpu_lines = [
            "GPU speed-up: not measured: no GPU"
            if gpu_name in NO_GPU
            else f"GPU speed-up: not measured (a GPU, {gpu_name}, was present but not timed)"
        ]
    return {
        "table": table(headers, rows) if rows else None,
        "figure": figures.threads(entries, names) if entries else None,
        "gpu": gpu_lines,
    }


def _speedup_cell(s: Any, with_threads: bool) -> dict[str, Any]:
    if not isinstance(s, dict) or f.number(s.get("mean")) is None:
        return cell(f.MISSING)
    ci = ""
    if f.number(s.get("lo")) is not None and f.number(s.get("hi")) is not None:
        ci = f"[{s['lo']:.2f}, {s['hi']:.2f}]"
    threads = f"with {s['threads']} threads" if with_threads and s.get("threads") else ""
    return cell(f"{s['mean']:.2f}x {threads}".strip(), s["mean"], ci)


def mistakes(summary: dict[str, Any], names: dict[str, str]) -> list[dict[str, Any]]:
    """Each model's picture of its predictions (mistaken images, spectrograms or texts,
    forecasts, ratings), the recommended model first."""
    pictures = as_dict(summary.get("mistakes"))
    first = str(as_dict(summary.get("recommendation")).get("model") or "")
    order = sorted(pictures, key=lambda m: (m != first, list(pictures).index(m)))
    out: list[dict[str, Any]] = []
    for model in order:
        shown = as_dict(pictures[model])
        png = str(shown.get("png") or "")
        rows = shown.get("rows")
        if png and not png.startswith("data:image/png;base64,"):
            continue  # only an inline PNG is ever put on the page
        if not png and not isinstance(rows, list):
            continue
        text = str(shown.get("caption") or "")
        if not text and "wrong" in shown:  # studies written before captions
            text = (
                f"{f.count(shown.get('wrong'))} of {f.count(shown.get('total'))} test images wrong"
            )
        table = None
        if isinstance(rows, list):
            header = [str(c) for c in shown.get("columns") or []]
            table = {
                "headers": header,
                "rows": [{"cells": [cell(str(c)) for c in row], "mark": False} for row in rows],
            }
        out.append({"label": names.get(model, model), "png": png, "text": text, "table": table})
    return out


def transfer(summary: dict[str, Any]) -> dict[str, Any] | None:
    """The transfer claim's verdict where the study measured it (a pretrained model)."""
    for claim in as_list(summary.get("claims")):
        if (
            not isinstance(claim, dict)
            or claim.get("claim") != "Deep models suit transfer learning"
        ):
            continue
        evidence = str(claim.get("evidence") or "")
        if evidence.startswith("not measured"):
            return None
        verdict = str(claim.get("verdict") or "inconclusive")
        return {
            "badge": badge(verdict),
            "verdict": verdict,
            "evidence": evidence,
            "test": str(claim.get("test") or ""),
            **fine_tuning(summary),
            **pretrained(summary),
        }
    return None


def fine_tuning(summary: dict[str, Any]) -> dict[str, Any]:
    """The transfer row (studies/analysis/transfer.py): accuracy against k, fine-tuned and from
    scratch, as a figure and a table; empty parts where the study has none (a text study's
    pretrained encoder)."""
    row_in = section(summary, "transfer")
    models = {m: v for m, v in section(row_in, "models").items() if isinstance(v, dict)}
    if not models:
        return {"figure": None, "table": None, "setting": ""}
    names = labels(summary)
    rows = []
    for model, curves in models.items():
        scratch = {p.get("k"): p for p in as_list(curves.get("scratch")) if isinstance(p, dict)}
        for point in as_list(curves.get("finetuned")):
            if not isinstance(point, dict):
                continue
            base = as_dict(scratch.get(point.get("k")))
            tuned, plain = f.number(point.get("mean")), f.number(base.get("mean"))
            gain = None if tuned is None or plain is None else tuned - plain
            rows.append(
                row(
                    [
                        cell(names.get(model, model)),
                        cell(str(point.get("k")), point.get("k")),
                        cell(f.score(tuned, "accuracy"), tuned),
                        cell(f.score(plain, "accuracy"), plain),
                        cell(f.diff(gain, "accuracy"), gain),
                    ]
                )
            )
    headers = ["model", "k per class", "fine-tuned", "from scratch", "gain"]
    setting = (
        f"{row_in.get('description', '')}: pretrained on {row_in.get('source', '?')}, then "
        f"fine-tuned or trained from scratch on k examples per class of "
        f"{row_in.get('target', '?')}; accuracy on the same {f.count(row_in.get('n_test'))} "
        "held-out target examples, mean over seeds."
    )
    return {
        "figure": figures.transfer(models, names),
        "table": table(headers, rows) if rows else None,
        "setting": setting,
    }


def features(summary: dict[str, Any]) -> dict[str, Any] | None:
    """The engineered-features comparison, or None where it was not measured."""
    engineered = summary.get("engineered")
    if not isinstance(engineered, dict) or not engineered:
        return None
    verdict = str(engineered.get("verdict") or "inconclusive")
    return {
        "verdict": verdict,
        "badge": badge(verdict),
        "evidence": str(engineered.get("evidence") or ""),
        "test": str(engineered.get("test") or ""),
    }


def failures(summary: dict[str, Any]) -> list[str]:
    """One line per failed or missing job."""
    lines = []
    for x in items(summary, "failures"):
        if isinstance(x, dict):
            lines.append(f"{x.get('key', '?')}: {x.get('status', '?')}: {x.get('error') or ''}")
        else:
            lines.append(str(x))
    return lines


def environment(summary: dict[str, Any]) -> dict[str, Any]:
    """The manifest: versions, hardware, seeds, the exact command and the date."""
    env, plan = section(summary, "environment"), section(summary, "plan")
    rows = [(KEYS.get(k, k.replace("_", " ")), _plain(v)) for k, v in env.items() if k != "command"]
    rows += [("seeds", _join(plan.get("seeds"))), ("report format", str(summary.get("version")))]
    config = summary.get("config")
    return {
        "command": str(env.get("command") or ""),
        "rows": rows,
        "config": json.dumps(config, indent=2, sort_keys=True) if config else "",
    }


def _plain(value: Any) -> str:
    return json.dumps(value) if isinstance(value, dict | list) else str(value)
