"""One-step-ahead forecasts of the yearly sunspot numbers over the last 30 years (1979-2008):
depthlab's networks against ARIMA(3,0,0), the model of statsmodels' sunspots example, and
persistence (next year = this year).

Protocol (everything before 1979 is the past; the test years are never looked at to choose):

- **Windows**: the ``windows`` pipeline, horizon 1: a window reads ``lookback`` years and
  forecasts the next one; its year is the year forecast. Test: the 30 windows forecasting
  1979-2008, each reading the actual values before its year (one-step-ahead, no refitting).
- **Selection on validation**: for each network, the lookback (``--lookbacks``) is chosen on the
  30 years before the test (1949-1978): trained on the windows forecasting up to 1948 with
  depthlab's defaults (the family's preset and the windows pipeline's training defaults), the
  final weights scored on 1949-1978, mean RMSE over the seeds. Nothing else is tuned.
- **Test**: each network, with its chosen lookback, is trained again on every window before 1979
  (1700-1978, the same data ARIMA is fitted on) with the same settings, once per seed in a fresh
  process, and its final weights forecast 1979-2008.
- **Baselines**: ARIMA(3,0,0) fitted by depthlab's ``arima`` baseline (statsmodels, maximum
  likelihood) on 1700-1978; each test year is forecast from the values before it with the fitted
  parameters. A second row asks statsmodels directly (fit on 1700-1978, one-step predictions of
  the whole series with those parameters) as a parity check. Persistence needs no fitting.

The statsmodels example reports no forecast RMSE (it fits ARMA(3,0) on all 309 years and shows a
dynamic in-sample prediction), so ARIMA(3,0,0) is the published reference here, computed on this
split; the example's coefficients are reproduced as a check on the data. Training times are wall
times of the training loop on a machine shared with other jobs: an indication, not a timing.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
TEST_FROM, VAL_FROM = 1979, 1949  # the last 30 years, and the 30 before them
NETWORKS = (
    "linear:shallow",
    "mlp:shallow",
    "mlp:deep",
    "cnn:shallow",
    "cnn:deep",
    "rnn:shallow",
    "rnn:deep",
)
LOOKBACKS = (6, 12, 24, 36)
ORDER = (3, 0, 0)  # statsmodels' sunspots example: sm.tsa.ARMA(dta, (3, 0)).fit()

EXAMPLES = """\
example:
  .venv/bin/python bench/sunspots.py                          # every network, seeds 0 1 2
  .venv/bin/python bench/sunspots.py --models rnn:deep cnn:deep --lookbacks 12 24
