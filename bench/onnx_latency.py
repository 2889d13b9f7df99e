"""ONNX Runtime against PyTorch eager: latency of the MNIST-1D deep CNN's forward pass, for one
example and for batches, in one process and one thread each (as ``depthlab serve`` runs them).

The model is the run of bench/serve_wrk.py (trained and exported there once, or ``--run``). Each
backend gets the same preprocessed inputs (MNIST-1D test examples); after a warm-up, each
configuration is timed ``--repeats`` times, interleaving the backends so a busy machine slows
both alike. Reported: median and p99 milliseconds per call, examples per second, and the ratio
PyTorch / ONNX Runtime of the medians (above 1: ONNX Runtime is faster).

example:
  .venv/bin/python bench/onnx_latency.py
  .venv/bin/python bench/onnx_latency.py --run runs/cnn --batches 1 32 256 --repeats 500
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import statistics
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "src"))

from serve_wrk import RESULTS, machine, prepare_run  # noqa: E402


def timings(call: Any, repeats: int) -> list[float]:
    out = []
    for _ in range(repeats):
        started = time.perf_counter()
        call()
        out.append(time.perf_counter() - started)
    return out


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--run", type=Path, help="a trained MNIST-1D CNN run folder")
    parser.add_argument("--batches", type=int, nargs="+", default=[1, 32, 256])
    parser.add_argument("--repeats", type=int, default=300)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", type=Path, default=RESULTS / "onnx_latency.json")
    args = parser.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", str(args.threads))
    RESULTS.mkdir(parents=True, exist_ok=True)
    run = prepare_run(args.run)

    import numpy as np
    import torch

    import depthlab as dl
    from depthlab.export.bundle import read_sidecar
    from depthlab.export.inference import Inference, OnnxBackend, TorchBackend

    torch.set_num_threads(args.threads)
    onnx = OnnxBackend(run / "export" / "model.onnx", threads=args.threads)
    eager = TorchBackend.from_run(run)
    ds = dl.load_dataset("mnist1d")
    inference = Inference(read_sidecar(run / "export" / "preprocess.json"), onnx)
    x_all = inference.model_inputs(ds.inputs[-max(args.batches) :])
    rows = []
    for batch in args.batches:
        x = np.ascontiguousarray(x_all[:batch])
        diff = float(np.abs(onnx(x) - eager(x)).max())
        for _ in range(20):  # warm-up: allocations, caches, lazy initialisation
            onnx(x)
            eager(x)
        onnx_times: list[float] = []
        eager_times: list[float] = []
        for _ in range(10):  # interleaved rounds: a burst of load hits both backends
            onnx_times += timings(lambda x=x: onnx(x), args.repeats // 10)
            eager_times += timings(lambda x=x: eager(x), args.repeats // 10)
        row = {"batch": batch, "max_abs_diff": diff}
        for name, values in (("onnx", onnx_times), ("torch", eager_times)):
            row[name] = {
                "median_ms": statistics.median(values) * 1e3,
                "p99_ms": p99(values) * 1e3,
                "examples_per_s": batch / statistics.median(values),
                "calls": len(values),
            }
        row["ratio"] = row["torch"]["median_ms"] / row["onnx"]["median_ms"]
        rows.append(row)
        print(
            f"batch {batch}: onnx {row['onnx']['median_ms']:.3f} ms, "
            f"torch {row['torch']['median_ms']:.3f} ms",
            flush=True,
        )
    results = {
        "command": shlex.join([sys.executable, *sys.argv]),
        "machine": machine(),
        "params": {"threads": args.threads, "repeats": args.repeats, "run": str(run)},
        "load_after": os.getloadavg()[0],
        "rows": rows,
    }
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    m = results["machine"]
    print()
    print(
        f"machine: {m['cpu']}, {m['usable_cores']} usable cores; onnxruntime "
        f"{m['onnxruntime']}, torch {m['torch']}; {args.threads} thread(s); "
        f"load (1 min) after: {results['load_after']:.2f}"
    )
    print(f"command: {results['command']}")
    print()
    print(
        f"{'batch':>6}{'ORT median ms':>15}{'ORT p99 ms':>12}{'torch median ms':>17}"
        f"{'torch p99 ms':>14}{'torch / ORT':>13}{'ORT ex/s':>11}"
    )
    for r in rows:
        print(
            f"{r['batch']:>6}{r['onnx']['median_ms']:>15.3f}{r['onnx']['p99_ms']:>12.3f}"
            f"{r['torch']['median_ms']:>17.3f}{r['torch']['p99_ms']:>14.3f}"
            f"{r['ratio']:>12.2f}x{r['onnx']['examples_per_s']:>11.0f}"
        )
    print(f"\nwritten to {args.out}")


if __name__ == "__main__":
    main()
