"""A study on a real local Ray cluster (started by the test on loopback) matches local workers."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

pytest.importorskip("ray")

from depthlab.studies.store import open_store

RAY = str(Path(sys.executable).parent / "ray")
STUDY = ["study", "iris", "--models", "logistic,mlp:shallow", "--fractions", "0.5,1"]
STUDY += ["--seeds", "2", "--epochs", "8", "--tune", "0"]  # the executor, not the searches


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# Ray replaces 127.0.0.1 by the machine's address unless told this is a one-machine cluster;
# token authentication keeps other local users out too. The cluster and the driver agree.
RAY_ENV = {
    "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0",
    "RAY_AUTH_MODE": "token",
    "RAY_USAGE_STATS_ENABLED": "0",
}


@dataclass(frozen=True)
class Cluster:
    """A running test cluster: its address and the environment every process that joins it
    needs (its token, read from the test's own folder, and an empty home folder of its own)."""

    address: str
    env: dict[str, str]
    home: Path


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """A one-node Ray cluster on 127.0.0.1, in a process group of its own: stopping it stops
    only this cluster (``ray stop`` would stop every cluster of this user on the machine).

    Nothing comes from the user's home: the token is made here, written into the test's
    temporary folder and handed to the head and every driver through ``RAY_AUTH_TOKEN_PATH``
    (Ray would otherwise read ``~/.ray/auth_token``, which exists only where someone made it),
    and ``HOME`` is an empty folder of the test's own."""
    if not shutil.which(RAY):
        pytest.skip("the ray command is missing")
    port = _free_port()
    temp = tmp_path_factory.mktemp("ray")
    token = temp / "auth_token"
    token.write_text(secrets.token_hex(32))
    token.chmod(0o600)
    home = temp / "home"
    home.mkdir()
    env = {
        **os.environ,
        **RAY_ENV,
        "RAY_AUTH_TOKEN_PATH": str(token),
        "HOME": str(home),
        "OMP_NUM_THREADS": "1",
    }
    env.pop("RAY_AUTH_TOKEN", None)  # it would win over the file
    head = subprocess.Popen(
        [RAY, "start", "--head", "--block", f"--port={port}",
         "--num-cpus=2", "--num-gpus=0", "--include-dashboard=false", "--disable-usage-stats",
         f"--temp-dir={temp}"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    try:
        _wait_for_port(port, head)
        yield Cluster(f"127.0.0.1:{port}", env, home)
    finally:
        os.killpg(head.pid, signal.SIGTERM)  # --block: ray start stops what it started
        try:
            head.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(head.pid, signal.SIGKILL)
            head.wait()


def _wait_for_port(port: int, head: subprocess.Popen[bytes], seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if head.poll() is not None:
            pytest.fail(f"ray start exited with status {head.returncode}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                time.sleep(2)  # the GCS answers before the raylet has registered
                return
        time.sleep(0.5)
    pytest.fail(f"the Ray head did not listen on port {port} within {seconds:.0f} s")


def _run(args: list[str], cluster: Cluster) -> None:
    """The command in a fresh process: Ray reads its settings once, when first imported."""
    env = {**cluster.env, "DEPTHLAB_QUIET": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "depthlab", *args], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-3000:]


def _accuracies(folder: Path) -> dict[str, float]:
    return {
        job.key: result.score("test", "accuracy")
        for job, result in open_store(folder, must_exist=True).results()
        if result.done
    }


_PING = (
    "import ray, sys; ray.init(address=sys.argv[1], log_to_driver=False); "
    "print('sum', ray.get(ray.remote(lambda a, b: a + b).remote(2, 3)))"
)


def test_the_cluster_needs_no_token_file_in_any_home_folder(cluster: Cluster) -> None:
    """A fresh machine has no ~/.ray/auth_token: the fixture's cluster must not need one, and
    its token must really be required (a driver without it is turned away)."""
    homes = [cluster.home, Path.home()]
    assert not [path for home in homes for path in home.rglob("auth_token")]
    joined = subprocess.run(
        [sys.executable, "-c", _PING, cluster.address],
        env=cluster.env, capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert joined.returncode == 0, joined.stderr[-3000:]
    assert "sum 5" in joined.stdout
    # Ray made no token file in either home while the cluster ran and a driver joined it.
    assert not [path for home in homes for path in home.rglob("auth_token")]

    stranger = {k: v for k, v in cluster.env.items() if k != "RAY_AUTH_TOKEN_PATH"}
    refused = subprocess.run(
        [sys.executable, "-c", _PING, cluster.address],
        env=stranger, capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert refused.returncode != 0
    assert "sum 5" not in refused.stdout
    assert "token" in refused.stderr.lower()


def test_ray_study_matches_the_local_one_and_resumes(cluster: Cluster, tmp_path: Path) -> None:
    ray_out, local_out = tmp_path / "ray", tmp_path / "local"
    # Training jobs only: the extras (timings, probes, explanations...) cost time, not coverage.
    config = tmp_path / "study.yaml"
    extras = ("threads", "probes", "robustness", "regularisation", "explain", "transfer")
    config.write_text("".join(f"{name}: false\n" for name in extras))
    study = [*STUDY, "--config", str(config)]
    _run(
        [*study, "--executor", "ray", "--ray-address", cluster.address, "--out", str(ray_out)],
        cluster,
    )
    _run([*study, "--out", str(local_out)], cluster)

    on_ray, local = _accuracies(ray_out), _accuracies(local_out)
    assert len(on_ray) == 2 * 2 * 2  # models x fractions x seeds, all done
    assert on_ray == local  # the same seeds give the same results
    summary = json.loads((ray_out / "summary.json").read_text())
    assert summary["environment"]["executor"] == "ray"
    assert (ray_out / "report.html").is_file()

    # Resuming: a job dropped from the store is the only one that runs again.
    store = open_store(ray_out, must_exist=True)
    with store.connect() as db:
        tables = [row[0] for row in db.execute("select name from sqlite_master where type='table'")]
    assert tables  # the store is SQLite
    dropped = sorted(on_ray)[0]
    with store.connect() as db:
        db.execute("delete from results where key = ?", (dropped,))
    assert dropped not in store.done_keys()
    _run(
        [*study, "--executor", "ray", "--ray-address", cluster.address, "--out", str(ray_out)],
        cluster,
    )
    assert _accuracies(ray_out) == local


def test_tune_on_ray_finishes_its_trials_and_resumes(cluster: Cluster, tmp_path: Path) -> None:
    import optuna

    out = tmp_path / "tune"
    args = ["tune", "iris", "--model", "mlp", "--epochs", "15", "--out", str(out)]
    args += ["--executor", "ray", "--ray-address", cluster.address]
    _run([*args, "--trials", "3"], cluster)
    storage = f"sqlite:///{out / 'tune.db'}"
    trials = optuna.load_study(study_name="depthlab-tune", storage=storage).trials
    assert [t.state.name for t in trials] == ["COMPLETE"] * 3
    assert max(t.value or 0 for t in trials) > 0.8  # iris: chance is 1/3
    assert (out / "best.yaml").is_file()
    _run([*args, "--trials", "4"], cluster)  # continues: one more trial, the first three kept
    again = optuna.load_study(study_name="depthlab-tune", storage=storage).trials
    assert len(again) == 4 and [t.params for t in again[:3]] == [t.params for t in trials]


def default_sigint() -> None:
    """In the child, before exec: Ctrl-C at its default (an ignored SIGINT is inherited, and the
    pytest worker may have come to ignore it; see tests/studies/test_study_cli.py)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_ctrl_c_on_ray_keeps_finished_jobs_and_the_same_command_resumes(
    cluster: Cluster, tmp_path: Path
) -> None:
    out = tmp_path / "study"
    config = tmp_path / "study.yaml"
    extras = ("threads", "probes", "robustness", "regularisation", "explain", "transfer")
    # Every epoch of the cap runs (no early stop): jobs last long enough to be interrupted.
    tuned = "tuned:\n  mlp:shallow:\n    train:\n      patience: 0\n"
    config.write_text("".join(f"{name}: false\n" for name in extras) + tuned)
    command = [
        sys.executable,
        "-m",
        "depthlab",
        "study",
        "iris",
        "--models",
        "logistic,mlp:shallow",
    ]
    command += ["--fractions", "0.5,1", "--seeds", "4", "--epochs", "60", "--config", str(config)]
    command += ["--tune", "0"]
    command += ["--executor", "ray", "--ray-address", cluster.address, "--out", str(out)]
    env = {**cluster.env, "DEPTHLAB_QUIET": "1"}
    driver = subprocess.Popen(
        command, env=env, start_new_session=True, stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE, text=True, preexec_fn=default_sigint,
    )  # fmt: skip
    deadline = time.monotonic() + 180
    done = 0
    while done < 2 and time.monotonic() < deadline and driver.poll() is None:
        time.sleep(0.1)
        done = (
            len(open_store(out, must_exist=True).done_keys())
            if (out / "study.sqlite").exists()
            else 0
        )
    os.killpg(driver.pid, signal.SIGINT)  # Ctrl-C reaches the driver, not the cluster
    _, err = driver.communicate(timeout=120)
    assert driver.returncode == 130, err[-2000:]
    assert "run the same command to resume" in err
    kept = open_store(out, must_exist=True).done_keys()
    assert 2 <= len(kept) < 16

    resumed = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert f"resuming: {len(kept)} jobs already done" in resumed.stderr
    final = open_store(out, must_exist=True).done_keys()
    assert len(final) == 16 and kept <= final
