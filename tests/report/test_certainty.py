"""The report's "How sure is this?" section (issue 20): each model's interval against the best
with the practical margin, as a forest plot and a table, the claims more seeds could decide, and
no section at all for summaries written before the margin rule."""

from __future__ import annotations

import base64
import html
import json
import re
from pathlib import Path
from typing import Any

import pytest

from depthlab.report import figures
from depthlab.report.html import write_report
from depthlab.studies.verdict.decisions import Decider
from depthlab.studies.verdict.recommendation import recommendation

DATA = Path(__file__).parent / "data"


def load(name: str = "summary_mnist1d.json") -> dict[str, Any]:
    summary: dict[str, Any] = json.loads((DATA / name).read_text(encoding="utf-8"))
    return summary


def with_comparisons(summary: dict[str, Any]) -> dict[str, Any]:
    """*summary* with the recommendation the margin rule gives it today."""
    by = summary["plan"]["recommend_by"]
    return {**summary, "recommendation": recommendation(summary, by, Decider.of(summary))}


def render(summary: dict[str, Any], tmp_path: Path) -> str:
    path = tmp_path / "report.html"
    write_report(summary, path)
    return path.read_text(encoding="utf-8")


def certainty(page: str) -> str:
    found = re.search(r'<section id="certainty">(.*?)</section>', page, flags=re.DOTALL)
    assert found, "no certainty section"
    return found.group(1)


def rows(part: str) -> list[str]:
    """The text of each table row of *part*, tags dropped."""
    return [
        " ".join(html.unescape(re.sub(r"<[^>]+>", " ", r)).split())
        for r in re.findall(r"<tr.*?</tr>", part, flags=re.DOTALL)
    ]


@pytest.fixture(scope="module")
def mnist1d(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], str]:
    summary = with_comparisons(load())
    return summary, render(summary, tmp_path_factory.mktemp("report"))


def test_the_section_follows_the_claims_and_is_in_the_contents(
    mnist1d: tuple[dict[str, Any], str],
) -> None:
    _, page = mnist1d
    ids = re.findall(r'<section id="([\w-]+)">', page)
    assert ids[ids.index("claims") + 1] == "certainty"
    assert 'href="#certainty"' in page and "How sure is this?" in page


def test_the_forest_plot_is_an_inline_png(mnist1d: tuple[dict[str, Any], str]) -> None:
    sources = re.findall(r'<img src="([^"]+)"', certainty(mnist1d[1]))
    assert len(sources) == 1 and sources[0].startswith("data:image/png;base64,")
    assert base64.b64decode(sources[0].split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_table_gives_each_comparison_its_interval_label_and_cost_to_decide(
    mnist1d: tuple[dict[str, Any], str],
) -> None:
    summary, page = mnist1d
    comparisons = summary["recommendation"]["comparisons"]
    table = rows(certainty(page))
    assert len(table) == 1 + len(comparisons)  # the header, then one row per compared model
    assert "margin of 1.0 points" in html.unescape(certainty(page))
    by_name = {r.split(" 3 ")[0]: r for r in table[1:]}
    # every model but the deep RNN is clearly worse than the deep CNN: decided
    assert "worse" in by_name["shallow MLP"] and "decided" in by_name["shallow MLP"]
    assert "-39.8 pts [-41.8, -37.8] pts" in by_name["shallow MLP"]
    rnn = comparisons["rnn:deep"]
    assert rnn["label"] == "undecided" and rnn["seeds_to_decide"] is not None
    more = rnn["seeds_to_decide"] - rnn["n"]
    seconds = summary["models"]["rnn:deep"]["train_seconds"]
    seconds += summary["models"]["cnn:deep"]["train_seconds"]
    row = by_name["deep RNN"]
    assert f"undecided 0% about {more} more seeds" in row
    assert f"about {more * seconds / 60:.0f} min of training" in row


def test_seeds_alone_and_one_seed_read_plainly(tmp_path: Path) -> None:
    summary = load()
    summary["recommendation"] = {
        "model": "cnn:deep",
        "best": "cnn:deep",
        "margin": 0.01,
        "comparisons": {
            "rnn:deep": {"diff": -0.01, "lo": -0.03, "hi": 0.01, "n": 3, "alpha": 0.05}
            | {"label": "undecided", "win_rate": 0.5, "seeds_to_decide": None},
            "mlp:deep": {"diff": -0.2, "lo": None, "hi": None, "n": 1, "alpha": 0.05}
            | {"label": "undecided", "win_rate": 0.0, "seeds_to_decide": None},
        },
    }
    table = rows(certainty(render(summary, tmp_path)))
    assert "seeds alone unlikely to decide" in table[1] and "50%" in table[1]
    assert "at least two seeds are needed" in table[2]


def test_inconclusive_claims_list_the_seeds_that_would_decide_them(tmp_path: Path) -> None:
    summary = with_comparisons(load())
    claims = summary["claims"]
    claims[5] = {**claims[5], "verdict": "inconclusive", "seeds": 3, "seeds_to_decide": 8}
    claims[8] = {**claims[8], "verdict": "inconclusive", "seeds": 3, "seeds_to_decide": None}
    part = certainty(render(summary, tmp_path))
    assert "Claims more seeds could decide" in part
    table = rows(part.split("Claims more seeds could decide", 1)[1])
    assert table[1] == f"{claims[5]['claim']} 3 about 5 more seeds"
    assert table[2] == f"{claims[8]['claim']} 3 seeds alone unlikely to decide"
    assert len(table) == 3  # only the claims that carry the projection


@pytest.mark.parametrize("name", ["summary_mnist1d.json", "summary_iris_quick.json"])
def test_summaries_without_comparisons_render_without_the_section(
    name: str, tmp_path: Path
) -> None:
    page = render(load(name), tmp_path)
    assert 'id="certainty"' not in page and "#certainty" not in page


@pytest.mark.parametrize("junk", ["x", [1], {"mlp:deep": "x"}, {"mlp:deep": {"diff": "?"}}])
def test_malformed_comparisons_do_not_break_the_report(junk: object, tmp_path: Path) -> None:
    summary = load()
    summary["recommendation"]["comparisons"] = junk
    assert "</html>" in render(summary, tmp_path)


def test_the_forest_plot_needs_a_difference_and_draws_a_single_seed() -> None:
    assert figures.forest([{"name": "a", "diff": None}], 0.01, "accuracy") is None
    one = {"name": "a", "diff": -0.2, "lo": None, "hi": None, "label": "undecided"}
    uri = figures.forest([one], None, "r2")
    assert uri is not None and uri.startswith("data:image/png;base64,")
