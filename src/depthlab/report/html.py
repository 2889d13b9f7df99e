"""The study report: one self-contained HTML file (figures inline as data URIs, CSS and script
inline, nothing fetched from the network), rendered from the study summary with Jinja2.

Example:
    >>> import json
    >>> from pathlib import Path
    >>> from depthlab.report.html import write_report
    >>> summary = json.loads(Path("study/summary.json").read_text())
    >>> write_report(summary, Path("study/report.html"))
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING, Any

from depthlab.report.context import build_context

if TYPE_CHECKING:
    import jinja2

TEMPLATE = "report.html.j2"


@functools.cache
def jinja_environment() -> jinja2.Environment:
    import jinja2

    return jinja2.Environment(
        loader=jinja2.PackageLoader("depthlab.report", "templates"),
        # Every text comes from the summary (dataset names, error messages, user data paths):
        # escape it all. select_autoescape would miss the ".html.j2" suffix, so say it plainly.
        autoescape=True,
        # A misspelt name in the template fails the render instead of printing nothing.
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render(summary: dict[str, Any]) -> str:
    """The report page for *summary* (a study's ``summary.json``) as an HTML string.

    Parts of the summary that are missing or empty (older studies, studies without probes or
    thread timings) render as a short "not measured" line.
    """
    return jinja_environment().get_template(TEMPLATE).render(**build_context(summary))


def write_report(summary: dict[str, Any], path: Path) -> None:
    """Write the self-contained HTML report of *summary* to *path* (UTF-8).

    The file embeds every figure and style and references nothing on the network, so it opens
    offline and can be mailed or archived as it is.
    """
    page = render(summary)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")
