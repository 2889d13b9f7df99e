"""``MODEL_CARD.md``: what an exported model is, what it was trained and measured on, what it is
for and where it stops, written from the run folder's ``run.json`` and ``metrics.json``."""

from __future__ import annotations

from typing import Any

# The metrics worth a line in a card, in this order, where the run has them.
HEADLINE = ("accuracy", "balanced_accuracy", "macro_f1", "roc_auc_ovr", "rmse", "mae", "r2")


def _metric_rows(metrics: dict[str, Any]) -> list[str]:
    rows = []
    for name in HEADLINE:
        values = [metrics.get(part, {}).get(name) for part in ("train", "val", "test")]
        if any(isinstance(v, int | float) for v in values):
            cells = [f"{v:.4f}" if isinstance(v, int | float) else "-" for v in values]
            rows.append(f"| {name} | {' | '.join(cells)} |")
    return rows


def model_card(config: dict[str, Any], metrics: dict[str, Any], parity: dict[str, Any]) -> str:
    """The card's Markdown text.

    Example:
        >>> text = model_card(read_run("runs/cnn"), read_metrics("runs/cnn"), {})  # doctest: +SKIP
    """
    data, split, model = config["data"], config["split"], config["model"]
    spec = model["input"]
    classes = data.get("class_names") or []
    task = data["task"]
    cost = metrics.get("cost", {})
    sizes = ", ".join(f"{k} {split[k]}" for k in ("train", "val", "test") if k in split)
    lines = [
        f"# Model card: {model['family']} ({config.get('preset', '-')}) on {data['name']}",
        "",
        "## Model",
        "",
        f"- Family: `{model['family']}`, preset `{config.get('preset', '-')}`, options "
        f"`{model.get('options', {})}`",
        f"- Input: {spec['kind']} of shape {tuple(spec['shape'])} after the preprocessing in "
        f"`preprocess.json` (feature pipeline `{config['preprocess'].get('features', '')}`)",
        f"- Output: {_output(task, classes, spec)}",
        f"- Parameters: {cost.get('parameters', '-')}; trained for {metrics.get('epochs_run', '-')}"
        f" epochs on {metrics.get('device', '-')} in {cost.get('train_seconds', '-')} s",
        f"- Versions: {', '.join(f'{k} {v}' for k, v in config.get('versions', {}).items())}",
        "",
        "## Data",
        "",
        f"- Dataset: {data['name']} ({data['modality']}, {task}), source "
        f"`{data.get('source') or 'in-memory'}`",
        f"- Split: {split.get('strategy', '-')} (seed {split.get('seed', '-')}): {sizes}; "
        f"fingerprint {split.get('fingerprint', '-')}",
        "",
        "## Metrics",
        "",
        "| metric | train | validation | test |",
        "|---|---|---|---|",
        *(_metric_rows(metrics) or ["| - | - | - | - |"]),
        "",
        "## Export",
        "",
        f"- ONNX (dynamic batch axis), parity with PyTorch on {parity.get('inputs', '-')}: "
        f"max absolute difference {parity.get('max_abs_diff', float('nan')):.3g} "
        f"(tolerance {parity.get('tolerance', '-')}, "
        f"{'passed' if parity.get('passed') else 'FAILED'})",
        "",
        "## Intended use",
        "",
        f"Predicting the {task} target of new {data['modality']} examples like those of "
        f"{data['name']}, given in the same form as at training, through `depthlab serve` or "
        "ONNX Runtime with `preprocess.json` applied first. It is a research artefact of a "
        "depthlab run: compare it with the run's baselines before relying on it.",
        "",
        "## Limits",
        "",
        "- Measured on one split of one dataset: the test metrics hold for examples drawn like "
        "the test part, not for data from elsewhere (other sensors, speakers, writers, periods).",
        "- Inputs outside the training range (unseen categories, longer texts or clips, "
        "other image sizes) are mapped, cut or padded as at training, silently.",
        f"- {_limit_of(task)}",
        "- No fairness, privacy or robustness audit has been made; do not use it for decisions "
        "about people without one.",
        "",
    ]
    return "\n".join(lines)


def _output(task: str, classes: list[str], spec: dict[str, Any]) -> str:
    if task == "classification":
        shown = ", ".join(classes[:20]) + (" ..." if len(classes) > 20 else "")
        return f"class probabilities over {len(classes)} classes ({shown})"
    if task == "forecasting":
        return f"the next {spec['n_outputs']} values of the series"
    return "one value on the target's scale"


def _limit_of(task: str) -> str:
    if task == "classification":
        return "Probabilities come from a softmax and are not calibrated unless checked."
    return "Errors are measured as averages; single predictions carry no uncertainty estimate."
