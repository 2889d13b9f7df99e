"""DDP on two CPU processes (gloo) started by torchrun on loopback, against one process."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import depthlab as dl
from depthlab.cli import main

BIN = Path(sys.executable).parent


def _torchrun(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    torchrun = shutil.which("torchrun", path=str(BIN)) or "torchrun"
    env = {**os.environ, "OMP_NUM_THREADS": "1", "DEPTHLAB_QUIET": "1"}
    return subprocess.run(
        [torchrun, "--standalone", "--nproc_per_node", "2", "-m", "depthlab", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )


def test_two_processes_match_one_and_only_rank_zero_writes(tmp_path: Path) -> None:
    common = ["train", "--data", "iris", "--model", "mlp", "--epochs", "30", "--seed", "0"]
    done = _torchrun(*common, "--distributed", "--out", str(tmp_path / "ddp"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.count("test accuracy") == 1  # rank 0 reports, rank 1 stays quiet
    dl.train("iris", dl.TrainSpec(model="mlp", train={"epochs": 30}), out=tmp_path / "one", seed=0)

    ddp = json.loads((tmp_path / "ddp" / "metrics.json").read_text())
    one = json.loads((tmp_path / "one" / "metrics.json").read_text())
    config = json.loads((tmp_path / "ddp" / "run.json").read_text())
    assert config["distributed"] == {"world_size": 2, "backend": "gloo"}
    assert ddp["test"]["accuracy"] > 0.8  # it learned (chance is 1/3)
    assert abs(ddp["test"]["accuracy"] - one["test"]["accuracy"]) <= 0.1
    # The same global batches, half on each rank: the loss curves follow each other.
    history = [json.loads(line) for line in (tmp_path / "ddp" / "history.jsonl").open()]
    single = [json.loads(line) for line in (tmp_path / "one" / "history.jsonl").open()]
    assert len(history) == 30
    assert history[-1]["train_loss"] < history[0]["train_loss"] * 0.7
    assert abs(history[-1]["train_loss"] - single[-1]["train_loss"]) < 0.15
    # The same files as a single run (plus the CLI's TensorBoard events), written once.
    written = sorted(p.name for p in (tmp_path / "ddp").iterdir())
    assert written == sorted([*(p.name for p in (tmp_path / "one").iterdir()), "tb"])
    assert len(list((tmp_path / "ddp" / "tb").glob("events.out.tfevents.*"))) == 1


def test_distributed_outside_torchrun_is_a_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(SystemExit) as stopped:
        main(["train", "--data", "iris", "--distributed", "--out", str(tmp_path / "r")])
    assert stopped.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: --distributed needs the process group torchrun")
    assert "\n" not in err
    assert not (tmp_path / "r").exists()
