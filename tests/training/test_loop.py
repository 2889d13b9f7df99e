"""The training loop: it learns, it is deterministic, it stops early, and it fails clearly."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import torch
from torch import nn

from depthlab.config import TrainConfig, TrainSpec
from depthlab.features.spec import InputSpec
from depthlab.models.base import build_model
from depthlab.training.checkpoint import load_checkpoint
from depthlab.training.loop import Tensors, TrainingError, evaluate, fit
from depthlab.training.run import train

CPU = torch.device("cpu")
SPEC = InputSpec("vector", (6,), n_outputs=3, task="classification")


def classes(n: int = 150) -> Tensors:
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(n, 6, generator=gen)
    y = (x[:, :3] + 0.3 * torch.randn(n, 3, generator=gen)).argmax(1)
    cut = n * 4 // 5
    return Tensors(x[:cut], y[:cut], x[cut:], y[cut:])


def net(seed: int = 0) -> nn.Module:
    torch.manual_seed(seed)  # dropout and batch norm: the random and stateful parts of a model
    return build_model("mlp", SPEC, hidden_sizes=(16, 16), dropout=0.2, norm="batch")


def config(**options: Any) -> TrainConfig:
    return TrainConfig(**{"epochs": 3, "batch_size": 32, "device": "cpu", **options})


def weights(model: nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def same(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor]) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def test_an_mlp_learns_digits(tmp_path: Path) -> None:
    run = train(
        "digits",
        TrainSpec(model="mlp", preset="shallow", train={"epochs": 5}),
        out=tmp_path / "run",
    )
    assert run.metrics["test"]["accuracy"] > 0.8  # chance is 0.1
    losses = [row["train_loss"] for row in run.history]
    assert len(losses) == 5
    assert losses[-1] < 0.5 * losses[0]
    assert all(later < losses[0] for later in losses[1:])
    assert run.history[-1]["val_loss"] < run.history[0]["val_loss"]
    lines = (tmp_path / "run" / "history.jsonl").read_text().splitlines()
    rows = [json.loads(line) for line in lines]
    assert [row["epoch"] for row in rows] == [1, 2, 3, 4, 5]
    assert rows == run.history
    assert {"train_loss", "val_loss", "val_accuracy", "lr", "seconds"} <= set(rows[0])


def test_the_same_seed_gives_bit_identical_weights() -> None:
    def trained(seed: int) -> dict[str, torch.Tensor]:
        options = {"hidden_sizes": (32, 32), "dropout": 0.2}
        run = train(
            "digits", TrainSpec(model="mlp", options=options, train={"epochs": 2}), seed=seed
        )
        return weights(run.model)

    first, second, other = trained(0), trained(0), trained(1)
    assert same(first, second)
    assert not any(torch.equal(first[k], other[k]) for k in first if k.endswith("weight"))


def test_fit_is_deterministic_given_the_seed() -> None:
    runs = []
    for seed in (0, 0, 1):
        model = net()
        fit(model, classes(), config(seed=seed), "classification")
        runs.append(weights(model))
    assert same(runs[0], runs[1])
    assert not same(runs[0], runs[2])  # the seed drives the shuffling and dropout


def test_early_stopping_restores_the_best_epoch() -> None:
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(160, 4, generator=gen)
    y = x @ torch.tensor([1.0, -2.0, 0.5, 1.5])
    # Validation targets are half the training ones: on its way to the training fit the model
    # passes the best validation fit, then overshoots it, and validation gets worse.
    data = Tensors(x[:120], y[:120], x[120:], 0.5 * y[120:])
    torch.manual_seed(0)
    model = build_model("linear", InputSpec("vector", (4,), 1, "regression"))
    cfg = config(epochs=40, lr=0.08, optimizer="sgd", momentum=0.0, schedule="none", patience=2)
    result = fit(model, data, cfg, "regression")
    assert result.stopped_early
    rmses = [row["val_rmse"] for row in result.history]
    assert len(rmses) == result.best_epoch + 2 < 40
    assert result.best_epoch > 1
    assert rmses[result.best_epoch - 1] == min(rmses)
    assert all(later > min(rmses) for later in rmses[result.best_epoch :])
    final = evaluate(model, data.x_val, data.y_val, "regression", CPU)["rmse"]
    assert final == pytest.approx(min(rmses), rel=1e-6)
    assert final != pytest.approx(rmses[-1], rel=1e-3)


def test_without_validation_data_patience_never_stops() -> None:
    data = classes()
    data = Tensors(data.x_train, data.y_train, data.x_val[:0], data.y_val[:0])
    result = fit(net(), data, config(epochs=4, patience=1), "classification")
    assert not result.stopped_early
    assert len(result.history) == 4
    assert "val_accuracy" not in result.history[0]


@pytest.mark.parametrize("optimizer", ["adamw", "sgd"])
@pytest.mark.parametrize("schedule", ["onecycle", "cosine", "step", "none"])
def test_every_schedule_and_optimizer_trains(schedule: str, optimizer: str) -> None:
    model = net()
    cfg = config(epochs=4, lr=0.05, schedule=schedule, optimizer=optimizer, step_size=2)
    result = fit(model, classes(), cfg, "classification")
    history = result.history
    assert len(history) == 4 and not result.stopped_early
    assert history[-1]["train_loss"] < history[0]["train_loss"]
    assert history[-1]["val_accuracy"] > 0.5  # chance is 1/3
    lrs = [row["lr"] for row in history]
    if schedule == "none":
        assert lrs == [0.05] * 4
    elif schedule == "step":  # halved every 2 epochs, applied per batch
        assert lrs == pytest.approx([0.05, 0.025, 0.025, 0.0125])
    else:  # both anneal to (almost) nothing by the last step
        assert lrs[-1] < 1e-3 < lrs[1]


def test_gradient_clipping_bounds_the_step() -> None:
    gen = torch.Generator().manual_seed(0)
    x, y = torch.randn(64, 6, generator=gen) * 50, torch.randint(0, 3, (64,), generator=gen)
    data = Tensors(x, y, x[:0], y[:0])

    def step_norm(clip: float) -> float:
        torch.manual_seed(0)
        model = build_model("linear", SPEC)
        before = torch.cat([p.detach().flatten().clone() for p in model.parameters()])
        cfg = config(
            epochs=1, batch_size=64, lr=1.0, optimizer="sgd", momentum=0.0,
            weight_decay=0.0, schedule="none", grad_clip=clip,
        )  # fmt: skip
        fit(model, data, cfg, "classification")  # one full batch: one SGD step
        after = torch.cat([p.detach().flatten() for p in model.parameters()])
        return float((after - before).norm())

    assert step_norm(0.01) == pytest.approx(0.01, rel=1e-4)  # lr x the clipped gradient norm
    assert step_norm(0.0) > 1.0  # off: the raw, large gradient


def test_the_dataloader_path_gives_the_same_weights(monkeypatch: pytest.MonkeyPatch) -> None:
    import torch.utils.data

    made: list[int] = []

    class Counting(torch.utils.data.DataLoader):  # type: ignore[type-arg]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            made.append(1)
            super().__init__(*args, **kwargs)

    in_memory = net()
    fit(in_memory, classes(), config(), "classification")
    assert not made
    monkeypatch.setattr(torch.utils.data, "DataLoader", Counting)
    loaded = net()
    fit(loaded, classes(), config(in_memory_mb=0), "classification")
    assert len(made) == 3  # one per epoch: that path was taken
    # Same batches in the same order, gathered by stacking rows instead of indexing, and the
    # DataLoader's own seed draw kept off the global RNG, so dropout masks match: bit-identical.
    assert same(weights(in_memory), weights(loaded))


class BreaksAt(nn.Module):
    """A network whose output becomes NaN at one training step (1-based epoch and step)."""

    def __init__(self, epoch: int, step: int, steps_per_epoch: int) -> None:
        super().__init__()
        self.layer = nn.Linear(6, 3)
        self.calls = 0
        self.fail_at = (epoch - 1) * steps_per_epoch + step

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.layer(x)
        if self.training:
            self.calls += 1
            if self.calls == self.fail_at:
                return out * float("nan")
        return out


def test_a_nan_loss_names_the_epoch_and_step_and_keeps_the_checkpoint(tmp_path: Path) -> None:
    data = classes()  # 120 training rows in batches of 32: 4 steps an epoch
    model = BreaksAt(epoch=3, step=2, steps_per_epoch=4)
    checkpoint, history = tmp_path / "checkpoint.safetensors", tmp_path / "history.jsonl"
    with pytest.raises(TrainingError, match="at epoch 3, step 2") as err:
        fit(model, data, config(epochs=5), "classification", checkpoint, history)
    message = str(err.value)
    assert "nan" in message and "--lr" in message and str(checkpoint) in message
    assert len(history.read_text().splitlines()) == 2
    restored = BreaksAt(epoch=3, step=2, steps_per_epoch=4)
    optimizer = torch.optim.AdamW(restored.parameters())
    state = load_checkpoint(checkpoint, restored, optimizer, torch.Generator())
    assert state["epoch"] == 2
    assert len(state["history"]) == 2


def test_infinite_inputs_raise_a_training_error() -> None:
    data = classes()
    data.x_train[5, 0] = float("inf")
    with pytest.raises(TrainingError, match=r"at epoch 1, step \d"):
        fit(net(), data, config(grad_clip=0.0), "classification")


def test_a_huge_learning_rate_without_clipping_diverges() -> None:
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(100, 6, generator=gen) * 10
    y = x.sum(1) * 100
    data = Tensors(x, y, x[:0], y[:0])
    torch.manual_seed(0)
    model = build_model("mlp", InputSpec("vector", (6,), 1, "regression"), depth=2, width=16)
    cfg = config(epochs=20, lr=10.0, optimizer="sgd", schedule="none", grad_clip=0.0)
    with pytest.raises(TrainingError, match=r"the loss became (nan|inf) at epoch \d+, step \d+"):
        fit(model, data, cfg, "regression")


def test_history_has_one_json_line_per_epoch(tmp_path: Path) -> None:
    path = tmp_path / "history.jsonl"
    result = fit(net(), classes(), config(epochs=4), "classification", history_path=path)
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    assert rows == result.history
    assert [row["epoch"] for row in rows] == [1, 2, 3, 4]
    assert not list(tmp_path.glob(".*partial"))
