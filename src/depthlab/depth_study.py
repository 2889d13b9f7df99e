"""``dl.study`` and ``depthlab report``: a depth study and its report, in one folder.

The study (:mod:`depthlab.studies`) plans, runs and analyses; this module, above both, adds the
report: the folder then holds ``study.sqlite`` (settings and every job's result),
``summary.json`` and a self-contained ``report.html``, and the terminal shows the summary.
Running the same study again skips the jobs already done.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from depthlab.config import StudyConfig
from depthlab.report.html import write_report
from depthlab.studies.run import StudyResult, run_study, study_config, summarise_folder
from depthlab.studies.summary import print_summary

__all__ = ["StudyResult", "report", "study"]


def study(
    data: str | Path,
    config: StudyConfig | dict[str, Any] | str | Path | None = None,
    *,
    out: str | Path = "study",
    workers: int | None = None,
    quick: bool | None = None,
    command: str | None = None,
    executor: str = "local",
    ray_address: str | None = None,
) -> StudyResult:
    """Run the depth study of *data* (a built-in name or a path) into the folder *out*.

    Example:
        >>> import depthlab as dl
        >>> result = dl.study("iris", quick=True, out="runs/iris-study")  # doctest: +SKIP
        >>> result.recommendation["label"]  # doctest: +SKIP
        'logistic regression'

    *executor* ``ray`` runs the jobs as Ray tasks on the cluster at *ray_address* (see
    :mod:`depthlab.studies.ray_executor`); the results and the folder are the same.
    """
    result = run_study(
        str(data),
        study_config(config, quick=quick),
        out=Path(out),
        workers=workers,
        command=command,
        executor=executor,
        ray_address=ray_address,
    )
    return _with_report(result)


def report(folder: str | Path) -> StudyResult:
    """Re-render summary.json and report.html from a study folder's store.

    Example:
        >>> import depthlab as dl
        >>> from depthlab.depth_study import report
        >>> report("runs/iris-study").recommendation["label"]  # doctest: +SKIP
        'logistic regression'
    """
    return _with_report(summarise_folder(folder))


def _with_report(result: StudyResult) -> StudyResult:
    """Write report.html beside summary.json and print the terminal summary."""
    write_report(result.summary, result.report)
    print_summary(result.summary, result.folder)
    return result
