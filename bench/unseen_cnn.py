"""The deep CNN with default settings on an image folder nobody tuned for (bench/unseen_images.py).

For each seed, in a fresh process each, as a user would type them:
``depthlab train --data FOLDER/train --model cnn --preset deep --seed S --out RUN`` (the preset
sized to the images, every other setting a default), timed from start to exit, then
``depthlab predict RUN FOLDER/test --json``: accuracy on the folder's own test images, which
training never saw (depthlab splits its validation and internal test parts off FOLDER/train).
Prints one row per seed (wall time, epochs, seconds per epoch, internal and folder test
accuracy) and their mean; writes bench/results/unseen_cnn.json. Goal (issue 19): >= 0.89 on the
folder's test images, trained in <= 2 minutes on 2 cores.

example:
  OMP_NUM_THREADS=2 .venv/bin/python bench/unseen_cnn.py /work/unseen/fashion --seeds 0 1 2
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def depthlab(*args: str) -> str:
    command = [sys.executable, "-m", "depthlab", "-q", *args]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode:
        sys.exit(f"{' '.join(command)} failed:\n{done.stderr[-2000:]}")
    return done.stdout


def children_cpu() -> float:
    """User + system CPU seconds of the finished child processes: a figure the other jobs on a
    shared machine barely change, unlike the wall time."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def one_seed(folder: Path, seed: int, preset: str, scratch: Path) -> dict[str, Any]:
    run = scratch / f"cnn-{preset}-{seed}"
    start, cpu = time.perf_counter(), children_cpu()
    depthlab(
        "train", "--data", str(folder / "train"), "--model", "cnn", "--preset", preset,
        "--seed", str(seed), "--out", str(run),
    )  # fmt: skip
    wall, cpu = time.perf_counter() - start, children_cpu() - cpu
    scored = json.loads(depthlab("predict", str(run), str(folder / "test"), "--json",
                                 "-o", str(scratch / "predictions.csv")))  # fmt: skip
    history = [json.loads(line) for line in (run / "history.jsonl").read_text().splitlines()]
    metrics = json.loads((run / "metrics.json").read_text())
    options = json.loads((run / "run.json").read_text())["model"]["options"]
    return {
        "seed": seed,
        "wall_s": round(wall, 1),
        "cpu_s": round(cpu, 1),
        "epochs": len(history),
        "s_per_epoch": round(history[-1]["seconds"] / len(history), 2),
        "internal_test": metrics["test"]["accuracy"],
        "folder_test": scored["accuracy"],
        "channels": options["channels"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path, help="a folder with train/ and test/ inside")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--preset", default="deep")
    parser.add_argument("--json", type=Path, default=HERE / "results" / "unseen_cnn.json")
    args = parser.parse_args()
    load = os.getloadavg()
    with tempfile.TemporaryDirectory() as scratch:
        rows = [one_seed(args.folder, s, args.preset, Path(scratch)) for s in args.seeds]
    print(f"{args.folder.name}, cnn {args.preset}, OMP_NUM_THREADS="
          f"{os.environ.get('OMP_NUM_THREADS', 'unset')}, load before {load[0]:.1f}")  # fmt: skip
    print(f"{'seed':>4} {'wall s':>7} {'CPU s':>7} {'epochs':>6} {'s/epoch':>7} {'internal':>8} "
          f"{'folder':>7}")  # fmt: skip
    for r in rows:
        print(f"{r['seed']:>4} {r['wall_s']:>7.1f} {r['cpu_s']:>7.1f} {r['epochs']:>6} "
              f"{r['s_per_epoch']:>7.2f} "
              f"{r['internal_test']:>8.4f} {r['folder_test']:>7.4f}")  # fmt: skip
    mean = statistics.mean(r["folder_test"] for r in rows)
    wall = statistics.mean(r["wall_s"] for r in rows)
    print(f"mean {wall:>7.1f} s, folder test accuracy {mean:.4f} (goal >= 0.89 in <= 120 s)")
    print(f"load after {os.getloadavg()[0]:.1f}; channels {rows[0]['channels']}")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    result = {"folder": str(args.folder), "preset": args.preset, "rows": rows, "load": load}
    args.json.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
