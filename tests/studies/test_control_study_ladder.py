"""The control ladder of the control study on the gymnasium pendulum: the expert as reference,
the linear / shallow / deep policies cloned from it, evaluated in closed loop (tiny budgets)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from depthlab.studies.control import Imitation, make_plan, run_control_study

pytest.importorskip("gymnasium")
pytest.importorskip("control")


def test_pendulum_study_has_a_control_ladder_and_its_claim(tmp_path: Path) -> None:
    plan = make_plan("pendulum", quick=True, seeds=2)
    assert plan.imitation is not None and plan.metric == "nrmse_10"
    tiny = Imitation("Pendulum-v1", expert_episodes=1, dagger=1, dagger_episodes=1, epochs=3)
    training = replace(plan.training, max_steps=10, eval_every=5)
    plan = replace(plan, models=("arx", "narx:shallow", "narx:deep"), training=training)
    plan = replace(plan, imitation=replace(tiny, episodes=2))
    summary = run_control_study(plan, tmp_path).summary
    control = summary["control"]
    assert list(control["controllers"]) == ["expert", "linear", "mlp:shallow", "mlp:deep"]
    expert = control["controllers"]["expert"]
    assert expert["values"]["mean_return"][0] > -400  # the energy-shaping + LQR expert swings up
    deep = control["controllers"]["mlp:deep"]
    assert len(deep["values"]["mean_return"]) == 2 and deep["mean"]["transitions"] == 400
    assert len(deep["episode"]["obs"]) == 201 and len(deep["episode"]["actions"]) == 200
    claims = {c["claim"]: c for c in summary["claims"]}
    assert "a deep policy controls better than a linear one" in claims
    assert summary["recommendation"]["control"]["policy"] in ("linear", "mlp:shallow", "mlp:deep")
    from depthlab.report.control import write_control_report

    write_control_report(summary, tmp_path / "report.html")
    page = (tmp_path / "report.html").read_text()
    assert page.count("data:image/png;base64,") == 3 and "Control in closed loop" in page
    assert json.loads((tmp_path / "summary.json").read_text())["plan"]["imitation"]["episodes"] == 2
