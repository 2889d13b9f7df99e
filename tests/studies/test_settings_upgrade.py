"""A study folder written before an option existed resumes under a newer depthlab."""

from __future__ import annotations

from pathlib import Path

import pytest

from depthlab.config import StudyConfig
from depthlab.errors import ConfigError
from depthlab.studies.run import upgrade_settings
from depthlab.studies.store import open_store


def test_options_added_later_take_their_defaults(tmp_path: Path) -> None:
    now = StudyConfig(quick=True).model_dump(mode="json")
    older = {k: v for k, v in now.items() if k not in ("explain", "transfer", "tuned")}
    store = open_store(tmp_path)
    store.check_settings({"source": "iris", "config": older})
    upgrade_settings(store)
    store.check_settings({"source": "iris", "config": now})  # the same study: no error


def test_a_real_difference_is_still_refused(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    store.check_settings({"source": "iris", "config": StudyConfig(seeds=3).model_dump(mode="json")})
    upgrade_settings(store)
    with pytest.raises(ConfigError, match="other settings"):
        store.check_settings(
            {"source": "iris", "config": StudyConfig(seeds=4).model_dump(mode="json")}
        )
