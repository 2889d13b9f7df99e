"""Wall time and peak memory of the depth study on MNIST-1D: the full default study and --quick.

Each study runs as ``depthlab study mnist1d`` in a fresh folder, exactly as a user would run it.
Peak memory is the largest total memory of the study's whole process tree (the study process
and its worker processes), sampled every 0.1 s from /proc: the sum of each process's proportional
set size (PSS, ``/proc/PID/smaps_rollup``), which counts a page shared by several processes (the
torch, SciPy and scikit-learn libraries every worker maps) once in all, i.e. what the machine must
have. The sum of resident sizes (RSS), which counts shared pages once per process, is reported
beside it as an upper bound.

Goals: full study <= 10 minutes (stretch 5) and <= 2 GB; --quick <= 90 s.

example:
  .venv/bin/python bench/study_mnist1d.py              # --quick, then the full study
  .venv/bin/python bench/study_mnist1d.py --only quick
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
GOALS = {"quick": 90.0, "full": 600.0}
MEMORY_GOAL_MIB = 2048.0


def tree_memory_mib(root: int) -> tuple[float, float]:
    """Total (PSS, RSS) in MiB of *root* and all its descendants."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    pss: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            status = (entry / "status").read_text()
        except OSError:
            continue
        pid, parent = int(entry.name), int(stat[1])
        children.setdefault(parent, []).append(pid)
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                rss[pid] = int(line.split()[1])
        pss[pid] = _pss_kib(entry)
    total_pss, total_rss, stack = 0, 0, [root]
    while stack:
        pid = stack.pop()
        total_pss += pss.get(pid, 0)
        total_rss += rss.get(pid, 0)
        stack.extend(children.get(pid, []))
    return total_pss / 1024, total_rss / 1024


def _pss_kib(entry: Path) -> int:
    try:
        for line in (entry / "smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def run_study(name: str, args: list[str], folder: Path) -> dict[str, Any]:
    command = [str(HERE.parent / ".venv/bin/depthlab"), "-q", "study", "mnist1d", *args]
    command += ["--out", str(folder)]
    peak = peak_rss = 0.0
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    done = threading.Event()

    def sample() -> None:
        nonlocal peak, peak_rss
        while not done.is_set():
            pss, rss = tree_memory_mib(process.pid)
            peak, peak_rss = max(peak, pss), max(peak_rss, rss)
            time.sleep(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, err = process.communicate()
    wall = time.perf_counter() - started
    done.set()
    sampler.join()
    if process.returncode != 0:
        raise SystemExit(f"{name} study failed ({process.returncode}):\n{err}")
    summary = json.loads((folder / "summary.json").read_text())
    return {
        "name": name,
        "command": " ".join(["depthlab", *command[1:]]),
        "wall_seconds": round(wall, 1),
        "peak_tree_pss_mib": round(peak, 1),
        "peak_tree_rss_mib": round(peak_rss, 1),
        "jobs": summary["progress"]["planned"],
        "recommended": summary["recommendation"]["label"],
        "scores": {
            m: round(s[-1]["mean"], 4) for m, s in summary["scores"].items() if s[-1]["mean"]
        },
        "verdicts": {c["claim"]: c["verdict"] for c in summary["claims"]},
        "failures": len(summary["failures"]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--only", choices=["quick", "full"], help="run one of the two studies")
    parser.add_argument("--out", default=str(HERE / "results" / "study_mnist1d.json"))
    parser.add_argument("--keep", help="keep the study folders under this folder")
    options = parser.parse_args()
    base = Path(options.keep) if options.keep else Path(tempfile.mkdtemp(prefix="depthlab-study-"))
    results = []
    for name, args in (("quick", ["--quick"]), ("full", [])):
        if options.only and options.only != name:
            continue
        folder = base / name
        shutil.rmtree(folder, ignore_errors=True)
        print(f"running the {name} study ...", flush=True)
        result = run_study(name, args, folder)
        results.append(result)
        goal = GOALS[name]
        print(
            f"{name:5s}  {result['jobs']} jobs  wall {result['wall_seconds']:.1f} s "
            f"(goal <= {goal:.0f} s: "
            f"{'met' if result['wall_seconds'] <= goal else 'MISSED'})  peak memory "
            f"{result['peak_tree_pss_mib']:.0f} MiB PSS (goal <= {MEMORY_GOAL_MIB:.0f}: "
            f"{'met' if result['peak_tree_pss_mib'] <= MEMORY_GOAL_MIB else 'MISSED'}; "
            f"RSS sum {result['peak_tree_rss_mib']:.0f})  "
            f"recommended: {result['recommended']}",
            flush=True,
        )
        for model, score in result["scores"].items():
            print(f"         {model:12s} {score:.1%}")
    if not options.keep:
        shutil.rmtree(base, ignore_errors=True)
    record = {
        "machine": {
            "platform": platform.platform(),
            "cores": os.cpu_count(),
            "python": sys.version.split()[0],
        },
        "results": results,
    }
    Path(options.out).parent.mkdir(parents=True, exist_ok=True)
    Path(options.out).write_text(json.dumps(record, indent=2) + "\n")
    print(f"results: {options.out}")


if __name__ == "__main__":
    main()
