"""The report's figures: one function per figure, each returning a PNG data URI (or None when
the summary holds nothing to draw), so the page embeds every image and opens offline.

matplotlib is imported inside the functions: ``import depthlab`` must stay light. Figures are
built with the object-oriented API on an Agg canvas rather than through pyplot, so rendering a
report never switches the backend of the caller's process (a notebook's inline backend stays)
and leaves no figure registered in pyplot's global list.

Example:
    >>> uri = learning_curves(summary["scores"], {"mlp:deep": "deep MLP"}, "accuracy")
    >>> uri is None or uri.startswith("data:image/png;base64,")
    True
"""

from __future__ import annotations

from typing import Any

from depthlab.report import canvas
from depthlab.report.fmt import is_percent, number
from depthlab.report.tables import as_dict


def learning_curves(
    scores: dict[str, list[dict[str, Any]]],
    labels: dict[str, str],
    metric: str,
    palette: dict[str, str] | None = None,
) -> str | None:
    """Test score against training examples (log x), one line per model, 95% CI bands."""
    fig, (ax,) = canvas.new_figure()
    scale, drawn, sizes = canvas.scale_of(metric), 0, []
    palette = {**canvas.colours(list(scores)), **(palette or {})}
    for model, curve in scores.items():
        points = [
            p for p in curve if number(p.get("n_train")) and number(p.get("mean")) is not None
        ]
        if not points:
            continue
        xs = [float(p["n_train"]) for p in points]
        sizes += xs
        ys = [float(p["mean"]) * scale for p in points]
        colour = palette[model]
        ax.plot(xs, ys, marker="o", color=colour, label=labels.get(model, model))
        bands = [(x, p["lo"], p["hi"]) for x, p in zip(xs, points, strict=True)]
        bands = [b for b in bands if number(b[1]) is not None and number(b[2]) is not None]
        if len(bands) > 1:
            ax.fill_between(
                [b[0] for b in bands],
                canvas.clip([b[1] * scale for b in bands], metric),
                canvas.clip([b[2] * scale for b in bands], metric),
                color=colour,
                alpha=0.15,
                linewidth=0,
            )
        drawn += 1
    if not drawn:
        return None
    canvas.log_x(ax, sizes, ticks_at_values=True)
    if len(set(sizes)) == 1:  # one training size: centre it rather than pin it to an edge
        ax.set_xlim(sizes[0] / 2, sizes[0] * 2)
    ax.set_xlabel("training examples (log scale)")
    ax.set_ylabel(canvas.axis_label(metric))
    ax.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False)
    return canvas.to_uri(fig)


def pareto(
    points: dict[str, dict[str, Any]],
    fronts: dict[str, list[str]],
    labels: dict[str, str],
    metric: str,
    palette: dict[str, str] | None = None,
) -> str | None:
    """Final test score against training time and against latency (log x); the models on each
    Pareto front are ringed and joined.

    *points* maps a model id to ``{"score", "train_seconds", "latency_ms_batch1"}``.
    """
    panels = (
        ("train_time", "train_seconds", "training time (s, log scale)"),
        ("latency", "latency_ms_batch1", "latency, batch of 1 (ms, log scale)"),
    )
    fig, axes = canvas.new_figure(width=9.0, height=3.6, ncols=2)
    scale, drawn = canvas.scale_of(metric), 0
    palette = {**canvas.colours(list(points)), **(palette or {})}
    for ax, (front_key, cost_key, xlabel) in zip(axes, panels, strict=True):
        usable = {
            m: (float(p[cost_key]), float(p["score"]) * scale)
            for m, p in points.items()
            if (number(p.get(cost_key)) or 0) > 0 and number(p.get("score")) is not None
        }
        for model, (x, y) in usable.items():
            ax.scatter([x], [y], color=palette[model], s=36, zorder=3)
            ax.annotate(
                labels.get(model, model),
                (x, y),
                fontsize=7,
                xytext=(4, 3),
                textcoords="offset points",
            )
        front = sorted(usable[m] for m in fronts.get(front_key, []) if m in usable)
        if front:
            ax.plot(
                [x for x, _ in front],
                [y for _, y in front],
                color="black",
                lw=1,
                zorder=2,
                label="Pareto front",
            )
            ax.scatter(
                [x for x, _ in front],
                [y for _, y in front],
                s=110,
                facecolors="none",
                edgecolors="black",
                linewidths=1.2,
                zorder=4,
            )
            ax.legend(fontsize=8, frameon=False, loc="lower right")
        drawn += len(usable)
        canvas.log_x(ax, [x for x, _ in usable.values()])
        ax.set_xlabel(xlabel)
        ax.set_ylabel(canvas.axis_label(metric))
    return canvas.to_uri(fig) if drawn else None


