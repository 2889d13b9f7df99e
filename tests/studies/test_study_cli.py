"""``depthlab study`` / ``depthlab report`` from the command line, and resuming after SIGKILL."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

Run = Callable[..., Any]
FAST = ["--models", "logistic,linear,mlp:shallow", "--fractions", "0.5,1", "--epochs", "3"]


def test_study_and_report_commands(cli: Run, tmp_path: Path) -> None:
    out = tmp_path / "iris"
    result = cli("study", "iris", "--quick", *FAST, "--out", str(out))
    assert result.code == 0, result.err
    assert "study plan" in result.err and "18 training runs" in result.err
    assert "Recommended:" in result.out and "claim check" in result.out
    summary = json.loads((out / "summary.json").read_text())
    assert summary["progress"] == {"planned": 18, "done": 18}
    (out / "report.html").unlink()
    again = cli("report", str(out))
    assert again.code == 0, again.err
    assert (out / "report.html").is_file()
    resumed = cli("study", "iris", "--quick", *FAST, "--out", str(out))
    assert resumed.code == 0 and "resuming: 18 jobs already done" in resumed.err


def test_study_bad_input(cli: Run, tmp_path: Path) -> None:
    bad = tmp_path / "study.yaml"
    bad.write_text("modelz: [mlp]\n")
    result = cli("study", "iris", "--config", str(bad), "--out", str(tmp_path / "s"))
    assert result.code == 2 and "unknown option 'modelz'" in result.err and "models" in result.err
    result = cli("study", "iris", "--models", "logistic,cnn", "--out", str(tmp_path / "s"))
    assert result.code == 2 and "does not fit tabular data" in result.err
    result = cli("report", str(tmp_path / "nothing"))
    assert result.code == 2 and "holds no study" in result.err
    assert "Traceback" not in result.err


def count_results(store: Path) -> int:
    if not store.is_file():
        return 0
    try:
        with sqlite3.connect(store, timeout=5) as db:
            return int(db.execute("SELECT COUNT(*) FROM results").fetchone()[0])
    except sqlite3.OperationalError:
        return 0


def test_sigkill_then_resume_runs_exactly_the_plan(tmp_path: Path) -> None:
    out = tmp_path / "study"
    command = [sys.executable, "-m", "depthlab", "-q", "study", "iris", "--quick", *FAST]
    command += ["--seeds", "4"]
    command += ["--epochs", "40", "--out", str(out)]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    first = subprocess.Popen(
        command, env=env, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 120
    while count_results(out / "study.sqlite") < 4 and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(first.pid, signal.SIGKILL)  # the study and its workers, mid-run
    first.wait()
    killed_at = count_results(out / "study.sqlite")
    assert 4 <= killed_at < 24, killed_at
    second = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert second.returncode == 0, second.stderr
    assert f"resuming: {killed_at} jobs already done" in second.stderr
    with sqlite3.connect(out / "study.sqlite") as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        keys = [row[0] for row in db.execute("SELECT key FROM results")]
        planned = json.loads(db.execute("SELECT value FROM meta WHERE key = 'plan'").fetchone()[0])
    assert len(keys) == len(set(keys)) == 3 * 2 * 4 == len(planned["jobs"])
    assert set(keys) == set(planned["jobs"])


def default_sigint() -> None:
    """In the child, before exec: Ctrl-C at its default. A process inherits an ignored SIGINT
    from its parent (as under nohup), and Python then never raises KeyboardInterrupt; within a
    long test session the pytest worker can end up ignoring SIGINT (a library it ran in-process),
    while a terminal's Ctrl-C reaches a study whose SIGINT is not ignored."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_ctrl_c_stops_cleanly_with_a_resume_hint(tmp_path: Path) -> None:
    out = tmp_path / "study"
    # Every epoch of the cap runs (no early stop): jobs last long enough to be interrupted.
    config = tmp_path / "study.yaml"
    patience = "    train:\n      patience: 0\n"
    config.write_text(f"tuned:\n  linear:\n{patience}  mlp:shallow:\n{patience}")
    command = [sys.executable, "-m", "depthlab", "study", "iris", "--quick", *FAST]
    command += ["--seeds", "4", "--epochs", "40", "--config", str(config), "--out", str(out)]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "DEPTHLAB_QUIET": "1"}
    process = subprocess.Popen(
        command,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=default_sigint,
    )
    deadline = time.monotonic() + 120
    while count_results(out / "study.sqlite") < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert "run the same command to resume" in err and "interrupted" in err
    assert "Traceback" not in err


def test_dry_run_prints_the_plan_and_runs_nothing(cli: Run, tmp_path: Path) -> None:
    out = tmp_path / "study"
    result = cli("study", "iris", "--dry-run", "--out", str(out))
    assert result.code == 0, result.err
    assert "study plan" in result.err and "estimated" in result.err
    assert "models    logistic, boosting, linear, mlp:shallow, mlp:deep" in result.err
    assert not out.exists()
