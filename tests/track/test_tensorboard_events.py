"""TensorBoard event files: one point per epoch and tag, hyperparameters at the end, no step
written twice when an interrupted run resumes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import depthlab as dl

pytest.importorskip("tensorboard")

EPOCHS = 4


def events(folder: Path) -> Any:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    return EventAccumulator(str(folder), size_guidance={"scalars": 0}).Reload()


def steps(folder: Path, tag: str) -> list[int]:
    return [int(e.step) for e in events(folder).Scalars(tag)]


class _Stop(Exception):
    pass


def test_every_epoch_is_a_point_and_the_test_metrics_close_the_run(tmp_path: Path) -> None:
    out = tmp_path / "run"
    run = dl.train(
        "iris", dl.TrainSpec(model="mlp", train={"epochs": EPOCHS}), out=out, track=["tensorboard"]
    )
    acc = events(out / "tb")
    tags = set(acc.Tags()["scalars"])
    assert {"loss/train", "loss/val", "val/accuracy", "train/lr", "test/accuracy"} <= tags
    history = [json.loads(line) for line in (out / "history.jsonl").read_text().splitlines()]
    losses = acc.Scalars("loss/train")
    assert [e.step for e in losses] == list(range(1, EPOCHS + 1))
    assert [e.value for e in losses] == pytest.approx([r["train_loss"] for r in history])
    assert [e.value for e in acc.Scalars("val/accuracy")] == pytest.approx(
        [r["val_accuracy"] for r in history]
    )
    (final,) = acc.Scalars("test/accuracy")
    assert final.value == pytest.approx(run.metrics["test"]["accuracy"])
    # The HParams dashboard's session: the settings that made this run.
    from tensorboard.plugins.hparams import plugin_data_pb2

    content = acc.PluginTagToContent("hparams")
    start = plugin_data_pb2.HParamsPluginData.FromString(content["_hparams_/session_start_info"])
    hparams = start.session_start_info.hparams
    assert hparams["model.family"].string_value == "mlp"
    assert hparams["train.epochs"].number_value == EPOCHS


def test_a_resumed_run_appends_each_missing_epoch_once(tmp_path: Path) -> None:
    out = tmp_path / "run"
    options = {"epochs": EPOCHS}

    def stop_at_two(record: dict[str, Any]) -> None:
        if record["epoch"] == 2:  # runs before the tracker's hook: epoch 2 is checkpointed
            raise _Stop  # but not yet in the event files

    with pytest.raises(_Stop):
        dl.train(
            "iris",
            dl.TrainSpec(model="mlp", train=options),
            out=out,
            hooks=[stop_at_two],
            track=["tensorboard"],
        )
    assert steps(out / "tb", "loss/train") == [1]
    run = dl.train(
        "iris",
        dl.TrainSpec(model="mlp", train=options),
        out=out,
        resume=True,
        track=["tensorboard"],
    )
    assert steps(out / "tb", "loss/train") == [1, 2, 3, 4]
    assert steps(out / "tb", "val/accuracy") == [1, 2, 3, 4]
    history = [json.loads(line)["train_loss"] for line in (out / "history.jsonl").open()]
    losses = [e.value for e in events(out / "tb").Scalars("loss/train")]
    assert losses == pytest.approx(history)
    assert len(run.history) == EPOCHS


def test_events_an_interrupted_process_left_past_the_checkpoint_are_hidden(
    tmp_path: Path,
) -> None:
    from torch.utils.tensorboard import SummaryWriter

    out = tmp_path / "run"
    options = {"epochs": 3}

    def stop_at_one(record: dict[str, Any]) -> None:
        raise _Stop

    with pytest.raises(_Stop):
        dl.train(
            "iris",
            dl.TrainSpec(model="mlp", train=options),
            out=out,
            track=["tensorboard"],
            hooks=[stop_at_one],
        )
    with SummaryWriter(str(out / "tb"), filename_suffix=".stale") as stale:
        stale.add_scalar("loss/train", 99.0, global_step=2)  # a step the checkpoint lacks
    # Named as the older file it stands for (names sort by their time stamp).
    (path,) = (out / "tb").glob("*.stale")
    path.rename(path.with_name("events.out.tfevents.1000000000.stale"))
    dl.train(
        "iris",
        dl.TrainSpec(model="mlp", train=options),
        out=out,
        resume=True,
        track=["tensorboard"],
    )
    losses = events(out / "tb").Scalars("loss/train")
    assert [e.step for e in losses] == [1, 2, 3]
    assert 99.0 not in [e.value for e in losses]


def test_tensorboard_needs_a_folder_or_a_log_dir(tmp_path: Path) -> None:
    with pytest.raises(dl.ConfigError, match="need a folder"):
        dl.train("iris", dl.TrainSpec(model="mlp", train={"epochs": 1}), track=["tensorboard"])
    tracker = dl.TensorBoardTracker(log_dir=tmp_path / "tb")
    dl.train("iris", dl.TrainSpec(model="mlp", train={"epochs": 2}), track=[tracker])
    assert steps(tmp_path / "tb", "loss/train") == [1, 2]


def test_an_unknown_tracker_is_a_clear_error() -> None:
    with pytest.raises(dl.ConfigError, match=r"unknown tracker 'tensorbord'.*tensorboard"):
        dl.train("iris", dl.TrainSpec(model="mlp", train={"epochs": 1}), track=["tensorbord"])


def test_cli_training_writes_events_unless_switched_off(tmp_path: Path, cli: Any) -> None:
    on, off = tmp_path / "on", tmp_path / "off"
    assert cli("train", "--data", "iris", "--epochs", "2", "--out", str(on), "-q").code == 0
    assert steps(on / "tb", "loss/train") == [1, 2]
    args = ("train", "--data", "iris", "--epochs", "2", "--out", str(off), "-q")
    assert cli(*args, "--no-tensorboard").code == 0
    assert (off / "model.safetensors").is_file() and not (off / "tb").exists()
