"""Transfer on spoken digits (FSDD): a new speaker with 1, 5 and 20 examples per digit.

Protocol (the study's transfer row, :func:`depthlab.studies.fitting.few_shot.few_shot`, at the full
budget), once per seed and new speaker, each in a fresh Python process:

* **pretrain** the deep CNN on log-mel spectrograms (depthlab's defaults for FSDD) on the other
  four speakers (a stratified 70 / 15 / 15 split of their 2,000 clips: training, validation for
  the best epoch, and a source test);
* draw k = 1, 5 and 20 recordings per digit of the new speaker (seeded; smaller k are subsets of
  larger ones); the **test set** is every recording of the new speaker not drawn for k = 20
  (30 per digit, 300 clips), the same for every k;
* **fine-tuned**: the pretrained network (the head is kept: the same ten digits), every layer
  trainable, the head at the study's learning rate and the pretrained layers at a tenth of it;
  **scratch**: the same network from a random start; both train the same number of steps
  (200) on the same k examples per digit, with the same inputs (the source's feature
  statistics).

Default new speaker: ``yweweler`` (the study recipe's, last in alphabetical order); ``--speakers``
runs others. Goal (issue 6): fine-tuned at least 10 points above scratch at 5 per digit.
Seconds are wall time of the whole child process (decoding, features, pretraining and the six
fine-tunes); the machine is described below the table, with its load.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SPEAKERS = ("george", "jackson", "nicolas", "theo", "yweweler")
MODEL = "cnn:deep"
SHOTS = (1, 5, 20)
GOAL_POINTS = 10.0

EXAMPLES = """\
example:
  OMP_NUM_THREADS=1 .venv/bin/python bench/transfer_fsdd.py --threads 1 --jobs 3   # yweweler
  .venv/bin/python bench/transfer_fsdd.py --speakers george nicolas --seeds 0
"""


def child(speaker: str, seed: int, threads: int | None) -> None:
    """One seed on one new speaker: print the figures as one JSON line."""
    import dataclasses

    import numpy as np
    import torch

    from depthlab.config import StudyConfig
    from depthlab.data.load import load_dataset
    from depthlab.studies.fitting.few_shot import few_shot

    if threads is not None:
        torch.set_num_threads(threads)
    started = time.perf_counter()
    ds = load_dataset("fsdd")
    assert ds.groups is not None
    new = ds.groups == speaker
    source = dataclasses.replace(ds.subset(np.flatnonzero(~new)), name="fsdd, four speakers")
    target = dataclasses.replace(ds.subset(np.flatnonzero(new)), name=f"fsdd, {speaker}")
    result = few_shot(source, target, MODEL, seed, StudyConfig(), shots=SHOTS)
    result.update(
        speaker=speaker,
        seed=seed,
        seconds=round(time.perf_counter() - started, 1),
        torch_threads=torch.get_num_threads(),
    )
    print(json.dumps(result))


def measure(speaker: str, seed: int, threads: int | None) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", speaker, "--seeds", str(seed)]
    if threads is not None:
        command += ["--threads", str(threads)]
    load_before = os.getloadavg()[0]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{speaker} seed {seed} failed:\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    result["load"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
    return result


def mean_std(values: list[float]) -> str:
    sd = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{statistics.mean(values):5.1f} ± {sd:4.1f}"


def table(runs: list[dict[str, Any]]) -> list[str]:
    lines = [f"{'speaker':10}{'k':>4}{'fine-tuned %':>16}{'scratch %':>16}{'gain (points)':>17}"]
    gains_at_5: list[float] = []
    for speaker in sorted({r["speaker"] for r in runs}):
        mine = [r for r in runs if r["speaker"] == speaker]
        for k in SHOTS:
            rows = [row for r in mine for row in r["shots"] if row["k"] == k]
            tuned = [100 * row["finetuned"] for row in rows]
            scratch = [100 * row["scratch"] for row in rows]
            gain = [a - b for a, b in zip(tuned, scratch, strict=True)]
            if k == 5:
                gains_at_5 += gain
            lines.append(
                f"{speaker:10}{k:>4}{mean_std(tuned):>16}{mean_std(scratch):>16}"
                f"{mean_std(gain):>17}"
            )
        source = [100 * r["source"]["accuracy"] for r in mine]
        seconds = [r["seconds"] for r in mine]
        lines.append(
            f"{'':10}source test accuracy {mean_std(source)} %, "
            f"{statistics.mean(seconds):.0f} s per seed (wall, whole process)"
        )
    if gains_at_5:
        at_5 = statistics.mean(gains_at_5)
        mark = "PASS" if at_5 >= GOAL_POINTS else "MISS"
        lines.append(f"{mark}  fine-tuned - scratch at 5 per digit >= {GOAL_POINTS:g}: {at_5:+.1f}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--speakers", nargs="+", default=["yweweler"], choices=SPEAKERS)
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--threads", type=int, default=None, help="torch threads per run")
    parser.add_argument("--jobs", type=int, default=1, help="runs at the same time")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    parser.add_argument(
        "--out", type=Path, default=HERE / "results" / "transfer_fsdd.json", help="JSON results"
    )
    args = parser.parse_args()
    if args.child is not None:
        child(args.child, args.seeds[0], args.threads)
        return
    runs = []
    started = time.perf_counter()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    todo = [(speaker, seed) for speaker in args.speakers for seed in args.seeds]
    with ThreadPoolExecutor(args.jobs) as pool:  # each run is its own process
        futures = [pool.submit(measure, speaker, seed, args.threads) for speaker, seed in todo]
        for future in as_completed(futures):
            runs.append(future.result())
            done = runs[-1]
            print(f"{done['speaker']} seed {done['seed']}: {done['seconds']} s", file=sys.stderr)
            # Kept after every run: an interrupted benchmark keeps the seeds it finished.
            args.out.write_text(json.dumps({"runs": runs}, indent=2) + "\n")
    runs.sort(key=lambda r: (r["speaker"], r["seed"]))
    lines = table(runs)
    wall = time.perf_counter() - started
    print("\n".join(lines))
    facts = machine()
    print(
        f"{len(runs)} runs in {wall / 60:.1f} min; machine: {facts['cpu']}, "
        f"{facts['usable_cores']} usable cores, {facts['ram_gib']} GiB, torch {facts['torch']}; "
        f"load before/after each run: {[r['load'] for r in runs]}"
    )
    out = {"machine": facts, "runs": runs, "wall_seconds": wall, "table": lines}
    args.out.write_text(json.dumps(out, indent=2) + "\n")


def machine() -> dict[str, Any]:
    """The machine and software, as every benchmark records them (depthlab.machine)."""
    from depthlab.machine import describe

    return dict(describe("librosa"))


if __name__ == "__main__":
    main()
