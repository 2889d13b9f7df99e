"""The report in a real browser: headless Chromium loads it offline, builds every section, runs
its script without a console error, and paints a page worth looking at.

Skipped where ``chromium`` is not installed, except under CI (``CI=true``), where a missing
browser is a failure: ``make browser`` installs it.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from depthlab.report.html import write_report
from depthlab.studies.verdict.decisions import Decider
from depthlab.studies.verdict.recommendation import recommendation

pytestmark = pytest.mark.slow

FIXTURE = Path(__file__).parent / "data" / "summary_mnist1d.json"
SECTIONS = ("summary", "claims", "certainty", "scores", "cost", "overfitting", "representations")
SECTIONS += ("hardware",)
SECTIONS += (
    "robustness",
    "mistakes",
    "features",
    "interpretability",
    "transfer",
    "failures",
    "environment",
)
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
)
LOGGING = ("--enable-logging=stderr", "--v=0")
TIMEOUT_S = 60
Browse = Callable[..., tuple[str, str]]


@pytest.fixture(scope="module")
def chromium() -> str:
    """The Chromium binary, or a skip (a failure under CI)."""
    binary = shutil.which("chromium")
    if binary is None:
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is not installed and CI=true: run `make browser`")
        pytest.skip("chromium is not installed (`make browser` installs it)")
    return binary


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("report") / "report.html"
    summary = json.loads(FIXTURE.read_text(encoding="utf-8"))
    # The margin rule's comparisons, so that "How sure is this?" is built too (issue 20).
    summary["recommendation"] = recommendation(summary, "train_time", Decider.of(summary))
    write_report(summary, path)
    return path


@pytest.fixture
def browse(chromium: str) -> Iterator[Browse]:
    """``browse(*args)`` runs Chromium with a fresh profile and returns (stdout, stderr)."""
    profiles: list[tempfile.TemporaryDirectory[str]] = []

    def run(*args: str) -> tuple[str, str]:
        profile = tempfile.TemporaryDirectory(prefix="depthlab-chromium-")
        profiles.append(profile)
        command = [chromium, *FLAGS, f"--user-data-dir={profile.name}", *args]
        # A session of its own: Chromium forks renderer, GPU and crash-handler processes, and a
        # timeout must end all of them, not only the first.
        process = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        try:
            out, err = process.communicate(timeout=TIMEOUT_S)
        except subprocess.TimeoutExpired:
            _kill_group(process.pid)
            process.communicate()
            pytest.fail(f"chromium did not finish within {TIMEOUT_S} s: {command}")
        finally:
            _kill_group(process.pid)
        assert process.returncode == 0, err[-2000:]
        return out, err

    yield run
    for profile in profiles:
        profile.cleanup()


def _kill_group(pid: int) -> None:
    # ProcessLookupError: the whole group has already exited.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


def console_errors(stderr: str) -> list[str]:
    """The lines of Chromium's log that report a page's JavaScript error or console output.

    Chromium logs console calls as ``...:INFO:CONSOLE:12] "message", source: ...`` whatever the
    call's level (``console.error`` included; other builds write ``:ERROR:CONSOLE`` or
    ``CONSOLE(12)``), so the level cannot be read off the line. The report writes nothing to
    the console, so any console line is a fault. Chromium's own complaints (dbus, GPU, sandbox)
    carry no ``CONSOLE`` tag and are not the page's.
    """
    return [line for line in stderr.splitlines() if "Uncaught" in line or "CONSOLE" in line]


def test_the_report_builds_every_section_and_runs_its_script(browse: Browse, report: Path) -> None:
    dom, log = browse(*LOGGING, "--dump-dom", report.as_uri())
    for section in SECTIONS:
        assert f'id="{section}"' in dom, section
    # Set by the last line of the page's script: it ran to the end.
    assert 'data-report-ready="true"' in dom
    assert dom.count("data:image/png;base64,") >= 6
    assert console_errors(log) == []


def test_the_report_paints(browse: Browse, report: Path, tmp_path: Path) -> None:
    shot = tmp_path / "shot.png"
    browse(f"--screenshot={shot}", "--window-size=1280,4000", report.as_uri())
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (1280, 4000)
    # A blank 1280 x 4000 page compresses to a few kB; text, tables and figures do not.
    assert len(data) > 100_000


def test_the_console_check_sees_errors(browse: Browse, tmp_path: Path) -> None:
    # Guards the console assertion above against passing vacuously.
    page = tmp_path / "broken.html"
    page.write_text(
        "<!doctype html><p>x</p><script>console.error('boom'); notDefined();</script>",
        encoding="utf-8",
    )
    _, log = browse(*LOGGING, "--dump-dom", page.as_uri())
    errors = console_errors(log)
    assert any("boom" in line for line in errors)
    assert any("Uncaught" in line and "notDefined" in line for line in errors)
