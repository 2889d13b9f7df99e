"""Canvas plumbing shared by the report's figures: an Agg figure without pyplot, its PNG data
URI, model colours, log axes and error bars. matplotlib is imported inside the functions."""

from __future__ import annotations

import base64
import io
from typing import TYPE_CHECKING, Any

from depthlab.report.fmt import is_percent, number

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

DPI = 100  # small files: the report embeds every image
# matplotlib's tab10, spelled out so a model keeps its colour in every figure without matplotlib.
TAB10 = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
)  # fmt: skip


def colours(ids: list[str]) -> dict[str, str]:
    """One colour per model id, in the order given; a variant (``mlp:deep+noreg``) shares its
    base model's colour."""
    out: dict[str, str] = {}
    for model in ids:
        base = model.split("+", 1)[0]
        if base in out:
            out[model] = out[base]
        else:
            out[model] = TAB10[len(set(out.values())) % len(TAB10)]
    return out


def new_figure(
    width: float = 7.0, height: float = 3.4, ncols: int = 1
) -> tuple[Figure, list[Axes]]:
    """A figure of *ncols* axes side by side on an Agg canvas, light grid, no top/right spines."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, ncols, squeeze=False)[0]
    for ax in axes:
        ax.grid(True, alpha=0.3)
        ax.spines[["top", "right"]].set_visible(False)
    return fig, list(axes)


def to_uri(fig: Figure) -> str:
    """*fig* as a PNG data URI, then cleared."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI)
    # Drop the artists now rather than at garbage collection: a report draws several figures.
    fig.clear()
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def log_x(ax: Axes, values: list[float], ticks_at_values: bool = False) -> None:
    """A log x axis that reads as plain numbers. matplotlib labels the minor ticks of a range
    under a decade wide and their labels overlap; label them only where the range is narrow."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    ax.set_xscale("log")
    plain = FuncFormatter(lambda v, _: f"{v:,.0f}" if v >= 10 else f"{v:g}")
    if ticks_at_values:
        ax.set_xticks(sorted(set(values)))
    ax.xaxis.set_major_formatter(plain)
    narrow = bool(values) and max(values) / min(values) < 30
    if narrow and not ticks_at_values:
        ax.xaxis.set_minor_locator(LogLocator(subs=(2.0, 5.0)))
        ax.xaxis.set_minor_formatter(plain)
    else:
        ax.xaxis.set_minor_formatter(NullFormatter())


def clip(values: list[float], metric: str) -> list[float]:
    """*values* (in percent) clipped to [0, 100] for a percentage metric."""
    # Intervals of a bounded metric can poke past 100% (t intervals over few seeds); the axis
    # should not suggest scores that cannot happen.
    return [min(max(v, 0.0), 100.0) for v in values] if is_percent(metric) else values


def scale_of(metric: str) -> float:
    """The factor from a metric value to its plotted value (100 for percentages)."""
    return 100.0 if is_percent(metric) else 1.0


def axis_label(metric: str) -> str:
    """The y label of a test-score axis."""
    return f"test {metric} (%)" if is_percent(metric) else f"test {metric}"


def err(mean: float, lo: Any, hi: Any, scale: float) -> tuple[float, float]:
    """Error-bar lengths below and above *mean*; zero where an end of the interval is missing."""
    low, high = number(lo), number(hi)
    below = 0.0 if low is None else max(0.0, mean - low * scale)
    above = 0.0 if high is None else max(0.0, high * scale - mean)
    return below, above


def grouped_bars(
    ax: Axes,
    groups: list[str],
    series: list[str],
    values: dict[tuple[str, str], tuple[float, float, float]],
) -> None:
    """Bars of *series* side by side within each of *groups*; *values* maps (group, series) to
    (height, error below, error above)."""
    width = 0.8 / max(len(series), 1)
    for j, name in enumerate(series):
        xs = [
            i + (j - (len(series) - 1) / 2) * width
            for i, g in enumerate(groups)
            if (g, name) in values
        ]
        cells = [values[(g, name)] for g in groups if (g, name) in values]
        errors = [[c[1] for c in cells], [c[2] for c in cells]]
        ax.bar(
            xs,
            [c[0] for c in cells],
            width=width,
            color=TAB10[j % len(TAB10)],
            label=name,
            yerr=errors if any(map(any, errors)) else None,
            capsize=2,
        )
    ax.set_xticks(range(len(groups)), groups, fontsize=8, rotation=15, ha="right")
    # Above the axes: inside, the legend would cover the tallest bars.
    ax.legend(
        fontsize=8, frameon=False, ncols=len(series), loc="lower center", bbox_to_anchor=(0.5, 1.0)
    )
