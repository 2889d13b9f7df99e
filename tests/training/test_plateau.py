"""Training until converged: the plateau schedule cuts the rate on a stall and stops after the
patience, keeps the best epoch, anneals without validation data, and resumes exactly."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from depthlab.config import TrainConfig
from depthlab.features.spec import InputSpec
from depthlab.models.base import build_model
from depthlab.training.loop import Tensors, fit
from depthlab.training.plateau import FACTOR, PlateauLR, Progress

SPEC = InputSpec("vector", (6,), n_outputs=3, task="classification")


def classes(n: int = 300, noise: float = 0.3) -> Tensors:
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(n, 6, generator=gen)
    y = (x[:, :3] + noise * torch.randn(n, 3, generator=gen)).argmax(1)
    cut = n * 4 // 5
    return Tensors(x[:cut], y[:cut], x[cut:], y[cut:])


def model() -> torch.nn.Module:
    torch.manual_seed(0)
    return build_model("mlp", SPEC, hidden_sizes=(32,))


def test_training_stops_once_validation_stalls_well_before_the_cap() -> None:
    cfg = TrainConfig(epochs=500, batch_size=32, lr=0.01, patience=6, device="cpu")
    result = fit(model(), classes(), cfg, "classification")
    assert result.stopped_early
    history = result.history
    assert len(history) < 500
    # it stopped exactly `patience` epochs after the last epoch with a new best score or loss
    best_acc, best_loss, last_progress = -1.0, float("inf"), 0
    for i, row in enumerate(history):
        if row["val_accuracy"] > best_acc or row["val_loss"] < best_loss:
            last_progress = i
        best_acc, best_loss = max(best_acc, row["val_accuracy"]), min(best_loss, row["val_loss"])
    assert len(history) - 1 - last_progress == 6
    assert history[result.best_epoch - 1]["val_accuracy"] > 0.6  # chance is 1/3
    # the rate was cut on the way: the last epochs run at a fraction of the peak
    lrs = [row["lr"] for row in history]
    assert max(lrs) == pytest.approx(0.01)
    assert lrs[-1] <= 0.01 * FACTOR + 1e-12


def test_the_rate_is_cut_after_half_the_patience_without_progress() -> None:
    progress = Progress()
    progress.update(True, 1.0)
    for _ in range(3):
        progress.update(False, 1.5)
    assert (progress.stalled, progress.since_reduce) == (3, 3)
    progress.update(False, 0.9)  # a new lowest loss is progress, even without a better score
    assert (progress.stalled, progress.since_reduce, progress.best_loss) == (0, 0, 0.9)


def test_without_validation_data_the_rate_anneals_over_the_cap() -> None:
    data = classes()
    data = Tensors(data.x_train, data.y_train, data.x_val[:0], data.y_val[:0])
    cfg = TrainConfig(epochs=5, batch_size=32, lr=0.01, device="cpu")
    result = fit(model(), data, cfg, "classification")
    assert len(result.history) == 5 and not result.stopped_early
    lrs = [row["lr"] for row in result.history]
    assert lrs[-1] < 1e-4 < lrs[1]


def test_the_time_cap_stops_training() -> None:
    cfg = TrainConfig(epochs=500, batch_size=32, patience=0, max_minutes=1e-6, device="cpu")
    result = fit(model(), classes(), cfg, "classification")
    assert len(result.history) == 1


def test_a_killed_plateau_run_resumes_to_the_uninterrupted_weights(tmp_path: Path) -> None:
    data = classes(noise=1.0)
    cfg = TrainConfig(epochs=40, batch_size=32, lr=0.02, patience=4, device="cpu")
    whole = model()
    full = fit(whole, data, cfg, "classification", checkpoint=tmp_path / "a" / "ckpt")
    assert any(row["lr"] < 0.02 * FACTOR + 1e-12 for row in full.history)  # a cut happened

    class Killed(Exception):
        pass

    epochs = len(full.history)

    def kill_after(row: dict[str, object]) -> None:
        if row["epoch"] == epochs - 2:
            raise Killed

    part = model()
    with pytest.raises(Killed):
        fit(
            part,
            data,
            cfg,
            "classification",
            checkpoint=tmp_path / "b" / "ckpt",
            on_epoch=[kill_after],
        )
    resumed = model()
    again = fit(
        resumed, data, cfg, "classification", checkpoint=tmp_path / "b" / "ckpt", resume=True
    )
    assert [r["lr"] for r in again.history] == [r["lr"] for r in full.history]
    assert again.best_epoch == full.best_epoch
    for key, value in whole.state_dict().items():
        assert torch.equal(value, resumed.state_dict()[key])


def test_plateau_scale_survives_its_state_dict() -> None:
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1.0)
    sched = PlateauLR(opt, total_steps=100)
    sched.reduce()
    other = PlateauLR(torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1.0), 100)
    other.load_state_dict(sched.state_dict())
    assert other.scale == pytest.approx(FACTOR)