def gaps(
    gap_rows: dict[str, dict[str, Any]],
    labels: dict[str, str],
    metric: str,
    palette: dict[str, str] | None = None,
) -> str | None:
    """Train-test gap per model (horizontal bars) with 95% CI error bars."""
    rows = [
        (m, g) for m, g in gap_rows.items() if number(as_dict(g.get("gap")).get("mean")) is not None
    ]
    if not rows:
        return None
    fig, (ax,) = canvas.new_figure(height=0.9 + 0.32 * len(rows))
    scale, palette = canvas.scale_of(metric), {**canvas.colours(list(gap_rows)), **(palette or {})}
    for i, (model, row) in enumerate(reversed(rows)):
        gap = row["gap"]
        mean = float(gap["mean"]) * scale
        below, above = canvas.err(mean, gap.get("lo"), gap.get("hi"), scale)
        ax.barh(
            [i],
            [mean],
            color=palette[model],
            hatch="//" if "+" in model else None,
            xerr=[[below], [above]],
            capsize=3,
            edgecolor="white",
        )
    ax.set_yticks(range(len(rows)), [labels.get(m, m) for m, _ in reversed(rows)], fontsize=8)
    ax.axvline(0, color="black", lw=0.8)
    unit = " (percentage points)" if is_percent(metric) else ""
    ax.set_xlabel(f"train minus test {metric}{unit}")
    return canvas.to_uri(fig)


def probes(
    probe_rows: dict[str, list[dict[str, Any]]],
    labels: dict[str, str],
    metric: str,
    palette: dict[str, str] | None = None,
) -> str | None:
    """Linear-probe score per layer (0 = raw input), one line per network, 95% CI bands."""
    from matplotlib.ticker import MaxNLocator

    fig, (ax,) = canvas.new_figure()
    scale, drawn = canvas.scale_of(metric), 0
    palette = {**canvas.colours(list(probe_rows)), **(palette or {})}
    for model, layers in probe_rows.items():
        points = [p for p in layers if number(p.get("mean")) is not None]
        if not points:
            continue
        xs = [int(p["layer"]) for p in points]
        colour = palette[model]
        ax.plot(
            xs,
            [p["mean"] * scale for p in points],
            marker="o",
            color=colour,
            label=labels.get(model, model),
        )
        if all(number(p.get("lo")) is not None and number(p.get("hi")) is not None for p in points):
            lo = canvas.clip([p["lo"] * scale for p in points], metric)
            hi = canvas.clip([p["hi"] * scale for p in points], metric)
            ax.fill_between(xs, lo, hi, color=colour, alpha=0.15, linewidth=0)
        drawn += 1
    if not drawn:
        return None
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("layer (0 = raw input)")
    ax.set_ylabel(f"probe {metric} (%)" if is_percent(metric) else f"probe {metric}")
    ax.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False)
    return canvas.to_uri(fig)


def threads(thread_rows: dict[str, dict[str, Any]], labels: dict[str, str]) -> str | None:
    """Training throughput (examples/s, log y) per model and setting (``cpu:1``, ``cpu:2``,
    ``cuda:1``), with 95% CI error bars."""
    values: dict[tuple[str, str], tuple[float, float, float]] = {}
    settings: list[str] = []
    for model, entry in thread_rows.items():
        for setting, raw in as_dict(entry.get("throughput")).items():
            stats = as_dict(raw)
            mean = number(stats.get("mean"))
            if mean is None or mean <= 0:
                continue
            below, above = canvas.err(mean, stats.get("lo"), stats.get("hi"), 1.0)
            # A log axis cannot draw a bar reaching to zero or below: clip the lower error.
            values[(labels.get(model, model), setting)] = (mean, min(below, mean * 0.99), above)
            settings += [] if setting in settings else [setting]
    if not values:
        return None
    groups = [
        labels.get(m, m) for m in thread_rows if any(k[0] == labels.get(m, m) for k in values)
    ]
    fig, (ax,) = canvas.new_figure(height=3.2)
    canvas.grouped_bars(ax, groups, settings, values)
    ax.set_yscale("log")
    ax.set_ylabel("training examples / s (log scale)")
    return canvas.to_uri(fig)


