"""The study report: every section present, nothing fetched from the network, every image inline,
the summary's text shown and escaped, and missing parts reading "not measured"."""

from __future__ import annotations

import base64
import copy
import html
import json
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from depthlab.report.html import write_report

DATA = Path(__file__).parent / "data"
FIXTURES = ("summary_mnist1d.json", "summary_iris_quick.json")
SECTIONS = (
    "summary",
    "claims",
    "scores",
    "tuning",
    "cost",
    "overfitting",
    "representations",
    "hardware",
    "robustness",
    "mistakes",
    "features",
    "interpretability",
    "transfer",
    "failures",
    "environment",
)


class Page(HTMLParser):
    """The parts of a page these tests look at: ids, every tag with its attributes, the text."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: list[str] = []
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.text: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        self.tags.append((tag, values))
        if "id" in values:
            self.ids.append(values["id"])

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def attributes(self, tag: str, name: str) -> list[str]:
        return [a[name] for t, a in self.tags if t == tag and name in a]


def load(name: str) -> dict[str, Any]:
    summary: dict[str, Any] = json.loads((DATA / name).read_text(encoding="utf-8"))
    return summary


def render(summary: dict[str, Any], tmp_path: Path, name: str = "report.html") -> str:
    path = tmp_path / name
    write_report(summary, path)
    return path.read_text(encoding="utf-8")


def sections(page: str) -> dict[str, str]:
    """The HTML of every ``<section id=...>`` of the page, by id."""
    return dict(re.findall(r'<section id="([\w-]+)">(.*?)</section>', page, flags=re.DOTALL))


@pytest.fixture(scope="module", params=FIXTURES)
def rendered(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """Each fixture summary rendered once for the module (figures take a moment)."""
    return render(load(request.param), tmp_path_factory.mktemp("report"))


def test_every_section_is_present_in_order(rendered: str) -> None:
    page = Page(rendered)
    found = [i for i in page.ids if i in SECTIONS]
    assert found == list(SECTIONS)
    # The table of contents links every section.
    assert {f"#{s}" for s in SECTIONS} <= set(page.attributes("a", "href"))


def test_nothing_is_fetched_from_the_network(rendered: str) -> None:
    page = Page(rendered)
    for tag, attrs in page.tags:
        for name in ("src", "href", "srcset", "poster", "data", "action"):
            value = attrs.get(name, "").strip().lower()
            assert not value.startswith(("http://", "https://", "//")), (tag, name, value)
    assert not [a for t, a in page.tags if t == "link" and "stylesheet" in a.get("rel", "")]
    assert not [a for t, a in page.tags if t == "script" and "src" in a]
    assert "@import" not in rendered
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", rendered)


def test_images_are_inline_pngs(rendered: str) -> None:
    sources = Page(rendered).attributes("img", "src")
    assert len(sources) >= 6  # learning curves, Pareto, gaps, probes, threads, robustness
    for src in sources:
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("name", FIXTURES)
def test_recommendation_and_every_claim_appear(name: str, tmp_path: Path) -> None:
    summary = load(name)
    page = render(summary, tmp_path)
    text = html.unescape(page)
    parts = sections(page)
    assert summary["recommendation"]["text"] in html.unescape(parts["summary"])
    for claim in summary["claims"]:
        assert claim["claim"] in text
        assert claim["evidence"] in text
    verdicts = [c["verdict"] for c in summary["claims"]]
    for verdict in ("supported", "contradicted", "inconclusive"):
        assert parts["claims"].count(f"badge badge-{verdict}") == verdicts.count(verdict)


def test_summary_text_is_escaped(tmp_path: Path) -> None:
    summary = load(FIXTURES[0])
    summary["claims"][0]["evidence"] = "<script>alert(1)</script>"
    summary["data"]["name"] = '"><img src=x onerror=alert(2)>'
    summary["environment"]["command"] = "depthlab study --data 'a&b'"
    page = render(summary, tmp_path)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<img src=x" not in page
    assert page.count("<script") == 1  # the report's own inline script, nothing injected
    assert "a&amp;b" in page


def test_missing_measurements_read_not_measured(tmp_path: Path) -> None:
    summary = load(FIXTURES[0])
    summary.update(probes={}, threads={}, robustness={})
    parts = sections(render(summary, tmp_path))
    for section in ("representations", "hardware", "robustness", "features"):
        assert "not measured" in parts[section], section
    assert "not measured: no GPU" in parts["hardware"]
    assert "not measured: no network was explained" in parts["interpretability"]
    for section in ("transfer",):
        assert "not measured yet: added by the explain / transfer capability" in parts[section]
    assert "<img" not in parts["representations"] + parts["robustness"]


@pytest.mark.parametrize(
    "summary",
    [
        {},
        {"metric": "accuracy", "scores": None, "models": None, "claims": None, "probes": None},
        {"metric": "r2", "scores": {"mlp:deep": []}, "overfitting": {"gaps": {}}, "failures": []},
    ],
    ids=["empty", "nulls", "empty-lists"],
)
def test_a_bare_summary_still_renders(summary: dict[str, Any], tmp_path: Path) -> None:
    page = render(summary, tmp_path)
    parts = sections(page)
    assert list(parts) == list(SECTIONS)
    for section in ("claims", "scores", "cost", "overfitting", "representations", "robustness"):
        assert "not measured" in parts[section], section
    assert "none" in parts["failures"]


def test_gaps_include_the_unregularised_variant(tmp_path: Path) -> None:
    summary = load(FIXTURES[0])
    assert "mlp:deep+noreg" in summary["overfitting"]["gaps"]
    overfitting = sections(render(summary, tmp_path))["overfitting"]
    assert "deep MLP, no regularisation" in overfitting
    assert "without minus with regularisation" in overfitting


def test_failures_and_partial_progress_are_shown(tmp_path: Path) -> None:
    summary = copy.deepcopy(load(FIXTURES[1]))
    summary["failures"] = [{"key": "mlp:deep/f1/s2", "status": "error", "error": "CUDA OOM"}]
    summary["progress"] = {"planned": 39, "done": 38}
    parts = sections(render(summary, tmp_path))
    assert "mlp:deep/f1/s2: error: CUDA OOM" in parts["failures"]
    assert "Partial results" in parts["summary"]


def test_regression_scores_read_as_plain_numbers(tmp_path: Path) -> None:
    summary = load(FIXTURES[1])
    summary["metric"] = "r2"
    scores = sections(render(summary, tmp_path))["scores"]
    final = summary["scores"]["logistic"][-1]["mean"]
    assert f"{final:.3f}" in scores
    assert f"{final:.1%}" not in scores


def test_environment_shows_the_manifest(tmp_path: Path) -> None:
    summary = load(FIXTURES[0])
    environment = html.unescape(sections(render(summary, tmp_path))["environment"])
    env = summary["environment"]
    for value in (env["command"], env["date"], env["torch"], env["python"], env["cpu"]):
        assert value in environment
    assert "0, 1, 2" in environment  # the seeds


def test_rendering_needs_no_matplotlib_until_it_draws() -> None:
    code = "import sys, depthlab.report.html; print('matplotlib' in sys.modules)"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.strip() == "False"


@pytest.mark.parametrize("junk", ["x", 3, [1, "a", None], {"a": [1, None]}, {"a": {"b": None}}])
def test_malformed_parts_do_not_break_the_report(junk: object, tmp_path: Path) -> None:
    summary = {key: junk for key in load(FIXTURES[0])}
    assert list(sections(render(summary, tmp_path))) == list(SECTIONS)


def test_malformed_entries_are_skipped(tmp_path: Path) -> None:
    summary = load(FIXTURES[0])
    summary["models"]["logistic"] = "x"
    summary["scores"]["boosting"] = [1, None, {"fraction": None, "mean": "?"}]
    summary["probes"]["mlp:deep"][2]["layer"] = None
    summary["plan"]["models"] = 3
    parts = sections(render(summary, tmp_path))
    assert "deep CNN" in parts["scores"]


def test_gpu_speedup_and_engineered_features_when_measured(tmp_path: Path) -> None:
    summary = load(FIXTURES[1])
    entry = summary["threads"]["mlp:deep"]
    entry["throughput"]["cuda:1"] = {"mean": 90000.0, "lo": 85000.0, "hi": 95000.0, "n": 3}
    entry["gpu_speedup"] = {"threads": 1, "mean": 12.3, "lo": 11.0, "hi": 13.6, "n": 3}
    summary["engineered"] = {"verdict": "supported", "evidence": "boosting on features 91%"}
    parts = sections(render(summary, tmp_path))
    assert "GPU speed-up, deep MLP: 12.30x [11.00, 13.60] over one CPU thread" in parts["hardware"]
    assert "not measured" not in parts["hardware"]
    assert "cuda:1" in parts["hardware"]
    assert 'badge badge-supported">supported' in parts["features"]
    assert "boosting on features 91%" in parts["features"]
