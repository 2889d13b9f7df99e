"""A study folder written before job results were versioned records still loads: its store's
rows read as version-0 records, and re-rendering gives the summary it was written with."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from depthlab.depth_study import report
from depthlab.errors import DataError
from depthlab.studies.plan.job import Job
from depthlab.studies.record import RESULT_VERSION, JobResult
from depthlab.studies.store import open_store

FIXTURE = Path(__file__).parent / "data" / "iris_v0"


def test_an_old_study_folder_renders_the_summary_it_was_written_with(tmp_path: Path) -> None:
    folder = tmp_path / "iris"
    shutil.copytree(FIXTURE, folder)
    stored = json.loads((FIXTURE / "summary.json").read_text())
    result = report(folder)
    # Measurements added since are computed from the same rows; the decisions follow today's
    # rule (a practical margin, issue 20); every measurement is unchanged.
    added = {"underfitting"}
    decided = {"recommendation", "claims"}
    assert {k: v for k, v in result.summary.items() if k not in added | decided} == {
        k: v for k, v in stored.items() if k not in decided
    }
    assert set(result.summary) - set(stored) == added
    assert result.summary["recommendation"]["model"] == stored["recommendation"]["model"]
    assert [c["claim"] for c in result.summary["claims"]] == [c["claim"] for c in stored["claims"]]
    # That study's short budgets left both MLPs below logistic regression on training data.
    flagged = {flag["model"]: flag for flag in result.summary["underfitting"]}
    assert set(flagged) == {"mlp:shallow", "mlp:deep"}
    assert flagged["mlp:deep"]["train"] == pytest.approx(0.9263, abs=1e-4)
    rewritten = json.loads((folder / "summary.json").read_text())
    assert rewritten["scores"] == stored["scores"] and rewritten["models"] == stored["models"]
    page = (folder / "report.html").read_text()
    assert "logistic regression" in page and 'id="interpretability"' in page


def test_old_rows_are_version_0_records_and_new_rows_are_current(tmp_path: Path) -> None:
    folder = tmp_path / "iris"
    shutil.copytree(FIXTURE, folder)
    rows = open_store(folder, must_exist=True).results()
    assert len(rows) == 21 and all(r.version == 0 for _, r in rows)
    deep = next(r for j, r in rows if j.key == "mlp:deep/f1/s0")
    assert deep.probes is not None and deep.robustness is not None
    assert deep.interpret is not None and deep.interpret.method == "integrated-gradients"
    store = open_store(folder)
    store.record(Job("fit", "logistic", 1.0, 9), deep)
    with sqlite3.connect(folder / "study.sqlite") as db:
        (raw,) = db.execute("SELECT result FROM results WHERE key = 'logistic/f1/s9'").fetchone()
    again = JobResult.load(json.loads(raw))
    assert again == deep  # a record round-trips through the store unchanged


def test_a_record_from_a_newer_depthlab_is_refused() -> None:
    with pytest.raises(DataError, match="newer depthlab"):
        JobResult.load({"version": RESULT_VERSION + 1, "status": "done"})
    assert JobResult.new({"status": "failed", "error": "x"}).to_json() == {
        "version": RESULT_VERSION,
        "status": "failed",
        "error": "x",
    }
