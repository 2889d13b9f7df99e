"""HTTP serving throughput and latency of the MNIST-1D deep CNN: wrk on loopback against
``POST /v1/predict``, one example per request, at 1, 8 and 64 concurrent connections.

The model is trained with depthlab's defaults (``depthlab train --data mnist1d --model cnn
--preset deep``) unless ``--run`` names a run folder, then exported (``depthlab export``: ONNX,
with its parity check) and served by ``depthlab serve`` with the ONNX Runtime backend (one
thread per prediction). wrk (``apt-get install wrk``; ``make bench-serve`` installs it) runs
each level for ``--seconds`` (30) after a short warm-up, with the body in bench/serve_wrk.lua.

Reported per level: requests per second, p50 / p90 / p99 / max latency as wrk measures it (from
the request's first byte sent to the response's last byte read), and errors (connection, read,
write, timeout, and non-2xx answers). Goal: no error, p99 <= 10 ms at concurrency 8. wrk and the
server share the machine's cores; the load average before and after is recorded, and the
figures of a busy machine are indications only.

example:
  .venv/bin/python bench/serve_wrk.py                      # train, export, 3 x 30 s
  .venv/bin/python bench/serve_wrk.py --run runs/cnn --seconds 10 --levels 1 8
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results"
LUA = HERE / "serve_wrk.lua"
P99_GOAL_MS, GOAL_LEVEL = 10.0, 8


def depthlab(*args: str, env: dict[str, str] | None = None) -> None:
    command = [sys.executable, "-m", "depthlab", *args]
    print("$", shlex.join(["depthlab", *args]), flush=True)
    subprocess.run(command, check=True, env=env or child_env())


def child_env() -> dict[str, str]:
    return {**os.environ, "OMP_NUM_THREADS": "1", "DEPTHLAB_QUIET": "1"}


def prepare_run(run: Path | None) -> Path:
    """A trained and exported MNIST-1D deep CNN: *run* as given, else one trained here once
    (bench/results/serve-run) and kept for the next benchmark."""
    folder = run or RESULTS / "serve-run"
    if run is None and not (folder / "metrics.json").is_file():
        shutil.rmtree(folder, ignore_errors=True)
        depthlab(
            "train", "--data", "mnist1d", "--model", "cnn", "--preset", "deep", "--out", str(folder)
        )
    if not (folder / "export" / "model.onnx").is_file():
        depthlab("export", str(folder))
    return folder


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(run: Path, port: int, workers: int, backend: str) -> subprocess.Popen[bytes]:
    command = [
        sys.executable,
        "-m",
        "depthlab",
        "serve",
        str(run),
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--backend",
        backend,
    ]
    server = subprocess.Popen(
        command, env=child_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"the server exited with status {server.returncode}: {shlex.join(command)}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2):
                return server
        except OSError:
            time.sleep(0.3)
    server.kill()
    sys.exit("the server did not answer /health within 120 s")


def wrk(url: str, connections: int, seconds: float, body: Path, threads: int) -> dict[str, Any]:
    command = [
        "wrk",
        "-t",
        str(min(threads, connections)),
        "-c",
        str(connections),
        "-d",
        f"{seconds:g}s",
        "--latency",
        "-s",
        str(LUA),
        url,
    ]
    env = {**os.environ, "DEPTHLAB_WRK_BODY": str(body)}
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=True)
    line = next(s for s in done.stdout.splitlines() if s.startswith("DEPTHLAB_JSON "))
    figures: dict[str, Any] = json.loads(line.removeprefix("DEPTHLAB_JSON "))
    figures["rps"] = figures["requests"] / (figures["duration_us"] / 1e6)
    figures["error_count"] = sum(figures["errors"].values())
    figures["command"] = shlex.join(command)
    return figures


def one_example(run: Path, path: Path) -> None:
    """The body: the first MNIST-1D test example, as a client would send it."""
    sys.path.insert(0, str(ROOT / "src"))
    import depthlab as dl

    ds = dl.load_dataset("mnist1d")
    example = ds.inputs[ds.test_indices[0]] if ds.test_indices is not None else ds.inputs[0]
    path.write_text(json.dumps({"inputs": [example.tolist()]}))


def machine() -> dict[str, Any]:
    sys.path.insert(0, str(ROOT / "src"))
    from depthlab import __version__
    from depthlab.machine import cpu_cores, cpu_name, memory_gib

    versions = {}
    for package in ("onnxruntime", "fastapi", "uvicorn", "torch"):
        from importlib.metadata import version

        versions[package] = version(package)
    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.split("\n")[
        0
    ]
    return {
        "cpu": cpu_name(),
        "usable_cores": cpu_cores(),
        "cores": os.cpu_count(),
        "ram_gib": memory_gib(),
        "os": platform.platform(),
        "python": platform.python_version(),
        "depthlab": __version__,
        "wrk": wrk_version.strip(),
        **versions,
    }


def report(results: dict[str, Any]) -> None:
    m = results["machine"]
    print()
    print(f"machine: {m['cpu']}, {m['usable_cores']} usable cores, {m['ram_gib']} GiB RAM")
    print(
        f"onnxruntime {m['onnxruntime']}, fastapi {m['fastapi']}, uvicorn {m['uvicorn']}, "
        f"{m['wrk']}"
    )
    print(
        f"server: {results['params']['workers']} worker(s), backend "
        f"{results['params']['backend']}; {results['params']['seconds']:g} s per level"
    )
    print(f"command: {results['command']}")
    print()
    print(
        f"{'connections':>11}{'req/s':>10}{'p50 ms':>9}{'p90 ms':>9}{'p99 ms':>9}"
        f"{'max ms':>9}{'errors':>8}{'load 1m':>14}"
    )
    for r in results["levels"]:
        print(
            f"{r['connections']:>11}{r['rps']:>10.0f}{r['p50_us'] / 1e3:>9.2f}"
            f"{r['p90_us'] / 1e3:>9.2f}{r['p99_us'] / 1e3:>9.2f}{r['max_us'] / 1e3:>9.1f}"
            f"{r['error_count']:>8}{r['load_before']:>7.2f}>{r['load_after']:<6.2f}"
        )
    print()
    for line in results["verdicts"]:
        print(line)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--run", type=Path, help="a trained MNIST-1D CNN run folder")
    parser.add_argument("--levels", type=int, nargs="+", default=[1, 8, 64])
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--backend", choices=["onnx", "torch"], default="onnx")
    parser.add_argument("--out", type=Path, default=RESULTS / "serve_wrk.json")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install -y wrk (or make bench-serve)")
    RESULTS.mkdir(parents=True, exist_ok=True)
    run = prepare_run(args.run)
    body = RESULTS / "serve_wrk_body.json"
    one_example(run, body)
    port = free_port()
    url = f"http://127.0.0.1:{port}/v1/predict"
    server = start_server(run, port, args.workers, args.backend)
    levels = []
    try:
        for connections in args.levels:
            wrk(url, connections, args.warmup, body, args.wrk_threads)  # warm-up, not recorded
            before = os.getloadavg()[0]
            figures = wrk(url, connections, args.seconds, body, args.wrk_threads)
            figures.update(
                connections=connections, load_before=before, load_after=os.getloadavg()[0]
            )
            levels.append(figures)
            print(
                f"{connections:>3} connections: {figures['rps']:.0f} req/s, "
                f"p99 {figures['p99_us'] / 1e3:.2f} ms, {figures['error_count']} errors",
                flush=True,
            )
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
    verdicts = []
    errors = sum(r["error_count"] for r in levels)
    verdicts.append(f"errors: {errors} ({'goal met' if errors == 0 else 'GOAL MISSED'}: 0)")
    goal = next((r for r in levels if r["connections"] == GOAL_LEVEL), None)
    if goal is not None:
        p99 = goal["p99_us"] / 1e3
        met = "goal met" if p99 <= P99_GOAL_MS else "GOAL MISSED"
        verdicts.append(
            f"p99 at {GOAL_LEVEL} connections: {p99:.2f} ms ({met}: <= {P99_GOAL_MS:g} ms)"
        )
    results = {
        "command": shlex.join([sys.executable, *sys.argv]),
        "machine": machine(),
        "params": {
            "seconds": args.seconds,
            "workers": args.workers,
            "backend": args.backend,
            "wrk_threads": args.wrk_threads,
            "run": str(run),
        },
        "levels": levels,
        "verdicts": verdicts,
    }
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    report(results)
    print(f"\nwritten to {args.out}")


if __name__ == "__main__":
    main()
