"""Epoch hooks: trackers see every epoch's record, a hook that raises leaves a resumable run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import depthlab as dl


class _Stop(Exception):
    pass


def test_hooks_see_every_epoch_in_order() -> None:
    seen: list[dict[str, Any]] = []
    dl.train("iris", dl.TrainSpec(model="mlp", train={"epochs": 4}), hooks=[seen.append])
    assert [r["epoch"] for r in seen] == [1, 2, 3, 4]
    assert {"train_loss", "val_accuracy", "lr", "seconds"} <= set(seen[-1])


def test_a_raising_hook_leaves_the_checkpoint_to_resume(tmp_path: Path) -> None:
    def stop_at_two(record: dict[str, Any]) -> None:
        if record["epoch"] == 2:
            raise _Stop

    out = tmp_path / "run"
    options = {"epochs": 4}
    with pytest.raises(_Stop):
        dl.train("iris", dl.TrainSpec(model="mlp", train=options), out=out, hooks=[stop_at_two])
    seen: list[dict[str, Any]] = []
    dl.train(
        "iris", dl.TrainSpec(model="mlp", train=options), out=out, resume=True, hooks=[seen.append]
    )
    assert [r["epoch"] for r in seen] == [3, 4]