def robustness(rows: dict[str, dict[str, Any]], labels: dict[str, str], metric: str) -> str | None:
    """Test score clean, under input noise and with missing values, grouped per model."""
    scale = canvas.scale_of(metric)
    values: dict[tuple[str, str], tuple[float, float, float]] = {}
    for model, row in rows.items():
        for condition in ("clean", "noise", "missing"):
            value = number(row.get(condition))
            if value is not None:
                values[(labels.get(model, model), condition)] = (value * scale, 0.0, 0.0)
    if not values:
        return None
    groups = [labels.get(m, m) for m in rows if any(k[0] == labels.get(m, m) for k in values)]
    fig, (ax,) = canvas.new_figure(height=3.2)
    canvas.grouped_bars(ax, groups, ["clean", "noise", "missing"], values)
    ax.set_ylabel(canvas.axis_label(metric))
    return canvas.to_uri(fig)


def transfer(models: dict[str, Any], labels: dict[str, str]) -> str | None:
    """Target accuracy against k examples per class (log x): per network, fine-tuned from the
    source task (solid) and trained from scratch (dashed), 95% CI bands."""
    fig, (ax,) = canvas.new_figure()
    palette = canvas.colours(list(models))
    shots: list[float] = []
    for model, curves in models.items():
        for start, style in (("finetuned", "-"), ("scratch", "--")):
            points = [
                p for p in as_dict(curves).get(start) or [] if number(p.get("mean")) is not None
            ]
            if not points:
                continue
            xs = [float(p["k"]) for p in points]
            shots += xs
            name = labels.get(model, model)
            ax.plot(
                xs,
                [100 * float(p["mean"]) for p in points],
                style,
                marker="o",
                color=palette[model],
                label=f"{name}, {'fine-tuned' if start == 'finetuned' else 'from scratch'}",
            )
            bands = [p for p in points if number(p.get("lo")) is not None]
            if len(bands) > 1:
                ax.fill_between(
                    [float(p["k"]) for p in bands],
                    canvas.clip([100 * float(p["lo"]) for p in bands], "accuracy"),
                    canvas.clip([100 * float(p["hi"]) for p in bands], "accuracy"),
                    color=palette[model],
                    alpha=0.12,
                    linewidth=0,
                )
    if not shots:
        return None
    canvas.log_x(ax, shots, ticks_at_values=True)
    if len(set(shots)) == 1:
        ax.set_xlim(shots[0] / 2, shots[0] * 2)
    ax.set_xlabel("target examples per class, k (log scale)")
    ax.set_ylabel("target test accuracy (%)")
    ax.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False)
    return canvas.to_uri(fig)


# One colour per margin label (issue 20): green shades where a cheaper model may be chosen.
LABEL_COLOURS = {
    "better": "#1b7837",
    "equivalent": "#5aae61",
    "not worse": "#4393c3",
    "worse": "#d6604d",
    "undecided": "#878787",
}


def forest(points: list[dict[str, Any]], delta: float | None, metric: str) -> str | None:
    """Each model's difference from the best with its interval (a forest plot), the practical
    margin drawn as a band at -delta..+delta and 0 as a line; each row names its label.

    *points* are ``{"name", "diff", "lo", "hi", "label"}``, positive favouring the model.
    """
    rows = [p for p in points if number(p.get("diff")) is not None]
    if not rows:
        return None
    scale = canvas.scale_of(metric)
    fig, (ax,) = canvas.new_figure(height=1.0 + 0.34 * len(rows))
    if delta:
        ax.axvspan(-delta * scale, delta * scale, color="#bbbbbb", alpha=0.35, lw=0)
    ax.axvline(0, color="black", lw=0.8)
    for i, p in enumerate(reversed(rows)):
        mean = float(p["diff"]) * scale
        below, above = canvas.err(mean, p.get("lo"), p.get("hi"), scale)
        colour = LABEL_COLOURS.get(str(p.get("label")), LABEL_COLOURS["undecided"])
        has_interval = number(p.get("lo")) is not None and number(p.get("hi")) is not None
        ax.errorbar(
            [mean],
            [i],
            xerr=[[below], [above]] if has_interval else None,
            fmt="o" if has_interval else "x",  # x: one seed, no interval
            color=colour,
            capsize=3,
        )
    ticks = [f"{p['name']} ({p.get('label') or 'undecided'})" for p in reversed(rows)]
    ax.set_yticks(range(len(rows)), ticks, fontsize=8)
    ax.set_ylim(-0.6, len(rows) - 0.4)
    unit = " (points)" if is_percent(metric) else ""
    ax.set_xlabel(f"model minus the best, {metric}{unit}")
    return canvas.to_uri(fig)
