"""The suite runs in an empty home folder of its own (``make test`` sets it up)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


def test_the_suite_runs_in_a_home_folder_of_its_own() -> None:
    home = os.environ.get("DEPTHLAB_TEST_HOME")
    if home is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI runs the tests through 'make test', which sets DEPTHLAB_TEST_HOME")
        pytest.skip("run through 'make test' to check the home folder")
    assert Path.home() == Path(home)
    assert Path(home).parent.name.startswith("depthlab-tests.")
    for name in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME"):
        assert Path(os.environ[name]).is_relative_to(home), name
    # Nothing the developer's own home holds is reachable through it: no Ray token file.
    assert not (Path(home) / ".ray" / "auth_token").exists()
