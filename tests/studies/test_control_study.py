"""The depth study on control (``depthlab study PLANT``): a tiny study end to end on the known
linear plant, its recommendation, resuming a killed study, bit-identical results for a fixed
seed, one-line errors and no network access."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from depthlab.studies.control import ControlPlan, make_plan, run_control_study
from depthlab.studies.control.run import Record, run_in_process
from depthlab.studies.plan.job import Job
from depthlab.studies.store import open_store

Run = Callable[..., Any]
MODELS = ("arx", "n4sid", "narx:shallow", "narx:deep")


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError(f"network access attempted: {args}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def tiny(plant: str = "linear", **kwargs: Any) -> ControlPlan:
    """The quick plan of *plant* with 2 seeds, 4 models and a few training steps."""
    plan = make_plan(plant, quick=True, seeds=2, **kwargs)
    training = replace(plan.training, max_steps=30, eval_every=10, batch_size=16)
    return replace(plan, models=MODELS, training=training)


def interrupted(after: int) -> Callable[[Sequence[Job], ControlPlan, Path, Record], None]:
    """A runner that records *after* jobs, then is interrupted (as Ctrl-C would)."""

    def run(jobs: Sequence[Job], plan: ControlPlan, cache: Path, record: Record) -> None:
        run_in_process(jobs[:after], plan, cache, record)
        raise KeyboardInterrupt

    return run


def scores(folder: Path) -> dict[str, Any]:
    """Every job's test scores (seconds left out: they are the machine's, not the seed's)."""
    return {job.key: result.test for job, result in open_store(folder).results()}


def values(summary: dict[str, Any]) -> dict[str, Any]:
    """The summary's per-seed values of every metric but the seconds."""
    return {
        model: [{k: v for k, v in row["values"].items() if k != "train_seconds"} for row in rows]
        for model, rows in summary["identification"].items()
    }


@pytest.fixture(scope="module")
def whole(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("whole")
    run_control_study(tiny(), folder)
    return folder


def test_tiny_study_on_the_linear_plant_recommends_arx(whole: Path) -> None:
    summary = json.loads((whole / "summary.json").read_text())
    plan = summary["plan"]
    assert plan["fractions"] == [0.25, 1.0] and plan["seeds"] == [0, 1]
    assert len(plan["jobs"]) == len(MODELS) * 2 * 2 and summary["control"] is None
    arx = summary["identification"]["arx"][-1]
    assert arx["n_train"] == 10 and len(arx["values"]["free_run_rmse"]) == 2
    assert arx["mean"]["free_run_rmse"] < 1e-8 and arx["mean"]["fit_index"] > 99.99
    recommendation = summary["recommendation"]["identification"]
    assert recommendation["model"] == "arx" and recommendation["tier"] == "linear"
    assert recommendation["text"].startswith("a linear model is enough for this plant")
    claims = {c["claim"]: c for c in summary["claims"]}
    assert claims["networks beat linear models on this plant"]["verdict"] == "contradicted"
    verdicts = {c["verdict"] for c in claims.values()}
    assert verdicts <= {"supported", "contradicted", "inconclusive"}
    assert set(summary["traces"]) == {"linear", "shallow", "deep"}


def test_report_is_self_contained(whole: Path) -> None:
    from depthlab.report.control import write_control_report

    summary = json.loads((whole / "summary.json").read_text())
    write_control_report(summary, whole / "report.html")
    page = (whole / "report.html").read_text()
    assert "a linear model is enough for this plant" in page
    assert page.count("data:image/png;base64,") == 2  # learning curves, free runs
    assert "http://" not in page and "https://" not in page


def test_killed_study_resumes_to_the_same_jobs_and_results(whole: Path, tmp_path: Path) -> None:
    with pytest.raises(KeyboardInterrupt):
        run_control_study(tiny(), tmp_path, runner=interrupted(5))
    assert len(open_store(tmp_path).done_keys()) == 5
    resumed = run_control_study(tiny(), tmp_path)
    assert open_store(tmp_path).done_keys() == open_store(whole).done_keys()
    assert scores(tmp_path) == scores(whole)  # bit-identical: same seeds, same numbers
    first = json.loads((whole / "summary.json").read_text())
    assert values(resumed.summary) == values(first)
    assert resumed.summary["recommendation"]["identification"]["model"] == "arx"


def test_another_first_seed_gives_other_data(tmp_path: Path, whole: Path) -> None:
    other = run_control_study(tiny(first_seed=5), tmp_path)
    assert other.summary["plan"]["seeds"] == [5, 6]
    first = json.loads((whole / "summary.json").read_text())
    assert values(other.summary) != values(first)


def test_worker_processes_give_the_same_scores(whole: Path, tmp_path: Path) -> None:
    plan = replace(tiny(), models=("arx", "narx:shallow"))
    run_control_study(plan, tmp_path, workers=2)
    mine = scores(tmp_path)
    assert len(mine) == 8
    assert mine == {key: value for key, value in scores(whole).items() if key in mine}


def test_a_folder_holds_one_study(whole: Path) -> None:
    from depthlab.errors import ConfigError

    with pytest.raises(ConfigError, match="other settings"):
        run_control_study(replace(tiny(), models=("arx", "n4sid")), whole)


def test_cli_runs_the_control_study_and_re_renders(
    cli: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import depthlab.studies.control as control

    monkeypatch.setattr(control, "make_plan", lambda plant, **kw: tiny(plant))
    out = tmp_path / "linear"
    result = cli("study", "linear", "--quick", "--workers", "1", "--out", str(out))
    assert result.code == 0, result.err
    assert "control study plan" in result.err
    assert "recommendation: a linear model is enough for this plant" in result.out
    assert "arx" in result.out and "claims" in result.out
    (out / "report.html").unlink()
    again = cli("report", str(out))
    assert again.code == 0, again.err
    assert (out / "report.html").is_file() and "recommendation:" in again.out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("study", "linear", "--models", "arx"), "--models does not apply to the control study"),
        (("study", "linear", "--epochs", "3", "--tune", "2"), "--epochs, --tune do not apply"),
        (("study", "linear", "--seeds", "1"), "--seeds must be at least 2"),
        (("study", "pendulm", "--quick"), "unknown plant 'pendulm'"),
    ],
)
def test_bad_input_gives_a_one_line_error(
    cli: Run, tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    result = cli(*args, "--out", str(tmp_path / "s"))
    assert result.code != 0
    assert message in result.err, result.err
    assert "Traceback" not in result.err and len(result.err.strip().splitlines()) == 1
    assert not (tmp_path / "s").exists()


def test_dry_run_prints_the_plan_and_runs_nothing(cli: Run, tmp_path: Path) -> None:
    result = cli("study", "pendulum", "--dry-run", "--out", str(tmp_path / "s"))
    assert result.code == 0, result.err
    assert "control study plan" in result.err and "jobs      82" in result.err
    assert "Pendulum-v1" in result.err and not (tmp_path / "s").exists()
