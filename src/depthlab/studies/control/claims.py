"""The textbook claims, adapted to control, each checked on the study's own measurements.

Every comparison is paired by seed (the same seed's data, or episodes, for both sides) and
decided by the margin rule of :mod:`depthlab.evaluate.margin`: the interval of the mean
difference at one-sided level alpha on each end against a practical margin (1% of the best
free-run RMSE for errors, as for forecasts; 1% of the best policy's mean return for returns).
Errors are the study's decision metric (``plan.metric``): the free-run RMSE, or the 10-step
NRMSE for a plant whose free run is chaotic (the gymnasium pendulum and cart-pole), where every
model's long free run is lost. An interval above 0 (and not wholly inside the margin) supports
a claim; one below 0, or inside the margin, contradicts it; anything else is inconclusive.

Example:
    >>> claims = check_claims(tables, control, alpha=0.05)  # doctest: +SKIP
    >>> claims[0]["claim"], claims[0]["verdict"]  # doctest: +SKIP
    ('depth pays in free-run error', 'supported')
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from depthlab.evaluate import margin as mg
from depthlab.studies.claims.judge import claim_decision
from depthlab.studies.control.analysis import best_of
from depthlab.studies.control.plan import DEEP, LINEAR, SHALLOW

ERROR = "free_run_rmse"
# What a decision metric is called in the claims: (the figure, the error it measures).
WORDS = {
    "free_run_rmse": ("free-run RMSE", "free-run error"),
    "nrmse_10": ("10-step NRMSE", "10-step error"),
}
MAX_SEEDS = 50
SUPPORTED, CONTRADICTED, INCONCLUSIVE = "supported", "contradicted", "inconclusive"
Tables = dict[str, list[dict[str, Any]]]


def _values(tables: Tables, model: str, metric: str, row: int = -1) -> list[float | None]:
    return list(tables[model][row]["values"][metric])


def _minus(a: list[float | None], b: list[float | None]) -> list[float | None]:
    return [
        None if x is None or y is None or not (math.isfinite(x) and math.isfinite(y)) else x - y
        for x, y in zip(a, b, strict=True)
    ]


def decide(diffs: list[float | None], delta: float, alpha: float) -> dict[str, Any]:
    """The margin rule on per-seed differences (positive supports the claim)."""
    d = mg.differences(diffs, [0.0] * len(diffs))
    iv = mg.interval(d, alpha)
    test = claim_decision(iv, delta, MAX_SEEDS)
    verdict = {1: SUPPORTED, -1: CONTRADICTED, 0: INCONCLUSIVE}[test["decision"]]
    if test["negligible"]:
        verdict = CONTRADICTED  # above 0, but by less than the margin: nothing that matters
    return {"verdict": verdict, "diff": iv.diff, "n": iv.n, **test}


def _ci(test: dict[str, Any], unit: str = "") -> str:
    if test["lo"] is None:
        return f"{_num(test['diff'])}{unit} (one seed: no interval)"
    level = 100 * (1 - 2 * test["alpha"])
    return (
        f"{_num(test['diff'])}{unit} [{_num(test['lo'])}, {_num(test['hi'])}] "
        f"({level:.0f}% interval over {test['n']} seeds; margin {_num(test['margin'])})"
    )


def _num(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3g}"


def _claim(name: str, test: dict[str, Any] | None, evidence: str) -> dict[str, Any]:
    if test is None:
        return {"claim": name, "verdict": INCONCLUSIVE, "evidence": evidence, "test": None}
    return {"claim": name, "verdict": test["verdict"], "evidence": evidence, "test": test}


def error_margin(tables: Tables, metric: str = ERROR) -> float:
    """1% of the best (lowest) mean *metric* at the largest fraction."""
    finals = [rows[-1]["mean"][metric] for rows in tables.values()]
    finite = [v for v in finals if v is not None]
    return mg.default_margin("rmse", min(finite) if finite else 0.0)


def depth_pays(tables: Tables, alpha: float, metric: str = ERROR) -> dict[str, Any]:
    figure, error = WORDS[metric]
    name = f"depth pays in {error}"
    deep, shallow = best_of(tables, list(DEEP), metric), best_of(tables, list(SHALLOW), metric)
    if deep is None or shallow is None:
        return _claim(name, None, "a deep or a shallow network has no result")
    test = decide(
        _minus(_values(tables, shallow, metric), _values(tables, deep, metric)),
        error_margin(tables, metric),
        alpha,
    )
    evidence = (
        f"{shallow} minus {deep} in {figure} at all the training data: {_ci(test)} "
        "(positive: the deep network's error is lower)"
    )
    return _claim(name, test, evidence)


def networks_beat_linear(tables: Tables, alpha: float, metric: str = ERROR) -> dict[str, Any]:
    figure = WORDS[metric][0]
    name = "networks beat linear models on this plant"
    net = best_of(tables, [*SHALLOW, *DEEP], metric)
    lin = best_of(tables, list(LINEAR), metric)
    if net is None or lin is None:
        return _claim(name, None, "a network or a linear model has no result")
    test = decide(
        _minus(_values(tables, lin, metric), _values(tables, net, metric)),
        error_margin(tables, metric),
        alpha,
    )
    evidence = (
        f"{lin} minus {net} in {figure} at all the training data: {_ci(test)} "
        "(positive: the network's error is lower)"
    )
    return _claim(name, test, evidence)


def deep_needs_data(tables: Tables, alpha: float, metric: str = ERROR) -> dict[str, Any]:
    figure = WORDS[metric][0]
    name = "deep models need more data"
    deep, shallow = best_of(tables, list(DEEP), metric), best_of(tables, list(SHALLOW), metric)
    if deep is None or shallow is None or len(tables[deep]) < 2:
        return _claim(name, None, "needs a deep and a shallow network at two data sizes")
    gap = {
        row: _minus(_values(tables, shallow, metric, row), _values(tables, deep, metric, row))
        for row in (0, -1)
    }
    test = decide(_minus(gap[-1], gap[0]), error_margin(tables, metric), alpha)
    small, large = tables[deep][0]["n_train"], tables[deep][-1]["n_train"]
    evidence = (
        f"the deep network's lead over the shallow one ({shallow} minus {deep}, {figure}) "
        f"grows from {small} to {large} training trajectories by {_ci(test)} "
        "(positive: depth gains more from more data)"
    )
    return _claim(name, test, evidence)


def deep_costs_more(tables: Tables, alpha: float, metric: str = ERROR) -> dict[str, Any]:
    name = "deep models cost more compute"
    deep, shallow = best_of(tables, list(DEEP), metric), best_of(tables, list(SHALLOW), metric)
    if deep is None or shallow is None:
        return _claim(name, None, "a deep or a shallow network has no result")
    base = tables[shallow][-1]["mean"]["train_seconds"] or 0.0
    test = decide(
        _minus(_values(tables, deep, "train_seconds"), _values(tables, shallow, "train_seconds")),
        0.01 * base,
        alpha,
    )
    evidence = (
        f"{deep} minus {shallow} in training seconds at all the training data: {_ci(test, ' s')} "
        "(positive: the deep network costs more; seconds vary from run to run)"
    )
    return _claim(name, test, evidence)


def one_step_ranks(tables: Tables, alpha: float, metric: str = ERROR) -> dict[str, Any]:
    figure, error = WORDS[metric]
    """Kendall's tau between the models' one-step and free-run ranks, per seed; and whether the
    one-step winner is worse than the free-run winner by the margin (the Cascaded Tanks
    lesson: a good one-step predictor can be a poor simulator)."""
    from scipy.stats import kendalltau

    name = f"one-step error ranks models as {error} does"
    models = [m for m in tables if tables[m][-1]["mean"][metric] is not None]
    if len(models) < 3:
        return _claim(name, None, "needs at least three models with results")
    seeds = len(tables[models[0]][-1]["seeds"])
    taus = []
    for s in range(seeds):
        one = [_values(tables, m, "one_step_nrmse")[s] for m in models]
        run = [_values(tables, m, metric)[s] for m in models]
        if all(v is not None for v in (*one, *run)):
            tau = kendalltau(one, run).statistic
            taus.append(float(tau) if np.isfinite(tau) else 0.0)
    by_one = best_of(tables, models, "one_step_nrmse")
    by_run = best_of(tables, models, metric)
    assert by_one is not None and by_run is not None
    delta = error_margin(tables, metric)
    diffs = _minus(_values(tables, by_run, metric), _values(tables, by_one, metric))
    winner = decide(diffs, delta, alpha)  # positive: the one-step winner runs free better
    winner_label = (
        mg.EQUIVALENT
        if by_one == by_run
        else mg.label(mg.interval(mg.differences(diffs, [0.0] * len(diffs)), alpha), delta)
    )
    iv = mg.interval(taus, alpha)
    if winner_label == mg.WORSE or (iv.hi is not None and iv.hi < 0.5):
        verdict = CONTRADICTED
    elif iv.lo is not None and iv.lo > 0.5 and winner_label in mg.ACCEPTABLE:
        verdict = SUPPORTED
    else:
        verdict = INCONCLUSIVE
    evidence = (
        f"Kendall's tau between one-step NRMSE and {figure} over {len(models)} models: "
        f"mean {_num(iv.diff)} [{_num(iv.lo)}, {_num(iv.hi)}] over {iv.n} seeds (supported "
        f"above 0.5); the one-step winner {by_one} against the {figure} winner {by_run}: "
        f"{winner_label}"
    )
    test = {**winner, "verdict": verdict, "tau": iv.as_dict(), "one_step_best": by_one}
    return _claim(name, test, evidence)


def deep_policy_better(control: dict[str, Any] | None, alpha: float) -> dict[str, Any] | None:
    if control is None:
        return None
    name = "a deep policy controls better than a linear one"
    rows = control["controllers"]
    deep, linear = rows.get("mlp:deep"), rows.get("linear")
    if deep is None or linear is None:
        return _claim(name, None, "the deep or the linear policy has no result")
    means = [r["mean"]["mean_return"] for n, r in rows.items() if n != "expert"]
    best = max((m for m in means if m is not None), default=0.0)
    test = decide(
        _minus(deep["values"]["mean_return"], linear["values"]["mean_return"]),
        0.01 * abs(best),
        alpha,
    )
    evidence = (
        f"deep minus linear policy in mean return over {control['episodes']} episodes: "
        f"{_ci(test)} (positive: the deep policy's return is higher)"
    )
    return _claim(name, test, evidence)


def check_claims(
    tables: Tables, control: dict[str, Any] | None, alpha: float = 0.05, metric: str = ERROR
) -> list[dict[str, Any]]:
    """Every claim that applies, in a fixed order; errors compared in *metric*."""
    claims = [
        depth_pays(tables, alpha, metric),
        networks_beat_linear(tables, alpha, metric),
        deep_needs_data(tables, alpha, metric),
        deep_costs_more(tables, alpha, metric),
        one_step_ranks(tables, alpha, metric),
    ]
    policy = deep_policy_better(control, alpha)
    return claims if policy is None else [*claims, policy]
