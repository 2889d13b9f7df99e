"""Issue 20's known-answer table: the quick and full studies of every built-in, judged with the
margin rule. Reads the study folders that ``bench/quick_studies.py --full --keep DIR`` leaves
(DIR/NAME-quick and DIR/NAME-full), re-summarises each with the current decision rule
(``depthlab report`` on the stored rows: no training), and counts

- agreement: datasets where the quick and the full study recommend the same model id;
- bad recommendations: a recommended model whose gap to that study's best exceeds the margin
  with its interval excluding it (labelled ``worse``; goal 0, quick and full alike);
- seeds: how many seeds each study's models used (racing adds seeds where it decides).

example:
  .venv/bin/python bench/quick_studies.py --full --keep /work/budgets   # the studies (hours)
  .venv/bin/python bench/verdicts.py /work/budgets --json bench/results/verdicts.json
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DEPTHLAB = str(HERE.parent / ".venv/bin/depthlab")


def judge(folder: Path) -> dict[str, Any] | None:
    """The study in *folder* re-summarised with the current rule (None if it is missing)."""
    if not (folder / "study.sqlite").is_file():
        return None
    done = subprocess.run([DEPTHLAB, "-q", "report", str(folder)], capture_output=True, text=True)
    if done.returncode != 0:
        return {"error": (done.stderr or done.stdout).strip()[-300:]}
    summary = json.loads((folder / "summary.json").read_text())
    rec = summary.get("recommendation", {})
    pick, best = rec.get("model"), summary.get("best")
    label = "best" if pick == best else rec.get("comparisons", {}).get(pick, {}).get("label")
    seeds = {m: rows[-1].get("n") for m, rows in summary["scores"].items()}
    return {
        "recommended": pick,
        "best": best,
        "label": label,
        "bad": label == "worse",
        "margin": rec.get("margin"),
        "undecided": rec.get("undecided", []),
        "seeds": seeds,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path, help="the --keep folder of quick_studies.py --full")
    parser.add_argument("--json", type=Path, help="also write the rows as JSON")
    args = parser.parse_args()
    names = sorted(
        {p.name.rsplit("-", 1)[0] for p in args.folder.iterdir() if p.name.endswith("-quick")}
    )
    rows = []
    for name in names:
        quick, full = (judge(args.folder / f"{name}-{mode}") for mode in ("quick", "full"))
        agree = bool(quick and full and quick.get("recommended") == full.get("recommended"))
        rows.append({"dataset": name, "quick": quick, "full": full, "agree": agree})
    print(f"{'dataset':<18} {'quick':<16} {'full':<16} agree  bad (quick/full)")
    for row in rows:
        q, f = row["quick"] or {}, row["full"] or {}
        print(
            f"{row['dataset']:<18} {q.get('recommended')!s:<16} {f.get('recommended')!s:<16} "
            f"{'yes' if row['agree'] else 'no ':<6} {q.get('bad')}/{f.get('bad')}"
        )
    both = [r for r in rows if r["quick"] and r["full"]]
    bad = sum(
        bool((r["quick"] or {}).get("bad")) + bool((r["full"] or {}).get("bad")) for r in rows
    )
    print(f"agree on {sum(r['agree'] for r in both)} of {len(both)}; bad recommendations: {bad}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(rows, indent=2))
    sys.exit(0)


if __name__ == "__main__":
    main()
