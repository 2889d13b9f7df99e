"""Racing seeds (issue 20): a study adds seeds look by look only to the models whose decision is
undecided and matters. The race itself runs on a store of made-up results (a fake runner records
each job's score, so which comparison is open is known in advance); one real study checks that
the added jobs go through the executor and the store."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from depthlab.config import StudyConfig
from depthlab.studies.plan.job import Job
from depthlab.studies.plan.ladder import Plan, racing_looks
from depthlab.studies.racing import BUDGET, DECIDED, MAX_SEEDS, race, undecided
from depthlab.studies.record import JobResult
from depthlab.studies.run import plan_facts
from depthlab.studies.store import Store, open_store
from depthlab.studies.summary import summarise

Run = Callable[..., Any]
# Test accuracy per model and seed: the shallow MLP is best and dearest; linear is cheaper, its
# difference from the MLP small and noisy (undecided, and more seeds would likely decide it);
# logistic is cheapest and far worse (labelled worse after 3 seeds).
BEST = [0.95, 0.955, 0.945, 0.952, 0.948, 0.951, 0.949, 0.95, 0.95, 0.95]
GAP = [-0.02, 0.015, -0.005, 0.01, -0.012, 0.008, -0.006, 0.004, -0.003, 0.002]
SECONDS = {"logistic": 1.0, "linear": 2.0, "mlp:shallow": 10.0}


def score(model: str, seed: int) -> float:
    if model == "logistic":
        return 0.60 + 0.01 * (seed % 3)
    return BEST[seed] + (GAP[seed] if model == "linear" else 0.0)


def result(job: Job) -> JobResult:
    value = score(job.model, job.seed)
    return JobResult(
        status="done",
        n_train=120,
        train={"accuracy": min(1.0, value + 0.02)},
        test={"accuracy": value},
        cost={"train_seconds": SECONDS[job.model], "latency_ms_batch1": SECONDS[job.model]},
    )


def fake_study(folder: Path, models: tuple[str, ...], **settings: Any) -> tuple[Plan, Store]:
    """A store whose first look (3 seeds at full data) is done, as run_study leaves it."""
    config = StudyConfig.model_validate({"models": models, "fractions": [1.0], **settings})
    seeds = tuple(range(config.first_seed, config.first_seed + racing_looks(config)[0]))
    jobs = tuple(Job("fit", m, 1.0, s) for m in models for s in seeds)
    plan = Plan(config, models, (1.0,), seeds, jobs)
    store = open_store(folder)
    store.set_meta("settings", {"source": "toy", "config": config.model_dump(mode="json")})
    store.set_meta("plan", plan_facts(plan))
    # An official split: the same test set for every seed (no Nadeau-Bengio term).
    data = {"name": "toy", "modality": "tabular", "task": "classification"}
    data.update(metric="accuracy", examples=200, classes=["a", "b"], split="official")
    store.set_meta("data", {**data, "n_train": 120, "n_val": 40, "n_test": 40})
    store.set_meta("environment", {"workers": 1})
    record(store)(list(jobs))
    return plan, store


def record(store: Store, stop_after: int | None = None) -> Callable[[list[Job]], None]:
    """A runner that records each job's made-up result; with *stop_after*, it is interrupted
    (KeyboardInterrupt) once that many jobs are recorded."""
    count = [0]

    def run(jobs: list[Job]) -> None:
        done = store.done_keys()
        for job in jobs:
            if job.key in done:
                continue
            if stop_after is not None and count[0] >= stop_after:
                raise KeyboardInterrupt
            store.record(job, result(job))
            count[0] += 1

    return run


def keys(store: Store) -> set[str]:
    return {job.key for job, _ in store.results()}


def test_racing_adds_seeds_to_the_undecided_pair_only(tmp_path: Path) -> None:
    plan, store = fake_study(tmp_path, ("logistic", "linear", "mlp:shallow"), looks=(3, 5))
    first = summarise(store)
    tests = first["recommendation"]["comparisons"]
    assert first["best"] == "mlp:shallow"
    assert tests["logistic"]["label"] == "worse" and tests["linear"]["label"] == "undecided"
    assert undecided(first) == {"linear": {1.0}, "mlp:shallow": {1.0}}
    racing = race(plan, store, record(store), workers=1)
    assert racing is not None
    assert racing["taken"] == [3, 5] and racing["stopped"] == MAX_SEEDS
    assert racing["seeds"] == {"linear": 5, "logistic": 3, "mlp:shallow": 5}
    assert racing["undecided"] == ["linear"]  # still open at the last look
    assert keys(store) == {j.key for j in plan.jobs} | {
        f"{m}/f1/s{s}" for m in ("linear", "mlp:shallow") for s in (3, 4)
    }
    summary = summarise(store)
    assert summary["racing"] == racing and summary["plan"]["seeds"] == [0, 1, 2, 3, 4]
    assert summary["progress"] == {"planned": 13, "done": 13}
    # Scores stay aligned by seed: logistic has no runs for seeds 3 and 4.
    values = summary["scores"]["logistic"][-1]["values"]
    assert values[3:] == [None, None] and values[0] == pytest.approx(score("logistic", 0))
    assert summary["recommendation"]["comparisons"]["linear"]["n"] == 5
    assert summary["recommendation"]["comparisons"]["logistic"]["n"] == 3


def test_a_study_from_another_first_seed_races_on_from_it(tmp_path: Path) -> None:
    # --first-seed 2: seeds 2, 3, 4 first, then 5 and 6 for the undecided pair
    plan, store = fake_study(
        tmp_path, ("logistic", "linear", "mlp:shallow"), looks=(3, 5), first_seed=2
    )
    assert plan.seeds == (2, 3, 4)
    racing = race(plan, store, record(store), workers=1)
    assert racing is not None and racing["taken"] == [3, 5]
    assert keys(store) == {j.key for j in plan.jobs} | {
        f"{m}/f1/s{s}" for m in ("linear", "mlp:shallow") for s in (5, 6)
    }
    assert summarise(store)["plan"]["seeds"] == [2, 3, 4, 5, 6]


def test_a_model_labelled_worse_gets_no_seeds_and_a_decided_study_stops(tmp_path: Path) -> None:
    plan, store = fake_study(tmp_path, ("logistic", "mlp:shallow"), looks=(3, 5, 7))
    racing = race(plan, store, record(store), workers=1)
    assert racing is not None and racing["stopped"] == DECIDED and racing["taken"] == [3]
    assert racing["seeds"] == {"logistic": 3, "mlp:shallow": 3}
    assert keys(store) == {j.key for j in plan.jobs}


def test_the_budget_stops_the_race_before_a_look_it_cannot_afford(tmp_path: Path) -> None:
    # The first look took 39 s of training on one worker: a 0.5-minute budget affords no more.
    models = ("logistic", "linear", "mlp:shallow")
    plan, store = fake_study(tmp_path, models, looks=(3, 5), budget=0.5)
    racing = race(plan, store, record(store), workers=1)
    assert racing is not None and racing["stopped"] == BUDGET and racing["taken"] == [3]
    assert keys(store) == {j.key for j in plan.jobs}


def test_killed_mid_race_then_resumed_ends_with_the_same_jobs(tmp_path: Path) -> None:
    models = ("logistic", "linear", "mlp:shallow")
    plan, whole = fake_study(tmp_path / "whole", models, looks=(3, 5, 7))
    race(plan, whole, record(whole), workers=1)
    plan, store = fake_study(tmp_path / "killed", models, looks=(3, 5, 7))
    with pytest.raises(KeyboardInterrupt):
        race(plan, store, record(store, stop_after=3), workers=1)
    assert len(keys(store)) == len(plan.jobs) + 3
    store.set_meta("plan", plan_facts(plan))  # what run_study writes again on resuming
    again = race(plan, store, record(store), workers=1)
    assert again == whole.get_meta("racing")
    assert keys(store) == keys(whole) and len(keys(store)) > len(plan.jobs) + 3
    assert store.get_meta("plan")["jobs"] == whole.get_meta("plan")["jobs"]


def test_looks_follow_the_settings() -> None:
    assert racing_looks(StudyConfig()) == (3, 5, 7, 10)
    assert racing_looks(StudyConfig(max_seeds=3)) == (3,)  # --max-seeds 3 never races
    assert racing_looks(StudyConfig(seeds=5)) == (5,)  # an explicit count is fixed
    assert racing_looks(StudyConfig(race=False)) == (3,)
    assert racing_looks(StudyConfig(quick=True)) == (3,)  # quick keeps three seeds...
    assert racing_looks(StudyConfig(quick=True, max_seeds=5)) == (3, 5)  # ...unless asked


def test_margin_and_looks_reach_the_plan_and_the_decider(tmp_path: Path) -> None:
    _, store = fake_study(tmp_path, ("logistic", "mlp:shallow"), margin=0.05, looks=(3, 6))
    summary = summarise(store)
    assert summary["plan"]["margin"] == 0.05 and summary["plan"]["looks"] == [3, 6]
    assert summary["recommendation"]["margin"] == 0.05
    assert "racing" not in summary  # nothing raced yet


def test_bad_racing_settings_are_one_line_errors(cli: Run, tmp_path: Path) -> None:
    for flags, words in (
        (["--margin", "-1"], "margin"),
        (["--max-seeds", "1"], "max_seeds"),
        (["--budget", "0"], "budget"),
    ):
        result = cli("study", "iris", *flags, "--dry-run", "--out", str(tmp_path / "s"))
        assert result.code == 2, (flags, result.err)
        assert words in result.err and "Traceback" not in result.err
        assert len(result.err.strip().splitlines()) == 1, result.err


def test_dry_run_says_racing_may_add_seeds(cli: Run, tmp_path: Path) -> None:
    out = str(tmp_path / "s")
    racing = cli("study", "iris", "--dry-run", "--out", out)
    assert racing.code == 0 and "racing may add seeds" in racing.err
    for flags in (["--max-seeds", "3"], ["--seeds", "4"], ["--no-race"], ["--quick"]):
        fixed = cli("study", "iris", *flags, "--dry-run", "--out", out)
        assert fixed.code == 0 and "racing" not in fixed.err, flags
    other = cli("study", "iris", "--quick", "--first-seed", "100", "--dry-run", "--out", out)
    assert other.code == 0 and "100, 101, 102" in other.err, other.err
    bad = cli("study", "iris", "--first-seed", "-1", "--dry-run", "--out", out)
    assert bad.code == 2 and "first_seed" in bad.err


@pytest.mark.slow
def test_a_real_racing_study_records_every_added_job(cli: Run, tmp_path: Path) -> None:
    # On breast-cancer, logistic regression against the linear network is undecided at a margin
    # of 2 points after 3 seeds, and more seeds would likely decide it: both race to 5.
    out = tmp_path / "study"
    models = ["--models", "logistic,linear", "--fractions", "1", "--epochs", "3"]
    flags = [*models, "--quick", "--margin", "0.02", "--max-seeds", "5", "--workers", "2"]
    result = cli("study", "breast-cancer", *flags, "--out", str(out))
    assert result.code == 0, result.err
    assert "Racing seeds: looks at 3, 5 of 3, 5 seeds (4 runs added" in result.out
    summary = json.loads((out / "summary.json").read_text())
    racing = summary["racing"]
    assert racing["looks"] == [3, 5] and racing["taken"] == [3, 5], racing
    assert racing["seeds"] == {"linear": 5, "logistic": 5} and racing["added_jobs"] == 4
    with sqlite3.connect(out / "study.sqlite") as db:
        stored = {row[0] for row in db.execute("SELECT key FROM results")}
    assert stored == set(summary["plan"]["jobs"]) and len(stored) == 10
    assert summary["progress"] == {"planned": 10, "done": 10}
    assert summary["recommendation"]["comparisons"]["logistic"]["n"] == 5
    resumed = cli("study", "breast-cancer", *flags, "--out", str(out))
    assert resumed.code == 0 and "resuming: 6 jobs already done" in resumed.err
    assert json.loads((out / "summary.json").read_text())["racing"] == racing
