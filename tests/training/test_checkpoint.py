"""Weights and training checkpoints: safetensors only, atomic, and clear errors on bad files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from torch import nn

from depthlab.errors import DataError
from depthlab.features.spec import InputSpec
from depthlab.models.base import build_model
from depthlab.training.checkpoint import (
    load_checkpoint,
    load_weights,
    read_tensors,
    save_checkpoint,
    save_weights,
)

SPEC = InputSpec("vector", (5,), n_outputs=3, task="classification")


def model(seed: int = 0, **options: object) -> nn.Module:
    torch.manual_seed(seed)
    # No dropout: the "same next step" check below must not depend on where the global RNG is.
    return build_model("mlp", SPEC, hidden_sizes=(8,), norm="batch", dropout=0.0, **options)


def trained(net: nn.Module, optimizer: torch.optim.Optimizer, steps: int = 3) -> None:
    gen = torch.Generator().manual_seed(7)
    net.train()
    for _ in range(steps):
        x, y = torch.randn(10, 5, generator=gen), torch.randint(0, 3, (10,), generator=gen)
        optimizer.zero_grad()
        nn.functional.cross_entropy(net(x), y).backward()
        optimizer.step()


def test_weights_round_trip(tmp_path: Path) -> None:
    net = model()
    trained(net, torch.optim.SGD(net.parameters(), lr=0.1))
    path = tmp_path / "w.safetensors"
    save_weights(net, path)
    assert not list(tmp_path.glob(".*partial"))  # the temporary file was renamed into place
    other = model(seed=1)
    load_weights(other, path)
    for key, value in net.state_dict().items():
        assert torch.equal(other.state_dict()[key], value), key
    assert set(read_tensors(path)) == set(net.state_dict())  # buffers included


def test_saving_replaces_an_existing_file(tmp_path: Path) -> None:
    path = tmp_path / "w.safetensors"
    save_weights(model(seed=0), path)
    second = model(seed=1)
    save_weights(second, path)
    assert torch.equal(read_tensors(path)["head.weight"], second.state_dict()["head.weight"])


@pytest.mark.parametrize(
    "options", [{"hidden_sizes": (9,)}, {"hidden_sizes": (8, 8)}, {"norm": "none"}]
)
def test_weights_of_another_architecture_are_a_data_error(
    tmp_path: Path, options: dict[str, object]
) -> None:
    path = tmp_path / "w.safetensors"
    save_weights(model(), path)
    torch.manual_seed(0)
    other = build_model("mlp", SPEC, **{"hidden_sizes": (8,), "norm": "batch", **options})
    with pytest.raises(DataError, match="do not fit this model") as err:
        load_weights(other, path)
    assert str(path) in str(err.value)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize("damage", ["truncated", "garbage", "empty", "missing"])
def test_a_damaged_file_is_a_data_error(tmp_path: Path, damage: str) -> None:
    path = tmp_path / "w.safetensors"
    save_weights(model(), path)
    raw = path.read_bytes()
    if damage == "truncated":
        path.write_bytes(raw[: len(raw) // 2])
    elif damage == "garbage":
        path.write_bytes(b"not a safetensors file at all")
    elif damage == "empty":
        path.write_bytes(b"")
    else:
        path.unlink()
    with pytest.raises(DataError, match="cannot read weights"):
        load_weights(model(), path)


def test_a_weights_file_is_not_a_training_checkpoint(tmp_path: Path) -> None:
    net = model()
    path = tmp_path / "w.safetensors"
    save_weights(net, path)
    optimizer = torch.optim.AdamW(net.parameters())
    with pytest.raises(DataError, match="not a depthlab training checkpoint"):
        load_checkpoint(path, net, optimizer, torch.Generator())


def test_a_training_checkpoint_restores_optimizer_and_random_state(tmp_path: Path) -> None:
    net = model()
    optimizer = torch.optim.AdamW(net.parameters(), lr=0.01)
    trained(net, optimizer)
    generator = torch.Generator().manual_seed(3)
    torch.randperm(10, generator=generator)  # move it away from its seed
    torch.manual_seed(11)
    torch.rand(4)
    path = tmp_path / "checkpoint.safetensors"
    state = {"epoch": 3, "best": 0.5, "history": [{"epoch": 1, "train_loss": 1.0}]}
    save_checkpoint(path, net, optimizer, generator, state)
    expected_rand, expected_perm = torch.rand(5), torch.randperm(50, generator=generator)

    torch.manual_seed(99)  # everything elsewhere: a fresh model, optimiser and generators
    other = model(seed=5)
    other_opt = torch.optim.AdamW(other.parameters(), lr=0.01)
    other_gen = torch.Generator().manual_seed(0)
    meta = load_checkpoint(path, other, other_opt, other_gen)
    assert {k: meta[k] for k in state} == state
    assert torch.equal(torch.rand(5), expected_rand)
    assert torch.equal(torch.randperm(50, generator=other_gen), expected_perm)
    for key, value in net.state_dict().items():
        assert torch.equal(other.state_dict()[key], value), key
    before, after = optimizer.state_dict(), other_opt.state_dict()
    # Through JSON, so the betas tuple comes back as a list; AdamW unpacks either.
    assert json.loads(json.dumps(after["param_groups"])) == json.loads(
        json.dumps(before["param_groups"])
    )
    assert set(after["state"]) == set(before["state"])
    for index, slots in before["state"].items():
        for name in ("exp_avg", "exp_avg_sq", "step"):
            assert torch.equal(after["state"][index][name], slots[name]), (index, name)

    # The restored optimiser takes the very same next step as the original one.
    trained(net, optimizer, steps=1)
    trained(other, other_opt, steps=1)
    for key, value in net.state_dict().items():
        assert torch.equal(other.state_dict()[key], value), key


def test_sgd_momentum_checkpoint(tmp_path: Path) -> None:
    net = model()
    optimizer = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
    trained(net, optimizer)
    path = tmp_path / "checkpoint.safetensors"
    save_checkpoint(path, net, optimizer, torch.Generator(), {"epoch": 1})
    other = model(seed=2)
    other_opt = torch.optim.SGD(other.parameters(), lr=0.1, momentum=0.9)
    load_checkpoint(path, other, other_opt, torch.Generator())
    for index, slots in optimizer.state_dict()["state"].items():
        restored = other_opt.state_dict()["state"][index]["momentum_buffer"]
        assert torch.equal(restored, slots["momentum_buffer"])
