"""SpecAugment-style masking and warping: what a mask zeroes and a warp moves, that both are
drawn from the run's generator (the same seed, the same masks; training reproducible and exactly
resumable), combinations, errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import torch

from depthlab.config import TrainConfig
from depthlab.config_io import parse_config
from depthlab.errors import ConfigError
from depthlab.features.spec import InputSpec
from depthlab.models.base import build_model
from depthlab.training.augment import (
    MASK_FRACTION,
    WARP_FREQUENCY,
    WARP_TIME,
    augment,
    check_augment,
)
from depthlab.training.loop import Tensors, fit


def zero_runs(line: torch.Tensor) -> list[tuple[int, int]]:
    """``(start, length)`` of each run of zeros in a 1-D boolean-able tensor."""
    runs, start = [], None
    for i, value in enumerate([*(line == 0).tolist(), False]):
        if value and start is None:
            start = i
        elif not value and start is not None:
            runs.append((start, i - start))
            start = None
    return runs


def test_spectrogram_masks_are_one_band_of_rows_and_one_of_columns() -> None:
    x = torch.ones(64, 1, 40, 60)  # (B, C, mel bands, frames)
    out = augment(x, "mask", torch.Generator().manual_seed(0))
    assert out.shape == x.shape
    widest_rows, widest_cols = round(MASK_FRACTION * 40), round(MASK_FRACTION * 60)
    rows_seen, cols_seen = set(), set()
    for image in out[:, 0]:
        full_rows = (image == 0).all(dim=1)  # bands masked across every frame
        full_cols = (image == 0).all(dim=0)  # frames masked across every band
        row_runs, col_runs = zero_runs(~full_rows), zero_runs(~full_cols)
        assert len(row_runs) <= 1 and len(col_runs) <= 1  # one contiguous band per axis
        width_r = row_runs[0][1] if row_runs else 0
        width_c = col_runs[0][1] if col_runs else 0
        assert width_r <= widest_rows and width_c <= widest_cols
        # Nothing outside the two bands is touched.
        zeros = (image == 0).sum().item()
        assert zeros == width_r * 60 + width_c * 40 - width_r * width_c
        rows_seen.add(width_r)
        cols_seen.add(width_c)
    assert len(rows_seen) > 3 and len(cols_seen) > 3  # each example draws its own widths


def test_sequence_masks_steps_and_channels_when_there_are_several() -> None:
    mfcc = augment(torch.ones(32, 20, 50), "mask", torch.Generator().manual_seed(1))
    channels_hit = ((mfcc == 0).all(dim=2)).any(dim=1)  # a whole coefficient masked
    steps_hit = ((mfcc == 0).all(dim=1)).any(dim=1)  # a whole frame masked
    assert channels_hit.any() and steps_hit.any()
    wave = augment(torch.ones(32, 1, 50), "mask", torch.Generator().manual_seed(1))
    zeros = (wave == 0).sum(dim=(1, 2))
    assert zeros.max() > 0 and zeros.max() <= round(MASK_FRACTION * 50)  # steps only


def test_the_same_generator_state_gives_the_same_masks_and_warps() -> None:
    x = torch.randn(16, 1, 12, 30)
    first = augment(x, "shift+warp+mask", torch.Generator().manual_seed(5))
    again = augment(x, "shift+warp+mask", torch.Generator().manual_seed(5))
    other = augment(x, "shift+warp+mask", torch.Generator().manual_seed(6))
    assert torch.equal(first, again) and not torch.equal(first, other)


def test_a_warp_stretches_time_and_scales_bands_from_the_start_and_the_bottom() -> None:
    band, frame = 20, 10
    x = torch.zeros(64, 1, 40, 60)
    x[:, 0, band, frame] = 1.0  # one bright cell per spectrogram
    out = augment(x, "warp", torch.Generator().manual_seed(0))
    assert out.shape == x.shape
    where = out[:, 0].flatten(1).argmax(1)
    rows, cols = where // 60, where % 60

    def reach(i: int, bounds: tuple[float, float]) -> tuple[float, float]:
        return i * bounds[0] - 1, i * bounds[1] + 1  # a cell at index i lands at i * f

    low, high = reach(frame, WARP_TIME)
    assert ((cols >= low) & (cols <= high)).all() and len(set(cols.tolist())) > 2
    low, high = reach(band, WARP_FREQUENCY)
    assert ((rows >= low) & (rows <= high)).all() and len(set(rows.tolist())) > 1
    # The first frame and the lowest band stay where they are.
    corner = torch.zeros(8, 1, 10, 20)
    corner[:, :, 0, 0] = 1.0
    warped = augment(corner, "warp", torch.Generator())
    assert torch.allclose(warped[:, :, 0, 0], corner[:, :, 0, 0])


def test_a_sequence_warp_stretches_time_only() -> None:
    levels = torch.arange(3.0)[None, :, None].expand(16, 3, 50).clone()  # channel c holds c
    assert torch.allclose(augment(levels, "warp", torch.Generator()), levels)  # never mixed
    spike = torch.zeros(16, 2, 50)
    spike[:, :, 20] = 1.0
    out = augment(spike, "warp", torch.Generator().manual_seed(2))
    assert out.shape == spike.shape
    where = out.argmax(2)  # (B, C): the same step in both channels
    assert torch.equal(where[:, 0], where[:, 1])
    low, high = 20 * WARP_TIME[0] - 1, 20 * WARP_TIME[1] + 1
    assert ((where >= low) & (where <= high)).all() and len(set(where[:, 0].tolist())) > 2


def spectrogram_data() -> tuple[Tensors, InputSpec]:
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(96, 1, 12, 16, generator=gen)
    y = (x[:, 0, :6].mean(dim=(1, 2)) > 0).long()  # low bands louder or not
    spec = InputSpec("image", (1, 12, 16), n_outputs=2, task="classification")
    return Tensors(x[:80], y[:80], x[80:], y[80:]), spec


def trained(kind: str, epochs: int = 3, checkpoint: Path | None = None) -> dict[str, torch.Tensor]:
    data, spec = spectrogram_data()
    torch.manual_seed(0)
    model = build_model("cnn", spec, "shallow")
    cfg = TrainConfig(epochs=epochs, batch_size=16, device="cpu", augment=kind)
    fit(model, data, cfg, "classification", checkpoint=checkpoint, resume=checkpoint is not None)
    return {k: v.clone() for k, v in model.state_dict().items()}


def test_masked_training_is_reproducible_and_differs_from_plain() -> None:
    first, second, plain = trained("mask"), trained("mask"), trained("none")
    assert all(torch.equal(first[k], second[k]) for k in first)
    assert not all(torch.equal(first[k], plain[k]) for k in first)


def test_masked_training_resumes_exactly(tmp_path: Path, killed_after: Any) -> None:
    whole = trained("shift+flip+warp+mask", epochs=4)
    checkpoint = tmp_path / "checkpoint.safetensors"
    with killed_after(2):  # Ctrl-C right after epoch 2 was saved
        trained("shift+flip+warp+mask", epochs=4, checkpoint=checkpoint)
    resumed = trained("shift+flip+warp+mask", epochs=4, checkpoint=checkpoint)
    assert all(torch.equal(whole[k], resumed[k]) for k in whole)


def test_mask_and_warp_refuse_tables_and_unknown_combinations() -> None:
    with pytest.raises(ConfigError, match=r"masks bands .* tables take augment 'none'"):
        check_augment("mask", 1)
    with pytest.raises(ConfigError, match=r"warps spectrograms, .* tables take augment 'none'"):
        check_augment("warp", 1)
    check_augment("shift+mask", 2)
    check_augment("flip+warp+mask", 3)
    # kinds in any order, kept in the order they apply
    assert parse_config(TrainConfig, {"augment": "mask+shift"}).augment == "shift+mask"
    assert parse_config(TrainConfig, {"augment": "mask+warp"}).augment == "warp+mask"
    for bad in ("rotate", "mask+mask", "shift+"):
        with pytest.raises(
            ConfigError, match="kinds joined by '\\+' from shift, affine, flip, warp"
        ):
            parse_config(TrainConfig, {"augment": bad})
