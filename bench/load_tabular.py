"""Loading a large CSV with depthlab against plain ``pandas.read_csv``: time and peak memory.

A seeded generator writes a realistic table (floats, a few integers, two categorical string
columns, some missing values, a 3-class ``target``). Each measurement then runs in a fresh
Python process, so that its peak memory is its own:

- reference: ``pandas.read_csv(path)``, the C engine with default options;
- depthlab: ``depthlab.load_dataset(path, target="target")`` then
  ``depthlab.split_dataset(ds, seed=0)`` (read, validate, coerce, split).

Both children import the same modules and warm up on a small sibling file before the clock
starts, so imports and first-call costs are left out. Peak memory is ``ru_maxrss`` of the child
after the work, less its ``ru_maxrss`` after the imports and the warm-up (``VmHWM`` is recorded
too, as a cross-check). A child inherits its parent's ``ru_maxrss`` across fork + exec, so the
parent stays small: the table is generated in a child of its own.
The goal (issue): depthlab within 1.5x pandas' time and 2x its peak memory.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

SEED = 20261124
GENERATOR_VERSION = 1  # bump when the generated table changes, so old files are not reused
N_INTS = 2
N_CATS = 2
MISSING_SHARE = 0.01  # of the rows, in some float columns; half that in one categorical column
WARMUP_ROWS = 2_000
TIME_GOAL = 1.5
MEMORY_GOAL = 2.0
HERE = Path(__file__).resolve().parent

EXAMPLES = """\
example:
  .venv/bin/python bench/load_tabular.py                  # 1,000,000 x 20, 9 repeats
  .venv/bin/python bench/load_tabular.py --rows 200000 --repeats 5 --keep
"""


# ---------------------------------------------------------------------------------------------
# The table


def table_path(folder: Path, rows: int, cols: int) -> Path:
    return folder / f"table-{rows}x{cols}-seed{SEED}-v{GENERATOR_VERSION}.csv"


def make_table(rows: int, cols: int) -> Any:
    """A seeded DataFrame: float features, integer counts, two categories, a 3-class target."""
    import pandas as pd

    n_floats = cols - 1 - N_INTS - N_CATS
    if n_floats < 1:
        raise SystemExit(f"--cols must be at least {N_INTS + N_CATS + 2}")
    rng = np.random.default_rng(SEED)
    data: dict[str, Any] = {}
    for i in range(n_floats):
        kind = i % 3
        if kind == 0:
            values = rng.normal(0.0, 1.0 + i, rows)
        elif kind == 1:
            values = rng.lognormal(2.0, 0.75, rows)
        else:
            values = rng.uniform(-50.0, 50.0, rows)
        data[f"x{i:02d}"] = np.round(values, 4)
    data["age"] = rng.integers(18, 91, rows)
    data["visits"] = rng.poisson(3.0, rows)
    colors = np.array(["red", "green", "blue"])
    regions = np.array(["north", "south", "east", "west"])
    color_codes = rng.integers(0, len(colors), rows)
    region_codes = rng.integers(0, len(regions), rows)
    data["color"] = colors[color_codes]
    data["region"] = regions[region_codes].astype(object)
    score = (
        data["x00"]
        + 0.05 * data["x02"]
        + 0.02 * (data["age"] - 50)
        + 0.6 * (color_codes == 2)
        - 0.4 * (region_codes == 1)
        + rng.normal(0.0, 1.0, rows)
    )
    data["target"] = np.digitize(score, np.quantile(score, [1 / 3, 2 / 3]))
    frame = pd.DataFrame(data)
    for i in range(0, n_floats, 5):  # every fifth float column has missing values
        column = frame.columns[i]
        frame.loc[rng.random(rows) < MISSING_SHARE, column] = np.nan
    frame.loc[rng.random(rows) < MISSING_SHARE / 2, "region"] = None
    return frame


def write_table(path: Path, warmup: Path, rows: int, cols: int) -> None:
    """The big CSV and a small warm-up CSV of the same shape (in a child process)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    frame = make_table(rows, cols)
    for target, part in ((warmup, frame.head(WARMUP_ROWS)), (path, frame)):
        partial = target.with_suffix(".partial")
        part.to_csv(partial, index=False)
        partial.replace(target)  # whole or absent, never half-written


# ---------------------------------------------------------------------------------------------
# One measurement, in a child process


