"""``resume``: a run killed mid-training goes on to exactly the weights of an uninterrupted run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from depthlab.config import TrainSpec
from depthlab.errors import ConfigError
from depthlab.training.checkpoint import read_tensors
from depthlab.training.record import CHECKPOINT, WEIGHTS
from depthlab.training.run import train

EPOCHS = 8
WIDTH = 128  # the deep preset (residual, layer norm, dropout), narrower to keep the test quick
COMMAND = (
    "import depthlab as dl; dl.train('digits', dl.TrainSpec(model='mlp', preset='deep', "
    "options={{'width': {width}}}, train={{'epochs': {epochs}}}), out={out!r})"
)


def history(folder: Path) -> list[dict[str, object]]:
    path = folder / "history.jsonl"
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line]


def kill_after_two_epochs(folder: Path, log: Path) -> None:
    """Start the training command in a subprocess and SIGKILL it once two epochs are logged."""
    command = [sys.executable, "-c", COMMAND.format(out=str(folder), width=WIDTH, epochs=EPOCHS)]
    with log.open("wb") as err:
        proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=err)
        try:
            deadline = time.monotonic() + 120
            while len(history(folder)) < 2:
                if proc.poll() is not None:
                    pytest.fail(f"training exited ({proc.returncode}): {log.read_text()}")
                if time.monotonic() > deadline:
                    pytest.fail("training logged no two epochs within 120 s")
                time.sleep(0.005)
            os.kill(proc.pid, signal.SIGKILL)
        finally:
            proc.kill()
            proc.wait()
    assert proc.returncode == -signal.SIGKILL


def checkpoint_state(path: Path) -> dict[str, object]:
    from safetensors import safe_open

    read_tensors(path)  # every tensor readable, not only the header
    with safe_open(str(path), framework="pt") as handle:
        return dict(json.loads((handle.metadata() or {})["depthlab.state"]))


def test_a_killed_run_resumes_to_the_uninterrupted_weights(tmp_path: Path) -> None:
    killed, whole = tmp_path / "killed", tmp_path / "whole"
    kill_after_two_epochs(killed, tmp_path / "stderr.txt")
    assert not (killed / WEIGHTS).exists()  # it really was interrupted
    # Whatever instant the kill hit, the checkpoint is whole (it is replaced atomically), and
    # at most one epoch behind the history (the kill may fall between the two writes).
    done = checkpoint_state(killed / CHECKPOINT)["epoch"]
    assert isinstance(done, int) and len(history(killed)) - 1 <= done < EPOCHS

    spec = TrainSpec(model="mlp", preset="deep", options={"width": WIDTH}, train={"epochs": EPOCHS})
    resumed = train("digits", spec, out=killed, resume=True)
    reference = train("digits", spec, out=whole)

    expected, got = read_tensors(whole / WEIGHTS), read_tensors(killed / WEIGHTS)
    assert expected.keys() == got.keys()
    for key, value in expected.items():
        assert torch.equal(got[key], value), key
    # Same epochs, same numbers, apart from the wall-clock time.
    untimed = [{k: v for k, v in row.items() if k != "seconds"} for row in history(whole)]
    assert [{k: v for k, v in row.items() if k != "seconds"} for row in history(killed)] == untimed
    assert len(untimed) == EPOCHS
    assert resumed.metrics["test"] == reference.metrics["test"]


def small_run(folder: Path, **train_options: object) -> None:
    train("digits", TrainSpec(model="linear", train={"epochs": 1, **train_options}), out=folder)


def test_training_into_an_existing_run_needs_resume(tmp_path: Path) -> None:
    small_run(tmp_path)
    with pytest.raises(ConfigError, match="already holds a run; pass --resume"):
        small_run(tmp_path)


@pytest.mark.parametrize(
    ("model", "seed", "options"),
    [
        ("linear", 0, {"epochs": 1, "lr": 0.5}),
        ("linear", 0, {"epochs": 2}),
        ("mlp", 0, {"epochs": 1}),
        ("linear", 1, {"epochs": 1}),
    ],
    ids=["lr", "epochs", "model", "seed"],
)
def test_resuming_with_other_settings_is_a_config_error(
    tmp_path: Path, model: str, seed: int, options: dict[str, object]
) -> None:
    small_run(tmp_path)
    with pytest.raises(ConfigError, match="holds a run with other data, model or training"):
        train("digits", TrainSpec(model=model, train=options), out=tmp_path, resume=True, seed=seed)


def test_resuming_a_finished_run_trains_no_further(tmp_path: Path) -> None:
    small_run(tmp_path, epochs=2)
    before = read_tensors(tmp_path / WEIGHTS)
    run = train("digits", TrainSpec(model="linear", train={"epochs": 2}), out=tmp_path, resume=True)
    assert len(run.history) == 2
    after = read_tensors(tmp_path / WEIGHTS)
    assert all(torch.equal(after[k], before[k]) for k in before)