"""


# ---------------------------------------------------------------------------------------------
# The data and one network, in a child process


def windows(lookback: int) -> Any:
    import depthlab as dl
    from depthlab.training.preprocess import examples_for

    return examples_for(dl.load_dataset("sunspots"), "mlp", {"lookback": lookback})


def fit_and_score(
    model: str, lookback: int, seed: int, train_before: int, scored_years: tuple[int, int]
) -> dict[str, Any]:
    """Train *model* on the windows forecasting the years before *train_before*; score its
    final weights on the windows forecasting *scored_years* (first and last, inclusive)."""
    import torch

    from depthlab.config import TrainConfig
    from depthlab.config_io import parse_config
    from depthlab.evaluate.metrics import compute_metrics
    from depthlab.evaluate.outputs import outputs
    from depthlab.models.base import build_model, get_family
    from depthlab.training.fitting import Tensors, fit_model
    from depthlab.training.preprocess import Preprocessor

    family, preset = model.split(":")
    w = windows(lookback)
    years = w.time_index
    train = np.flatnonzero(years < train_before)
    scored = np.flatnonzero((years >= scored_years[0]) & (years <= scored_years[1]))
    prep = Preprocessor.fit(w, train, family, {"lookback": lookback})
    x, y = prep.transform(w.inputs), prep.transform_targets(w.targets)
    settings = {
        **get_family(family).train_presets.get(preset, {}),
        **prep.pipeline.train_defaults,
        "seed": seed,
        "device": "cpu",
    }
    cfg = parse_config(TrainConfig, settings)
    torch.manual_seed(seed)
    net = build_model(
        family, prep.input_spec(1), preset, **prep.pipeline.model_options(family, preset)
    )
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    # No validation data in the loop: the final weights are kept, in selection as in the test.
    data = Tensors(xt[train], yt[train], xt[:0], yt[:0])
    cost = fit_model(net, data, cfg, cost="size").cost
    predicted = prep.inverse_targets(outputs(net, x[scored]))
    metrics = compute_metrics("forecasting", w.targets[scored], predicted)
    return {
        "model": model,
        "lookback": lookback,
        "seed": seed,
        "rmse": metrics["rmse"],
        "mae": metrics["mae"],
        "years": [int(years[scored[0]]), int(years[scored[-1]])],
        "n_train": len(train),
        "train_seconds": cost["train_seconds"],
        "parameters": cost["parameters"],
        "epochs": cfg.epochs,
        "batch_size": cfg.batch_size,
        "lr": cfg.lr,
        "forecast": [float(v) for v in predicted[:, 0]],
        "torch_threads": torch.get_num_threads(),
    }


def child(kind: str, model: str, lookback: int, seeds: list[int]) -> None:
    """Selection (train to 1948, score 1949-1978) or test (train to 1978, score 1979-2008)."""
    import torch

    torch.set_num_threads(1)  # a shared 2-core machine: one thread per run
    for seed in seeds:
        if kind == "select":
            result = fit_and_score(model, lookback, seed, VAL_FROM, (VAL_FROM, TEST_FROM - 1))
        else:
            result = fit_and_score(model, lookback, seed, TEST_FROM, (TEST_FROM, 2008))
        print(json.dumps(result), flush=True)


def run_child(kind: str, model: str, lookback: int, seeds: list[int]) -> list[dict[str, Any]]:
    command = [sys.executable, __file__, "--child", kind, model, str(lookback)]
    command += ["--seeds", *map(str, seeds)]
    load = os.getloadavg()[0]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{kind} {model} lookback {lookback} failed:\n{done.stderr}")
    results = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    for result in results:
        result["load_before"] = round(load, 2)
    return results


# ---------------------------------------------------------------------------------------------
# The baselines, in the parent (statsmodels and scikit-learn only; no torch here)


def baselines() -> dict[str, Any]:
    """Persistence, depthlab's ARIMA(3,0,0) and statsmodels' own, on the test years; and the
    MASE scale, the one-step naive MAE over 1700-1978."""
    from statsmodels.tsa.arima.model import ARIMA

    import depthlab as dl
    from depthlab.evaluate.metrics import compute_metrics
    from depthlab.models.baselines import make_baseline
    from depthlab.training.preprocess import Preprocessor, examples_for

    series = dl.load_dataset("sunspots")
    values = np.asarray(series.targets, dtype=np.float64)
    n_before = int(np.sum(series.time_index < TEST_FROM))
    naive_mae = float(np.mean(np.abs(np.diff(values[:n_before]))))
    lookback = 24  # ARIMA(3,0,0)'s forecast reads the last 3 values: any lookback >= 3 agrees
    options = {"lookback": lookback}
    w = examples_for(series, "arima", options)
    before = np.flatnonzero(w.time_index < TEST_FROM)  # the windows stitch back to 1700-1978
    test = np.flatnonzero(w.time_index >= TEST_FROM)
    out: dict[str, Any] = {"years": [int(w.time_index[test[0]]), int(w.time_index[test[-1]])]}
    for name in ("persistence", "arima"):
        prep = Preprocessor.fit(w, before, name, options)
        x, y = prep.transform(w.inputs), prep.transform_targets(w.targets)
        model = make_baseline(name, prep.input_spec(1))
        started = time.perf_counter()
        model.fit(x[before], y[before])
        seconds = time.perf_counter() - started
        predicted = prep.inverse_targets(model.outputs(x[test]))
        scores = compute_metrics("forecasting", w.targets[test], predicted, mase_scale=naive_mae)
        out[name] = {
            "rmse": scores["rmse"],
            "mae": scores["mae"],
            "mase": scores["mase"],
            "forecast": [float(v) for v in predicted[:, 0]],
            "train_seconds": seconds,
            "parameters": int(model.estimator.n_parameters_),
        }
        if name == "arima":
            # Fitted on standardised values; on the data's scale the constant (the mean) and
            # the noise variance scale back, the AR coefficients stay.
            mean, std = prep.stats["target_mean"], prep.stats["target_std"]
            raw = dict(zip(model.estimator.param_names_, model.estimator.params_, strict=True))
            raw["const"] = mean + std * raw["const"]
            raw["sigma2"] = raw["sigma2"] * std**2
            out[name]["params"] = {k: float(v) for k, v in raw.items()}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitted = ARIMA(values[:n_before], order=ORDER).fit()
        one_step = fitted.apply(values).predict()[n_before:]  # same parameters, whole series
        example = ARIMA(values, order=ORDER).fit()  # the example's fit: all 309 years
    direct = compute_metrics("forecasting", values[n_before:], one_step, mase_scale=naive_mae)
    out["statsmodels"] = {"rmse": direct["rmse"], "mae": direct["mae"], "mase": direct["mase"]}
    out["statsmodels"]["params"] = dict(
        zip(fitted.model.param_names, map(float, fitted.params), strict=True)
    )
    out["example_params"] = dict(
        zip(example.model.param_names, map(float, example.params), strict=True)
    )
    out["naive_mae"] = naive_mae
    out["actual"] = [float(v) for v in values[n_before:]]
    return out


# ---------------------------------------------------------------------------------------------
# The parent: selection, test runs, table, JSON


def machine() -> dict[str, Any]:
    """The machine and software, as every benchmark records them (depthlab.machine)."""
    from depthlab.machine import describe

    return dict(describe("statsmodels", "numpy"))


def shown_command() -> str:
    python = Path(sys.executable)
    try:
        shown = str(python.relative_to(Path.cwd()))
    except ValueError:
        shown = str(python)
    return shlex.join([shown, *sys.argv])


def mean_std(values: list[float]) -> tuple[float, float]:
    return statistics.mean(values), statistics.stdev(values) if len(values) > 1 else 0.0


def report(results: dict[str, Any]) -> None:
    m, base = results["machine"], results["baselines"]
    arima = base["arima"]["rmse"]
    print()
    print(f"machine: {m['cpu']}, {m['usable_cores']} usable cores, {m['ram_gib']} GiB RAM")
    print(f"python {m['python']}, torch {m['torch']} (1 thread), statsmodels {m['statsmodels']}")
    print(f"command: {results['command']}")
    first, last = base["years"]
    print(f"test: one-step-ahead forecasts of {first}-{last}; seeds {results['params']['seeds']}")
    print()
    header = (
        f"{'model':22}{'lookback':>9}{'val RMSE':>10}{'test RMSE':>17}{'/ ARIMA':>9}"
        f"{'MAE':>8}{'MASE':>7}{'train s':>9}{'params':>10}"
    )
    print(header)
    print("-" * len(header))
    rows = [
        ("persistence", base["persistence"], "-"),
        ("ARIMA(3,0,0) depthlab", base["arima"], "-"),
        ("ARIMA(3,0,0) statsm.", base["statsmodels"], "-"),
    ]
    for name, row, lookback in rows:
        print(
            f"{name:22}{lookback:>9}{'':>10}{row['rmse']:10.2f}{'':7}"
            f"{row['rmse'] / arima:9.3f}{row['mae']:8.2f}{row['mase']:7.3f}"
            f"{row.get('train_seconds', 0.0):9.2f}{row.get('parameters', ''):>10}"
        )
    for model, s in results["summary"].items():
        print(
            f"{model:22}{s['lookback']:>9}{s['val_rmse']:10.2f}"
            f"{s['rmse_mean']:10.2f} ± {s['rmse_std']:4.2f}{s['rmse_mean'] / arima:9.3f}"
            f"{s['mae_mean']:8.2f}{s['mase_mean']:7.3f}{s['train_seconds_mean']:9.2f}"
            f"{s['parameters']:>10,}"
        )
    print("-" * len(header))
    best = results["best"]
    mark = "PASS" if best["ratio"] <= 1.0 else "MISS"
    print(
        f"{mark}  best network on validation ({best['model']}, val RMSE {best['val_rmse']:.2f}): "
        f"test RMSE {best['rmse']:.2f} vs ARIMA {arima:.2f}, ratio {best['ratio']:.3f} (goal <= 1)"
    )
    below = [m for m, s in results["summary"].items() if s["rmse_mean"] <= arima]
    count = len(results["summary"])
    print(f"      networks at or below ARIMA on the test years: {len(below)} of {count}")
    params = ", ".join(f"{k} {v:.4g}" for k, v in base["arima"]["params"].items())
    print(f"ARIMA(3,0,0) fitted on 1700-1978 by depthlab (data scale): {params}")
    direct = ", ".join(f"{k} {v:.4g}" for k, v in base["statsmodels"]["params"].items())
    print(f"ARIMA(3,0,0) fitted on 1700-1978 by statsmodels directly: {direct}")
    example = ", ".join(f"{k} {v:.4g}" for k, v in base["example_params"].items())
    print(f"the statsmodels example's fit (1700-2008): {example}")


def best_on_validation(results: dict[str, Any]) -> dict[str, Any]:
    """The network with the lowest validation RMSE (the test years choose nothing), and its test
    RMSE against ARIMA's."""
    summary = results["summary"]
    best = min(summary, key=lambda m: summary[m]["val_rmse"])
    return {
        "model": best,
        "val_rmse": summary[best]["val_rmse"],
        "rmse": summary[best]["rmse_mean"],
        "ratio": summary[best]["rmse_mean"] / results["baselines"]["arima"]["rmse"],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=(
            "One-step-ahead RMSE on the sunspots' last 30 years (1979-2008) of depthlab's "
            "networks (lookback chosen on 1949-1978, mean ± std over seeds, each seed in a fresh "
            "process) against ARIMA(3,0,0) and persistence."
        ),
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--models", nargs="+", default=list(NETWORKS), metavar="FAMILY:PRESET")
    parser.add_argument("--lookbacks", type=int, nargs="+", default=list(LOOKBACKS))
    parser.add_argument("--out", type=Path, default=HERE / "results" / "sunspots.json")
    parser.add_argument("--report", type=Path, help="print the table of a saved results JSON")
    parser.add_argument(
        "--child", nargs=3, metavar=("KIND", "MODEL", "LOOKBACK"), help=argparse.SUPPRESS
    )
    args = parser.parse_args(argv)
    if args.report:
        saved = json.loads(args.report.read_text())
        saved["best"] = best_on_validation(saved)
        report(saved)
        return 0
    if args.child:
        kind, model, lookback = args.child
        child(kind, model, int(lookback), args.seeds)
        return 0

    started = time.perf_counter()
    results: dict[str, Any] = {
        "benchmark": "sunspots",
        "date": time.strftime("%Y-%m-%d"),
        "command": shown_command(),
        "machine": machine(),
        "params": {"seeds": args.seeds, "lookbacks": args.lookbacks, "models": args.models},
        "baselines": baselines(),
        "selection": [],
        "runs": [],
    }
    print(
        f"ARIMA(3,0,0) test RMSE {results['baselines']['arima']['rmse']:.2f}, persistence "
        f"{results['baselines']['persistence']['rmse']:.2f}",
        flush=True,
    )
    chosen: dict[str, tuple[int, float]] = {}
    for model in args.models:
        for lookback in args.lookbacks:
            runs = run_child("select", model, lookback, args.seeds)
            results["selection"] += runs
            val = statistics.mean(r["rmse"] for r in runs)
            print(f"  select {model:13} lookback {lookback:3}: val RMSE {val:6.2f}", flush=True)
            if model not in chosen or val < chosen[model][1]:
                chosen[model] = (lookback, val)
    summary: dict[str, Any] = {}
    for model in args.models:
        lookback, val = chosen[model]
        runs = [run_child("test", model, lookback, [seed])[0] for seed in args.seeds]
        results["runs"] += runs
        rmse_mean, rmse_std = mean_std([r["rmse"] for r in runs])
        summary[model] = {
            "lookback": lookback,
            "val_rmse": val,
            "rmse_mean": rmse_mean,
            "rmse_std": rmse_std,
            "rmse_each": [r["rmse"] for r in runs],
            "mae_mean": statistics.mean(r["mae"] for r in runs),
            "mase_mean": statistics.mean(r["mae"] for r in runs)
            / results["baselines"]["naive_mae"],
            "train_seconds_mean": statistics.mean(r["train_seconds"] for r in runs),
            "parameters": runs[0]["parameters"],
        }
        print(
            f"  test   {model:13} lookback {lookback:3}: RMSE {rmse_mean:6.2f} ± {rmse_std:.2f}",
            flush=True,
        )
    results["summary"] = summary
    results["best"] = best_on_validation(results)
    results["total_seconds"] = time.perf_counter() - started
    report(results)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nresults: {args.out} ({results['total_seconds'] / 60:.1f} min in all)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
