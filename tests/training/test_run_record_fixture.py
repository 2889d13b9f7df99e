"""Run folders written by earlier versions of depthlab still load, predict and evaluate.

``data/run_mlp_v0`` and ``data/run_logistic_v0`` were written by the code before run.json had a
schema version (``dl.train("iris", ...)``, seed 1, 3 epochs for the MLP).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from depthlab.evaluate.measure import metrics_on
from depthlab.training.reload import run_data
from depthlab.training.run import Run

DATA = Path(__file__).parent / "data"


@pytest.mark.parametrize("name", ["run_mlp_v0", "run_logistic_v0"])
def test_an_old_run_folder_loads_predicts_and_evaluates(name: str) -> None:
    run = Run.load(DATA / name)
    assert run.task == "classification"
    assert run.class_names == ("setosa", "versicolor", "virginica")
    ds, split = run_data(run)
    assert len(split.test) == 23
    proba = run.predict_proba(ds.inputs[:5])
    assert proba.shape == (5, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)
    metrics = metrics_on(run, ds.subset(split.test))
    recorded = json.loads((DATA / name / "metrics.json").read_text())["test"]
    assert metrics["accuracy"] == pytest.approx(recorded["accuracy"])


def test_a_run_folder_from_before_later_options_loads(tmp_path: Path) -> None:
    """Folders from before the split's ``requested``, ``features`` and ``fine_tune_lr``."""
    folder = tmp_path / "old"
    shutil.copytree(DATA / "run_mlp_v0", folder)
    config = json.loads((folder / "run.json").read_text())
    del config["split"]["requested"], config["features"], config["train"]["fine_tune_lr"]
    (folder / "run.json").write_text(json.dumps(config))
    run = Run.load(folder)
    ds, split = run_data(run)
    assert metrics_on(run, ds.subset(split.test))["accuracy"] == pytest.approx(0.8260869565217391)


def test_new_run_folders_record_the_schema_and_newer_ones_are_refused(tmp_path: Path) -> None:
    from depthlab.errors import DataError
    from depthlab.run_record import RUN_SCHEMA

    folder = tmp_path / "copy"
    shutil.copytree(DATA / "run_logistic_v0", folder)
    run = Run.load(folder)
    assert run.record.schema_version == RUN_SCHEMA == run.config["schema_version"]
    assert run.record.split.requested == "auto" and run.record.family == "logistic"
    config = json.loads((folder / "run.json").read_text())
    (folder / "run.json").write_text(json.dumps({**config, "schema_version": RUN_SCHEMA + 1}))
    with pytest.raises(DataError, match="newer than this depthlab reads"):
        Run.load(folder)
