"""Shared test set-up: real datasets from the mirror, never the internet, a private cache."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MIRROR = Path(os.environ.get("DEPTHLAB_DATA_DIR") or ROOT.parent / "shared" / "datasets").resolve()


@pytest.fixture(autouse=True)
def _isolated_environment(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every test reads the mirror, downloads nothing and caches into a fresh folder."""
    monkeypatch.setenv("DEPTHLAB_DATA_DIR", str(MIRROR))
    monkeypatch.setenv("DEPTHLAB_OFFLINE", "1")
    monkeypatch.setenv("DEPTHLAB_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.delenv("DEPTHLAB_QUIET", raising=False)


@pytest.fixture(scope="session")
def mirror() -> Path:
    """The folder of real datasets (../shared/datasets)."""
    if not MIRROR.is_dir():
        pytest.fail(f"dataset mirror not found at {MIRROR}; set DEPTHLAB_DATA_DIR")
    return MIRROR


@dataclass
class CliResult:
    code: int
    out: str
    err: str


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., CliResult]:
    """Run the real ``depthlab`` entry point in-process: ``cli("data", "show", "iris")``."""
    from depthlab.cli import main

    def run(*args: str) -> CliResult:
        code = 0
        try:
            main(list(args))
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run
