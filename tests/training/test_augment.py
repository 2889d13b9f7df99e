"""Augmentation of training batches: what a shift and a flip do, that they keep runs reproducible
and resumable, and that they refuse inputs they do not fit."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import torch

from depthlab.config import TrainConfig, TrainSpec
from depthlab.config_io import parse_config
from depthlab.errors import ConfigError
from depthlab.features.spec import InputSpec
from depthlab.models.base import build_model
from depthlab.training.augment import MAX_SHIFT, augment
from depthlab.training.loop import Tensors, fit


def test_shifts_move_each_image_by_at_most_two_pixels() -> None:
    x = torch.zeros(32, 1, 9, 9)
    x[:, 0, 4, 4] = 1.0  # one bright pixel in the centre of every image
    out = augment(x, "shift", torch.Generator().manual_seed(0))
    assert out.shape == x.shape and torch.equal(out.sum(dim=(1, 2, 3)), torch.ones(32))
    where = out[:, 0].flatten(1).argmax(1)
    rows, cols = where // 9, where % 9
    assert ((rows - 4).abs() <= MAX_SHIFT).all() and ((cols - 4).abs() <= MAX_SHIFT).all()
    assert len(set(zip(rows.tolist(), cols.tolist(), strict=True))) > 5  # each its own shift


def test_sequence_shifts_fill_with_the_mean() -> None:
    x = torch.ones(16, 2, 10)
    out = augment(x, "shift", torch.Generator().manual_seed(1))
    zeros = (out == 0).sum(dim=(1, 2))  # a shift of k steps leaves k zero steps per channel
    assert set(zeros.tolist()) <= {0, 2, 4} and zeros.max() > 0


def test_flips_mirror_whole_images() -> None:
    x = torch.randn(20, 3, 5, 6)
    out = augment(x, "flip", torch.Generator().manual_seed(0))
    flipped = [torch.equal(o, i.flip(-1)) for o, i in zip(out, x, strict=True)]
    kept = [torch.equal(o, i) for o, i in zip(out, x, strict=True)]
    assert all(f or k for f, k in zip(flipped, kept, strict=True))
    assert any(flipped) and any(kept)


def image_data() -> tuple[Tensors, InputSpec]:
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(96, 1, 8, 8, generator=gen)
    y = (x[:, 0, :4].mean(dim=(1, 2)) > 0).long()  # top half brighter or not
    spec = InputSpec("image", (1, 8, 8), n_outputs=2, task="classification")
    return Tensors(x[:80], y[:80], x[80:], y[80:]), spec


def trained(kind: str, epochs: int = 3, checkpoint: Path | None = None) -> dict[str, torch.Tensor]:
    data, spec = image_data()
    torch.manual_seed(0)
    model = build_model("cnn", spec, "shallow")
    cfg = TrainConfig(epochs=epochs, batch_size=16, device="cpu", augment=kind)
    fit(model, data, cfg, "classification", checkpoint=checkpoint, resume=checkpoint is not None)
    return {k: v.clone() for k, v in model.state_dict().items()}


def test_augmented_training_is_reproducible_and_differs_from_plain() -> None:
    first, second, plain = trained("shift+flip"), trained("shift+flip"), trained("none")
    assert all(torch.equal(first[k], second[k]) for k in first)
    assert not all(torch.equal(first[k], plain[k]) for k in first)


def test_augmented_training_resumes_exactly(tmp_path: Path, killed_after: Any) -> None:
    whole = trained("shift+flip", epochs=4)
    checkpoint = tmp_path / "checkpoint.safetensors"
    with killed_after(2):  # Ctrl-C right after epoch 2 was saved
        trained("shift+flip", epochs=4, checkpoint=checkpoint)
    resumed = trained("shift+flip", epochs=4, checkpoint=checkpoint)
    assert all(torch.equal(whole[k], resumed[k]) for k in whole)


def test_augment_refuses_inputs_it_does_not_fit() -> None:
    from depthlab.training.run import train

    with pytest.raises(ConfigError, match="flips images; these inputs are not images"):
        train("mnist1d", TrainSpec(model="cnn", train={"epochs": 1, "augment": "flip"}))
    with pytest.raises(ConfigError, match="tables take augment 'none'"):
        train("iris", TrainSpec(model="mlp", train={"epochs": 1, "augment": "shift"}))
    with pytest.raises(ConfigError, match="augment"):
        parse_config(TrainConfig, {"augment": "rotate"})


def test_affine_moves_rotates_and_scales_images_a_little() -> None:
    x = torch.zeros(64, 1, 17, 17)
    x[:, 0, 7:10, 4:13] = 1.0  # a horizontal bar through the centre of every image
    out = augment(x, "affine", torch.Generator().manual_seed(0))
    assert out.shape == x.shape and not torch.equal(out, x)
    mass = out[:, 0].sum(dim=(1, 2))  # area scaled by 0.9² to 1.1², nothing falls off the edge
    assert ((mass > 0.75 * 27) & (mass < 1.3 * 27)).all() and mass.std() > 0.5
    rows = torch.arange(17.0)[None, :, None]
    centre = (out[:, 0] * rows).sum(dim=(1, 2)) / mass  # moved by at most 10% of the side
    assert ((centre - 8).abs() <= 0.1 * 17 + 1.6).all() and centre.std() > 0.3
    again = augment(x, "affine", torch.Generator().manual_seed(0))
    assert torch.equal(out, again)


def test_affine_refuses_sequences() -> None:
    from depthlab.training.augment import check_augment

    with pytest.raises(ConfigError, match="transforms images; these inputs are not images"):
        check_augment("affine", 2)
    assert parse_config(TrainConfig, {"augment": "flip+affine"}).augment == "affine+flip"
