"""Issue 20's stability and cost checks of the verdict.

Stability: the full default study of each dataset is rerun on other seed sets (``--first-seed
S``: seeds S, S + 1, ..., other splits and initial weights); the verdict is stable when every
seed set recommends the same model and finds the same claims supported and the same claims
contradicted. A study already run from seed 0 (``bench/quick_studies.py --full --keep DIR``
leaves DIR/NAME-full) is read, not rerun.

Cost: with ``--fixed``, each seed set's racing study is followed by the same study with a fixed
3 seeds (``--no-race --seeds 3``), side by side in one run: racing must not make the study
slower.

example:
  .venv/bin/python bench/verdict_stability.py --datasets iris --first-seeds 0 100 200 \\
      --keep /work/budgets
  .venv/bin/python bench/verdict_stability.py --datasets mnist1d --first-seeds 100 --fixed \\
      --keep /work/budgets --json bench/results/stability.json
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DEPTHLAB = str(HERE.parent / ".venv/bin/depthlab")
FIRM = ("supported", "contradicted")


def study(name: str, folder: Path, flags: list[str]) -> dict[str, Any]:
    """Run (or resume) the study into *folder*; wall seconds of this call."""
    load = os.getloadavg()[0]
    started = time.perf_counter()
    done = subprocess.run(
        [DEPTHLAB, "-q", "study", name, *flags, "--out", str(folder)],
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        return {"error": (done.stderr or done.stdout).strip()[-300:]}
    return {"seconds": round(seconds, 1), "load_before": round(load, 2)}


def verdict(folder: Path) -> dict[str, Any]:
    """The stored study's recommendation, firm claims, seeds and job count."""
    summary = json.loads((folder / "summary.json").read_text())
    rec = summary.get("recommendation", {})
    claims = {c["claim"]: c["verdict"] for c in summary.get("claims", []) if c["verdict"] in FIRM}
    return {
        "recommended": rec.get("model"),
        "best": summary.get("best"),
        "undecided": rec.get("undecided", []),
        "claims": claims,
        "jobs": summary["progress"]["planned"],
        "seeds": {m: rows[-1].get("n") for m, rows in summary["scores"].items()},
        "racing": (summary.get("racing") or {}).get("taken"),
    }


def seed_set(name: str, first: int, keep: Path, fixed: bool) -> list[dict[str, Any]]:
    """The racing study from seed *first* (and, with *fixed*, its fixed-3-seed twin)."""
    rows = []
    variants = [("race", [])] + ([("fixed-3", ["--no-race", "--seeds", "3"])] if fixed else [])
    for mode, flags in variants:
        folder = keep / f"{name}-full" if first == 0 and mode == "race" else None
        folder = folder or keep / f"{name}-full-s{first}-{mode}"
        if folder.joinpath("summary.json").is_file() and first == 0 and mode == "race":
            row: dict[str, Any] = {"seconds": None, "load_before": None, "reused": True}
        else:
            row = study(name, folder, [*flags, "--first-seed", str(first)])
        if "error" not in row:
            row.update(verdict(folder))
        rows.append({"dataset": name, "first_seed": first, "mode": mode, **row})
        print(json.dumps(rows[-1]), flush=True)
    return rows


def stable(rows: list[dict[str, Any]]) -> str:
    """Whether the racing studies of one dataset agree: recommendation and firm claims."""
    runs = [r for r in rows if r["mode"] == "race" and "error" not in r]
    picks = {r["recommended"] for r in runs}
    claims = {json.dumps(r["claims"], sort_keys=True) for r in runs}
    return (
        f"recommendation {'same' if len(picks) == 1 else 'differs'} ({', '.join(sorted(picks))}); "
        f"supported/contradicted claims {'same' if len(claims) == 1 else 'differ'}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--datasets", nargs="+", required=True, help="built-in names")
    parser.add_argument("--first-seeds", nargs="+", type=int, default=[0, 100])
    parser.add_argument("--fixed", action="store_true", help="also a fixed-3-seed twin")
    parser.add_argument("--keep", type=Path, required=True, help="study folders (resumed)")
    parser.add_argument("--json", type=Path, help="also write the rows as JSON")
    args = parser.parse_args()
    rows: list[dict[str, Any]] = []
    for name in args.datasets:
        mine = [
            row
            for first in args.first_seeds
            for row in seed_set(name, first, args.keep, args.fixed)
        ]
        rows += mine
        print(f"{name}: {stable(mine)}")
        for r in mine:
            if r["mode"] == "fixed-3" and "error" not in r:
                twin = next(
                    x for x in mine if x["first_seed"] == r["first_seed"] and x["mode"] == "race"
                )
                print(
                    f"  seeds from {r['first_seed']}: racing {twin['seconds']} s, "
                    f"{twin['jobs']} jobs; fixed 3 seeds {r['seconds']} s, {r['jobs']} jobs"
                )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
