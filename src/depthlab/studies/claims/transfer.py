"""The claim "Deep models suit transfer learning", judged from the study's transfer row
(fine-tuned against scratch, :mod:`depthlab.studies.analysis.transfer`) or, in text studies,
from the pretrained sentence encoder against the best network trained from scratch."""

from __future__ import annotations

from typing import Any

from depthlab.studies.claims.judge import Judge
from depthlab.studies.plan.job import is_network, label, split_id
from depthlab.studies.verdict.text import annotate, diff_text, fmt
from depthlab.studies.verdict.words import INCONCLUSIVE, Verdict, combine, sign, verdict


def transfer(j: Judge) -> Verdict:
    """A pretrained encoder with a trained head (text studies) against the best network trained
    from scratch, on the smallest and the full training set; where the study fine-tuned the
    encoder end to end (summary ``pretrained``), the fine-tuned one on the training set it was
    fine-tuned on."""
    claim = "Deep models suit transfer learning"
    if j.s.get("transfer"):  # the study's transfer row: fine-tuned against scratch
        return fine_tuning(j, claim, j.s["transfer"])
    # (the measure's words are those of older summaries: a re-rendered folder keeps them)
    measure = "a pretrained model with a new head against the best network trained from scratch"
    pretrained = j.best([m for m in j.final if split_id(m)[0] == "encoder"])
    scratch = j.best(
        [m for m in j.final if is_network(m) and split_id(m)[0] != "encoder" and m != "linear"]
    )
    tuned = (j.s.get("pretrained") or {}).get("fine_tuned")
    if (pretrained is None and not tuned) or scratch is None:
        return verdict(
            claim,
            measure,
            INCONCLUSIVE,
            "not measured: no pretrained model in this study (text studies include the "
            "sentence encoder; fine-tuning recipes for other data come with depthlab's "
            "transfer capability)",
            "",
        )
    fractions = [row["fraction"] for row in j.s["scores"][scratch]]
    last = len(fractions) - 1
    parts, signs, tests = [], [], []
    for index in dict.fromkeys((0, last) if pretrained else (last,)):
        if (
            tuned
            and fractions[index] == j.s["pretrained"]["fraction"]
            and (pretrained is None or tuned["mean"] >= j.s["scores"][pretrained][index]["mean"])
        ):
            # Where the encoder was fine-tuned, the better of fine-tuned and frozen stands for
            # the pretrained model (as the best frozen head does among the frozen ones).
            test = j.compare_values(
                tuned["values"], j.values(scratch, index), j.n_train(scratch, index)
            )
            name, score = tuned["label"], tuned["mean"]
        else:
            test = j.compare(str(pretrained), scratch, index)
            name, score = label(str(pretrained)), j.s["scores"][str(pretrained)][index]["mean"]
        tests.append(test)
        signs.append(sign(test))
        parts.append(
            f"{fractions[index]:.0%} of the training set: {name} {fmt(score, j.metric)}, "
            f"{label(scratch)} {fmt(j.s['scores'][scratch][index]['mean'], j.metric)} "
            f"(difference {diff_text(test, j.metric)})"
        )
    if tuned:
        parts.append(fine_tuned_text(j.s["pretrained"], j.metric))
    result = combine(signs)
    return annotate(
        verdict(claim, measure, result, "; ".join(parts), "paired t-test over seeds"),
        tests,
        j.metric,
    )


def fine_tuned_text(row: dict[str, Any], metric: str) -> str:
    """The fine-tuned encoder against the frozen one: the paired difference and the cost."""
    tuned, frozen = row["fine_tuned"], row.get("frozen")
    if not frozen:
        return f"{tuned['label']} trained in {tuned['train_seconds']:.0f} s"
    ratio = row.get("cost_ratio")
    times = f", {ratio:.0f} times the training time" if ratio else ""
    test = row["fine_tuned_vs_frozen"]
    return (
        f"fine-tuned against frozen ({frozen['label']}): {fmt(tuned['mean'], metric)} against "
        f"{fmt(frozen['mean'], metric)}, difference {diff_text(test, metric)}"
        f"; training {tuned['train_seconds']:.0f} s against {frozen['train_seconds']:.1f} s{times}"
    )


def fine_tuning(j: Judge, claim: str, row: dict[str, Any]) -> Verdict:
    """The deep network fine-tuned from a source task against itself trained from scratch on
    the fewest target examples (paired over seeds), and whether it gains more from pretraining
    than the shallow network (the paired difference of the two gains)."""
    measure = (
        "pretrain on a source task, fine-tune on k target examples per class, against the same "
        "network trained from scratch (studies/transfer.py)"
    )
    models = row["models"]
    deep = [m for m in models if split_id(m)[1] == "deep"]
    shallow = [m for m in models if split_id(m)[1] == "shallow"]
    if not deep:
        return verdict(claim, measure, INCONCLUSIVE, "not measured: no deep network", "")
    k = row["shots"][0]

    def at_k(model: str, start: str) -> list[float | None]:
        return list(models[model][start][0]["values"])

    def gains(model: str) -> list[float | None]:
        pairs = zip(at_k(model, "finetuned"), at_k(model, "scratch"), strict=True)
        return [None if a is None or b is None else a - b for a, b in pairs]

    # The target's test examples are the same for every seed: no Nadeau-Bengio term.
    test = j.compare_values(at_k(deep[0], "finetuned"), at_k(deep[0], "scratch"))
    text = (
        f"{row['description']}; {k} example{'s' if k > 1 else ''} per class: {label(deep[0])} "
        f"fine-tuned {fmt(models[deep[0]]['finetuned'][0]['mean'], 'accuracy')} against "
        f"{fmt(models[deep[0]]['scratch'][0]['mean'], 'accuracy')} from scratch (difference "
        f"{diff_text(test, 'accuracy')})"
    )
    if shallow:
        more = j.compare_values(gains(deep[0]), gains(shallow[0]))
        if more.get("diff") is not None:
            side = "more" if more["diff"] > 0 else "less"
            inside = more["lo"] is not None and max(-more["lo"], more["hi"]) < more["margin"]
            decided = ", undecided" if not more["decision"] else ", within the margin" * inside
            text += (
                f"; the deep network gains {abs(more['diff']) * 100:.1f} points {side} from "
                f"pretraining than {label(shallow[0])} ({diff_text(more, 'accuracy')}{decided})"
            )
    result = combine([sign(test)])
    return annotate(
        verdict(claim, measure, result, text, "paired t-test over seeds"), [test], "accuracy"
    )
