"""mixup: what a blended batch is, that a mixed run still learns, stays reproducible and resumes
exactly, and that regression refuses it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import torch

from depthlab.config import TrainConfig, TrainSpec
from depthlab.errors import ConfigError
from depthlab.features.spec import InputSpec
from depthlab.models.base import build_model
from depthlab.training.loop import Tensors, evaluate, fit
from depthlab.training.mixup import mix


def test_a_mixed_batch_is_a_blend_of_the_batch_and_a_shuffle_of_it() -> None:
    x = torch.arange(24.0).reshape(8, 3)
    y = torch.arange(8)
    mixed, partner, lam = mix(x, y, 0.4, torch.Generator().manual_seed(3))
    assert 0.0 < lam < 1.0
    perm = partner  # labels are the row numbers here, so the partner labels are the shuffle
    assert sorted(perm.tolist()) == list(range(8)) and perm.tolist() != list(range(8))
    assert torch.allclose(mixed, lam * x + (1 - lam) * x[perm])
    weights = [mix(x, y, 0.2, torch.Generator().manual_seed(s))[2] for s in range(200)]
    near_ends = sum(w < 0.1 or w > 0.9 for w in weights)  # Beta(0.2, 0.2) is U-shaped
    assert near_ends > 100


def blobs() -> tuple[Tensors, InputSpec]:
    gen = torch.Generator().manual_seed(0)
    centres = torch.randn(4, 10, generator=gen) * 2
    y = torch.randint(0, 4, (400,), generator=gen)
    x = centres[y] + torch.randn(400, 10, generator=gen)
    spec = InputSpec("vector", (10,), n_outputs=4, task="classification")
    return Tensors(x[:300], y[:300], x[300:], y[300:]), spec


def trained(mixup: float, epochs: int = 6, checkpoint: Path | None = None) -> Any:
    data, spec = blobs()
    torch.manual_seed(0)
    model = build_model("mlp", spec, "shallow")
    cfg = TrainConfig(epochs=epochs, batch_size=32, device="cpu", mixup=mixup)
    fit(model, data, cfg, "classification", checkpoint=checkpoint, resume=checkpoint is not None)
    return model


def weights(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.clone() for k, v in model.state_dict().items()}


def test_a_mixed_run_learns_and_is_reproducible() -> None:
    data, _ = blobs()
    model = trained(0.2)
    accuracy = evaluate(model, data.x_val, data.y_val, "classification", torch.device("cpu"))
    assert accuracy["accuracy"] > 0.8  # chance: 0.25
    first, second, plain = weights(model), weights(trained(0.2)), weights(trained(0.0))
    assert all(torch.equal(first[k], second[k]) for k in first)
    assert not all(torch.equal(first[k], plain[k]) for k in first)


def test_a_mixed_run_resumes_exactly(tmp_path: Path, killed_after: Any) -> None:
    whole = weights(trained(0.2))
    checkpoint = tmp_path / "checkpoint.safetensors"
    with killed_after(3):  # Ctrl-C right after epoch 3 was saved
        trained(0.2, checkpoint=checkpoint)
    resumed = weights(trained(0.2, checkpoint=checkpoint))
    assert all(torch.equal(whole[k], resumed[k]) for k in whole)


def test_regression_refuses_mixup() -> None:
    from depthlab.training.run import train

    with pytest.raises(ConfigError, match="mixup blends class labels; a regression model"):
        train("diabetes", TrainSpec(model="mlp", train={"epochs": 1, "mixup": 0.2}))


def test_the_cli_records_mixup(cli: Any, tmp_path: Path) -> None:
    folder = tmp_path / "run"
    result = cli("train", "--data", "iris", "--epochs", "2", "--mixup", "0.2", "--out", str(folder))
    assert result.code == 0, result.err
    assert json.loads((folder / "run.json").read_text())["train"]["mixup"] == 0.2
