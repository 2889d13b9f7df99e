"""Wall time of ``depthlab study NAME --quick`` on every built-in dataset, run as a user runs it;
with ``--full``, the full default study too, and whether the two recommend the same model.

Each study runs in a fresh temporary folder (or, with ``--keep DIR``, in DIR/NAME-quick and
DIR/NAME-full, resumed when run again), then ``depthlab report`` renders it; the table gives the
study's wall time, its job count, the recommended model and its test score, and the report's
time. The load average before each study is recorded, since a busy machine makes every figure
slower.

example:
  .venv/bin/python bench/quick_studies.py                        # every built-in
  .venv/bin/python bench/quick_studies.py --datasets fsdd sunspots --json out/bench/quick.json
  .venv/bin/python bench/quick_studies.py --full --keep /tmp/budgets  # quick against full
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DEPTHLAB = str(HERE.parent / ".venv/bin/depthlab")


def builtins() -> list[str]:
    from depthlab.data.datasets import list_datasets

    return [spec.name for spec in list_datasets()]


def run(name: str, folder: Path, quick: bool = True) -> dict[str, Any]:
    load = os.getloadavg()[0]
    started = time.perf_counter()
    study = subprocess.run(
        [DEPTHLAB, "-q", "study", name, *(["--quick"] if quick else []), "--out", str(folder)],
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - started
    if study.returncode != 0:
        return {"dataset": name, "error": (study.stderr or study.stdout).strip()[-300:]}
    started = time.perf_counter()
    report = subprocess.run([DEPTHLAB, "report", str(folder)], capture_output=True, text=True)
    report_seconds = time.perf_counter() - started
    summary = json.loads((folder / "summary.json").read_text())
    pick = summary.get("recommendation", {}).get("model")
    metric = summary.get("metric")
    score = summary["scores"].get(pick, [{}])[-1].get("mean") if pick else None
    return {
        "dataset": name,
        "mode": "quick" if quick else "full",
        "seconds": round(seconds, 1),
        "jobs": summary["progress"]["planned"],
        "recommended": pick,
        "metric": metric,
        "score": score,
        "report_seconds": round(report_seconds, 1),
        "report_ok": report.returncode == 0,
        "load_before": round(load, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--datasets", nargs="+", help="built-in names (default: all)")
    parser.add_argument("--json", type=Path, help="also write the rows as JSON")
    parser.add_argument("--full", action="store_true", help="also the full default study")
    parser.add_argument("--keep", type=Path, help="keep (and resume) the study folders here")
    args = parser.parse_args()
    from depthlab.machine import cpu_cores, cpu_name

    rows = []
    for name in args.datasets or builtins():
        for quick in (True, False) if args.full else (True,):
            mode = "quick" if quick else "full"
            if args.keep:
                row = run(name, args.keep / f"{name}-{mode}", quick)
            else:
                with tempfile.TemporaryDirectory(prefix=f"{mode}-{name}-") as tmp:
                    row = run(name, Path(tmp) / "study", quick)
            rows.append(row)
            print(json.dumps(row), flush=True)
    print(
        f"\n--quick studies on {cpu_name()}, {cpu_cores()} cores; python {sys.version.split()[0]}"
    )
    header = ("dataset", "mode", "wall s", "jobs", "recommended", "score", "load")
    print("{:18s} {:5s} {:>7s} {:>5s}  {:16s} {:>8s} {:>5s}".format(*header))
    for r in rows:
        if "error" in r:
            print(f"{r['dataset']:18s} failed: {r['error']}")
            continue
        score = f"{r['score']:.4f}" if isinstance(r["score"], float) else "-"
        print(
            f"{r['dataset']:18s} {r['mode']:5s} {r['seconds']:7.1f} {r['jobs']:5d}  "
            f"{r['recommended']!s:16s} {score:>8s} {r['load_before']:5.2f}"
        )
    picks: dict[str, dict[str, Any]] = {}
    for r in rows:
        picks.setdefault(r["dataset"], {})[r.get("mode", "quick")] = r.get("recommended")
    both = {name: p for name, p in picks.items() if {"quick", "full"} <= set(p)}
    if both:
        same = sum(p["quick"] == p["full"] for p in both.values())
        print(f"quick recommends the full study's model on {same} of {len(both)} datasets")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
