"""Scale-out overheads on this machine: Ray against local workers, DDP against one process.

1. ``depthlab study mnist1d --quick`` with the local executor and with ``--executor ray`` (a
   one-node Ray cluster started here, on loopback, for the run and stopped after), each in a
   fresh folder: wall times, their ratio, and whether every job's test accuracy is identical.
2. ``depthlab train --data mnist1d --model cnn --preset deep`` alone and under
   ``torchrun --nproc_per_node 2 ... --distributed`` (gloo, one torch thread per process):
   wall time, training time and test accuracy. On 2 cores this is a sanity check of the DDP
   path, not a speed-up: both processes share the cores the single run uses.

Every run is a fresh process, as a user would start it; the machine's description is printed.

example:
  OMP_NUM_THREADS=1 .venv/bin/python bench/scale_out.py
  OMP_NUM_THREADS=1 .venv/bin/python bench/scale_out.py --only ddp --seeds 0 1 2
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
# A one-machine cluster on loopback with token authentication (see tests/studies).
RAY_ENV = {
    "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0",
    "RAY_AUTH_MODE": "token",
    "RAY_USAGE_STATS_ENABLED": "0",
}


def timed(command: list[str], env: dict[str, str], cwd: Path) -> float:
    started = time.perf_counter()
    subprocess.run(command, env=env, cwd=cwd, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def accuracies(folder: Path) -> dict[str, float]:
    with sqlite3.connect(folder / "study.sqlite") as db:
        rows = db.execute("select key, status, result from results").fetchall()
    done = [(key, json.loads(raw)) for key, status, raw in rows if status == "done"]
    return {key: result["test"]["accuracy"] for key, result in done if "test" in result}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def ray_vs_local(work: Path, env: dict[str, str]) -> dict[str, Any]:
    study = [str(BIN / "depthlab"), "--quiet", "study", "mnist1d", "--quick"]
    local_s = timed([*study, "--out", str(work / "local")], env, work)
    port = free_port()
    ray_env = {**env, **RAY_ENV}
    # --block in a process group of its own: stopping it stops only this cluster.
    start = [str(BIN / "ray"), "start", "--head", "--block", f"--port={port}"]
    start += ["--include-dashboard=false", "--disable-usage-stats", f"--temp-dir={work / 'ray'}"]
    head = subprocess.Popen(
        start,
        env=ray_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_for_port(port)
        address = f"127.0.0.1:{port}"
        ray_s = timed(
            [*study, "--out", str(work / "ray"), "--executor", "ray", "--ray-address", address],
            ray_env,
            work,
        )
    finally:
        os.killpg(head.pid, signal.SIGTERM)
        head.wait(timeout=120)
    local, on_ray = accuracies(work / "local"), accuracies(work / "ray")
    return {
        "local_seconds": round(local_s, 1),
        "ray_seconds": round(ray_s, 1),
        "ratio": round(ray_s / local_s, 3),
        "jobs": len(local),
        "identical_accuracies": local == on_ray,
    }


def wait_for_port(port: int, seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                time.sleep(2)  # the GCS answers before the raylet has registered
                return
        time.sleep(0.5)
    raise SystemExit(f"the Ray head did not listen on port {port} within {seconds:.0f} s")


def ddp(work: Path, env: dict[str, str], seed: int) -> dict[str, Any]:
    train = ["train", "--data", "mnist1d", "--model", "cnn", "--preset", "deep"]
    train += ["--seed", str(seed), "--quiet", "--no-tensorboard"]
    one, two = work / f"one-{seed}", work / f"two-{seed}"
    one_s = timed([str(BIN / "depthlab"), *train, "--out", str(one)], env, work)
    torchrun = [str(BIN / "torchrun"), "--standalone", "--nproc_per_node", "2", "-m", "depthlab"]
    two_s = timed([*torchrun, *train, "--distributed", "--out", str(two)], env, work)
    result: dict[str, Any] = {"seed": seed}
    for name, folder, wall in (("one", one, one_s), ("two", two, two_s)):
        metrics = json.loads((folder / "metrics.json").read_text())
        result[name] = {
            "wall_seconds": round(wall, 1),
            "train_seconds": metrics["cost"]["train_seconds"],
            "test_accuracy": metrics["test"]["accuracy"],
        }
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=("ray", "ddp"), default=None)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--json", type=Path, default=HERE / "results" / "scale_out.json")
    args = parser.parse_args()
    sys.path.insert(0, str(HERE.parent / "src"))
    from depthlab.machine import describe

    env = {**os.environ, "OMP_NUM_THREADS": "1", "DEPTHLAB_QUIET": "1"}
    results: dict[str, Any] = {"machine": describe("ray")}
    print(results["machine"])
    with tempfile.TemporaryDirectory(prefix="depthlab-scale-") as tmp:
        work = Path(tmp)
        if args.only in (None, "ray"):
            results["ray"] = ray_vs_local(work, env)
            r = results["ray"]
            print(
                f"mnist1d --quick study: local {r['local_seconds']} s, ray {r['ray_seconds']} s, "
                f"ratio {r['ratio']}, {r['jobs']} jobs, identical: {r['identical_accuracies']}"
            )
        if args.only in (None, "ddp"):
            results["ddp"] = [ddp(work, env, seed) for seed in args.seeds]
            print("| seed | processes | wall s | train s | test accuracy |")
            print("|---|---|---|---|---|")
            for row in results["ddp"]:
                for name, n in (("one", 1), ("two", 2)):
                    r = row[name]
                    print(
                        f"| {row['seed']} | {n} | {r['wall_seconds']} | {r['train_seconds']} | "
                        f"{r['test_accuracy']:.4f} |"
                    )
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
