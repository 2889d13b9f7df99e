"""The transfer section's row of a text study (summary ``pretrained``): the pretrained encoder
frozen, fine-tuned end to end and the best network trained from scratch, with their accuracy,
training time and the paired comparison of fine-tuned against frozen."""

from __future__ import annotations

from typing import Any

from depthlab.report import fmt as f
from depthlab.report.tables import as_dict, cell, row, section, table

HEADERS = ["", "model", "score (95% CI)", "train s", "training time / frozen", "parameters"]
ROLES = (
    ("frozen", "pretrained, frozen"),
    ("fine_tuned", "pretrained, fine-tuned"),
    ("scratch", "best from scratch"),
)


def pretrained(summary: dict[str, Any]) -> dict[str, Any]:
    """``{"pretrained_table", "pretrained_note"}`` of a text study; empty parts without the
    row."""
    found = section(summary, "pretrained")
    if not found:
        return {"pretrained_table": None, "pretrained_note": ""}
    metric = str(found.get("metric") or summary.get("metric") or "accuracy")
    frozen_seconds = f.number(as_dict(found.get("frozen")).get("train_seconds"))
    rows = []
    for key, role in ROLES:
        entry = as_dict(found.get(key))
        if not entry:
            continue
        seconds = f.number(entry.get("train_seconds"))
        ratio = None if seconds is None or not frozen_seconds else seconds / frozen_seconds
        rows.append(
            row(
                [
                    cell(role),
                    cell(str(entry.get("label") or entry.get("model") or "?")),
                    cell(
                        f.score(entry.get("mean"), metric),
                        entry.get("mean"),
                        f.interval(entry.get("lo"), entry.get("hi"), metric),
                    ),
                    cell(f.fixed(seconds, 1), seconds),
                    cell(f.fixed(ratio, 1, "x"), ratio),
                    cell(f.count(entry.get("parameters")), entry.get("parameters")),
                ]
            )
        )
    return {"pretrained_table": table(HEADERS, rows), "pretrained_note": note(found, metric)}


def note(found: dict[str, Any], metric: str) -> str:
    """How the row was measured, and fine-tuned against frozen (paired over seeds)."""
    text = (
        f"On {f.fraction(found.get('fraction'))} of the training set, the same splits and seeds: "
        "the pretrained sentence encoder frozen (a head trained on its embeddings), fine-tuned "
        "end to end (the encoder's transformer at a small learning rate; study option "
        "fine_tune), and the best network trained from scratch."
    )
    test = as_dict(found.get("fine_tuned_vs_frozen"))
    if test.get("diff") is not None:
        text += (
            f" Fine-tuned minus frozen: {f.diff(test.get('diff'), metric)} "
            f"{f.diff_interval(test.get('lo'), test.get('hi'), metric)} "
            f"(paired t-test over {f.count(test.get('n'))} seeds, {f.p_value(test.get('p'))})."
        )
    elif not found.get("fine_tuned"):
        text += " The encoder was not fine-tuned in this study (--fine-tune adds it)."
    return text