def max_rss_mib() -> float:
    """This process's peak resident memory so far (``ru_maxrss`` is KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mib() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def hwm_mib() -> float:
    """Peak resident memory of this process image (``VmHWM``; unlike ``ru_maxrss``, not
    inherited from the parent across fork + exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def child(mode: str, path: Path, warmup: Path) -> None:
    """Import everything both sides use, warm up, then time one run and print its figures."""
    import gc

    import pandas as pd
    import pyarrow  # noqa: F401  (pandas 3 keeps text columns in Arrow; imported by both)
    import sklearn.model_selection  # noqa: F401

    import depthlab
    import depthlab.data.load
    import depthlab.data.splits
    import depthlab.data.tabular
    import depthlab.data.text

    def reference(source: Path) -> dict[str, float]:
        frame = pd.read_csv(source)
        return {"rows": float(len(frame))}

    def ours(source: Path) -> dict[str, float]:
        start = time.perf_counter()
        ds = depthlab.load_dataset(source, target="target")
        loaded = time.perf_counter()
        split = depthlab.split_dataset(ds, seed=0)
        return {
            "rows": float(len(ds)),
            "load_s": loaded - start,
            "split_s": time.perf_counter() - loaded,
            "train": float(len(split.train)),
        }

    work = reference if mode == "pandas" else ours
    work(warmup)
    gc.collect()
    base_peak, base_rss, base_hwm = max_rss_mib(), current_rss_mib(), hwm_mib()
    start = time.perf_counter()
    extra = work(path)
    wall = time.perf_counter() - start
    peak, hwm = max_rss_mib(), hwm_mib()
    result = {
        "mode": mode,
        "wall_s": wall,
        "peak_mib": peak,
        "baseline_peak_mib": base_peak,
        "baseline_rss_mib": base_rss,
        "peak_delta_mib": peak - base_peak,
        "hwm_delta_mib": hwm - base_hwm,
        **extra,
    }
    print(json.dumps(result))


def measure(mode: str, path: Path, warmup: Path) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", mode, "--csv", str(path), "--warmup-csv"]
    done = subprocess.run(
        [*command, str(warmup)], capture_output=True, text=True, check=False, cwd=Path.cwd()
    )
    if done.returncode != 0:
        raise SystemExit(f"the {mode} measurement failed:\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


# ---------------------------------------------------------------------------------------------
# The parent: machine, runs, table, JSON


def machine() -> dict[str, Any]:
    """The machine and software, as every benchmark records them (depthlab.machine)."""
    from depthlab.machine import describe

    return dict(describe("pandas", "pyarrow", "numpy"))


def shown_command() -> str:
    python = Path(sys.executable)
    try:
        shown = str(python.relative_to(Path.cwd()))
    except ValueError:
        shown = str(python)
    return shlex.join([shown, *sys.argv])


def summarise(runs: list[dict[str, Any]]) -> dict[str, float]:
    walls = [r["wall_s"] for r in runs]
    deltas = [r["peak_delta_mib"] for r in runs]
    return {
        "wall_median_s": statistics.median(walls),
        "wall_min_s": min(walls),
        "peak_delta_median_mib": statistics.median(deltas),
        "peak_median_mib": statistics.median(r["peak_mib"] for r in runs),
        "hwm_delta_median_mib": statistics.median(r["hwm_delta_mib"] for r in runs),
    }


def report(results: dict[str, Any]) -> None:
    ref, ours = results["summary"]["pandas"], results["summary"]["depthlab"]
    ratios = results["ratios"]
    m = results["machine"]
    print()
    print(f"machine: {m['cpu']}, {m['usable_cores']} cores, {m['ram_gib']} GiB RAM")
    print(f"python {m['python']}, pandas {m['pandas']}, pyarrow {m['pyarrow']}, numpy {m['numpy']}")
    print(f"command: {results['command']}")
    p = results["params"]
    print(
        f"table:   {p['rows']:,} rows x {p['cols']} columns, "
        f"{p['csv_mib']:.1f} MiB CSV, {p['repeats']} runs each"
    )
    print()
    header = f"{'':28}{'median s':>10}{'min s':>10}{'peak Δ MiB':>12}{'peak MiB':>10}"
    print(header)
    print("-" * len(header))
    for label, s in (
        ("pandas.read_csv (C engine)", ref),
        ("depthlab load+split", ours),
    ):
        print(
            f"{label:28}{s['wall_median_s']:10.3f}{s['wall_min_s']:10.3f}"
            f"{s['peak_delta_median_mib']:12.1f}{s['peak_median_mib']:10.1f}"
        )
    print("-" * len(header))
    print(f"{'ratio depthlab / pandas':28}{ratios['time']:9.2f}x{'':10}{ratios['memory']:11.2f}x")
    print(f"{'goal':28}{'<=' + str(TIME_GOAL) + 'x':>10}{'':10}{'<=' + str(MEMORY_GOAL) + 'x':>12}")
    loads = [r["load_s"] for r in results["runs"]["depthlab"]]
    splits = [r["split_s"] for r in results["runs"]["depthlab"]]
    print()
    print(
        f"depthlab breakdown (median): load {statistics.median(loads):.3f} s, "
        f"split {statistics.median(splits):.3f} s"
    )
    print(f"time ratio of the fastest runs: {ratios['time_of_fastest']:.2f}x")
    print(
        f"cross-check, VmHWM delta (median): pandas {ref['hwm_delta_median_mib']:.1f} MiB, "
        f"depthlab {ours['hwm_delta_median_mib']:.1f} MiB"
    )
    verdict = "met" if results["goal_met"] else "MISSED"
    print(f"goal {verdict}: time {ratios['time']:.2f}x, memory {ratios['memory']:.2f}x")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=(
            "Time and peak memory of depthlab.load_dataset + split_dataset on a generated CSV, "
            "against plain pandas.read_csv of the same file (each run in a fresh process)."
        ),
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows (default 1000000)")
    parser.add_argument("--cols", type=int, default=20, help="columns with target (default 20)")
    parser.add_argument("--repeats", type=int, default=9, help="runs of each side (default 9)")
    parser.add_argument(
        "--out",
        type=Path,
        default=HERE / "results" / "load_tabular.json",
        help="JSON results (default bench/results/load_tabular.json)",
    )
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the generated CSV in the temp folder (reused by the next run)",
    )
    parser.add_argument(
        "--child", choices=["generate", "pandas", "depthlab"], help=argparse.SUPPRESS
    )
    parser.add_argument("--csv", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--warmup-csv", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child == "generate":
        write_table(args.csv, args.warmup_csv, args.rows, args.cols)
        return 0
    if args.child:
        child(args.child, args.csv, args.warmup_csv)
        return 0
    if args.rows < WARMUP_ROWS or args.repeats < 1:
        parser.error(f"--rows must be at least {WARMUP_ROWS} and --repeats at least 1")

    folder = Path(tempfile.gettempdir()) / "depthlab-bench"
    started = time.perf_counter()
    path = table_path(folder, args.rows, args.cols)
    warmup = path.with_name(path.stem + "-warmup.csv")
    written = not (path.is_file() and warmup.is_file())
    if written:
        command = [sys.executable, __file__, "--child", "generate", "--rows", str(args.rows)]
        command += ["--cols", str(args.cols), "--csv", str(path), "--warmup-csv", str(warmup)]
        subprocess.run(command, check=True)
    csv_mib = path.stat().st_size / 2**20
    action = "wrote" if written else "reusing"
    print(f"{action} {path} ({csv_mib:.1f} MiB)", flush=True)
    if written:
        print(f"  generated in {time.perf_counter() - started:.1f} s", flush=True)
    path.read_bytes()  # into the page cache, so that neither side pays for the disk

    runs: dict[str, list[dict[str, Any]]] = {"pandas": [], "depthlab": []}
    try:
        for i in range(args.repeats):  # interleaved, so that drift hits both sides alike
            for mode in ("pandas", "depthlab"):
                result = measure(mode, path, warmup)
                runs[mode].append(result)
                print(
                    f"  run {i + 1}/{args.repeats} {mode:9} {result['wall_s']:7.3f} s  "
                    f"peak Δ {result['peak_delta_mib']:7.1f} MiB",
                    flush=True,
                )
    finally:
        if not args.keep:
            path.unlink(missing_ok=True)
            warmup.unlink(missing_ok=True)

    summary = {mode: summarise(r) for mode, r in runs.items()}
    ratios = {
        "time": summary["depthlab"]["wall_median_s"] / summary["pandas"]["wall_median_s"],
        "time_of_fastest": summary["depthlab"]["wall_min_s"] / summary["pandas"]["wall_min_s"],
        "memory": summary["depthlab"]["peak_delta_median_mib"]
        / summary["pandas"]["peak_delta_median_mib"],
    }
    results = {
        "benchmark": "load_tabular",
        "date": time.strftime("%Y-%m-%d"),
        "command": shown_command(),
        "machine": machine(),
        "params": {
            "rows": args.rows,
            "cols": args.cols,
            "repeats": args.repeats,
            "seed": SEED,
            "generator_version": GENERATOR_VERSION,
            "csv_mib": round(csv_mib, 1),
        },
        "goal": {"time_ratio": TIME_GOAL, "memory_ratio": MEMORY_GOAL},
        "runs": runs,
        "summary": summary,
        "ratios": ratios,
        "goal_met": ratios["time"] <= TIME_GOAL and ratios["memory"] <= MEMORY_GOAL,
    }
    report(results)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nresults: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
