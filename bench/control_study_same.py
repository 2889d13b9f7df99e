"""Whether two runs of ``depthlab study PLANT`` with the same seeds gave the same figures.

Compares every per-seed value of two ``summary.json`` files (identification metrics per model,
fraction and seed; the control ladder's returns, success rates and efforts; the claims'
verdicts and the recommendations), the seconds left out (they are the machine's, not the
seed's). Prints a line per part and writes ``bench/results/control_study_same.json``.

example:
  python bench/control_study_same.py /work/unseen/cstudy/quick-a /work/unseen/cstudy/quick-b
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
TIMES = ("train_seconds", "seconds_per_step", "steps")


def figures(summary: dict[str, Any]) -> dict[str, Any]:
    """Every per-seed value that a fixed seed fixes, by a flat key."""
    out: dict[str, Any] = {}
    for model, rows in summary["identification"].items():
        for row in rows:
            for metric, values in row["values"].items():
                if metric not in TIMES:
                    out[f"{model}/f{row['fraction']:g}/{metric}"] = values
    for name, row in (summary.get("control") or {}).get("controllers", {}).items():
        for metric, values in row["values"].items():
            if metric not in TIMES:
                out[f"policy:{name}/{metric}"] = values
    # The cost claim reads seconds: its verdict may differ from run to run; the others may not.
    for claim in summary["claims"]:
        if "compute" not in claim["claim"]:
            out[f"claim/{claim['claim']}"] = claim["verdict"]
    for part, chosen in summary["recommendation"].items():
        if chosen:
            out[f"recommendation/{part}"] = chosen.get("model") or chosen.get("policy")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("first", type=Path, help="a study folder")
    parser.add_argument("second", type=Path, help="another folder of the same study")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "control_study_same.json")
    args = parser.parse_args()
    a, b = (
        figures(json.loads((f / "summary.json").read_text())) for f in (args.first, args.second)
    )
    differ = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
    values = sum(len(v) if isinstance(v, list) else 1 for v in a.values())
    print(f"{len(a)} figures ({values} values) compared; {len(differ)} differ")
    for key in differ:
        print(f"  {key}: {a.get(key)} != {b.get(key)}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    report = {"first": str(args.first), "second": str(args.second), "figures": len(a)}
    args.out.write_text(json.dumps({**report, "values": values, "differ": differ}, indent=2))


if __name__ == "__main__":
    main()
