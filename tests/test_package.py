"""The package itself: a light import, a public API that resolves and is documented, one version."""

from __future__ import annotations

import importlib.metadata
import inspect
import json
import subprocess
import sys

import pytest

import depthlab

HEAVY = ("torch", "pandas", "sklearn", "matplotlib", "scipy", "statsmodels")


def heavy_modules_after(code: str) -> list[str]:
    """Run *code* in a fresh interpreter; the heavy modules it left imported."""
    probe = (
        f"{code}\nimport json, sys\nprint(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    loaded: list[str] = json.loads(done.stdout.strip().splitlines()[-1])
    return loaded


def test_import_is_light() -> None:
    assert heavy_modules_after("import depthlab\ndepthlab.__version__") == []


def test_listing_datasets_from_the_cli_stays_light() -> None:
    code = (
        "from depthlab.cli import main\n"
        "try:\n    main(['data', 'list', '--json'])\n"
        "except SystemExit as exc:\n    assert not exc.code, exc.code"
    )
    assert heavy_modules_after(code) == []


def test_the_probe_can_see_heavy_imports() -> None:
    # Guards the two tests above against passing vacuously.
    assert heavy_modules_after("import depthlab\nimport pandas") == ["pandas"]


@pytest.mark.parametrize("name", depthlab.__all__)
def test_public_name_resolves(name: str) -> None:
    value = getattr(depthlab, name)
    assert value is not None
    if name != "__version__":
        assert getattr(value, "__name__", name) == name


def test_dir_lists_the_public_api() -> None:
    assert set(depthlab.__all__) <= set(dir(depthlab))
    with pytest.raises(AttributeError, match="no attribute 'load_datasets'"):
        _ = depthlab.load_datasets  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", [n for n in depthlab.__all__ if n != "__version__"])
def test_public_api_is_documented(name: str) -> None:
    value = getattr(depthlab, name)
    doc = inspect.getdoc(value) or ""
    if inspect.isfunction(value):
        assert value.__doc__, f"{name} has no docstring"
        assert len(doc.split()) >= 4, f"{name}'s docstring says too little: {doc!r}"
    elif inspect.isclass(value):
        # A dataclass without a docstring gets its signature as __doc__; that does not count.
        assert doc and not doc.startswith(f"{name}("), f"{name} has no docstring"


def test_version_matches_the_installed_distribution() -> None:
    assert depthlab.__version__ == importlib.metadata.version("depthlab")
