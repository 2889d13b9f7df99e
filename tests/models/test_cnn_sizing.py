"""The CNN's presets sized to the input: stages that downsample large inputs to a small head,
short inputs at full resolution, the shallow preset one stage, token inputs as written."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import torch
from torch import nn

import depthlab as dl
from depthlab.data.dataset import Dataset
from depthlab.features.spec import InputSpec
from depthlab.models.base import build_model
from depthlab.models.cnn import CNN, HEAD_POSITIONS, halvings

POOLS = (nn.MaxPool1d, nn.MaxPool2d, nn.AvgPool1d, nn.AvgPool2d)
CONVS = (nn.Conv1d, nn.Conv2d)


def spec(kind: str, shape: tuple[int, ...]) -> InputSpec:
    vocab = 50 if kind == "tokens" else None
    return InputSpec(kind, shape, n_outputs=10, task="classification", vocab_size=vocab)


# Small inputs keep their resolution; large ones are pooled down to at most 64 positions.
SMALL = {
    "sequence-40": spec("sequence", (1, 40)),  # MNIST-1D
    "mfcc-13x63": spec("sequence", (13, 63)),
    "image-8x8": spec("image", (1, 8, 8)),  # scikit-learn's digits
}
LARGE = {
    "sequence-1000": spec("sequence", (1, 1000)),
    "sequence-3x100": spec("sequence", (3, 100)),
    "image-16x16": spec("image", (1, 16, 16)),
    "image-28x28": spec("image", (1, 28, 28)),
    "logmel-40x63": spec("image", (1, 40, 63)),
    "image-rgb-96x96": spec("image", (3, 96, 96)),
}
EVERY = {**SMALL, **LARGE, "tokens-200": spec("tokens", (200,))}


def count(model: nn.Module, kind: type[nn.Module] | tuple[type[nn.Module], ...]) -> int:
    return sum(isinstance(m, kind) for m in model.modules())


def head_positions(model: CNN, shape: tuple[int, ...]) -> int:
    """Positions the head pools over: those of the last stage's output."""
    model.eval()
    with torch.no_grad():
        *_, (out, _) = model.stages(torch.randn(2, *shape))
    return math.prod(out.shape[2:])


@pytest.mark.parametrize(
    ("sizes", "expected"),
    [
        ((40,), 0),
        ((64,), 0),
        ((65,), 1),  # 65 -> 32
        ((1000,), 4),  # 500, 250, 125, 62
        ((8, 8), 0),
        ((16, 16), 1),
        ((28, 28), 2),  # 14 x 14, 7 x 7
        ((224, 224), 5),  # 7 x 7
        ((3, 1000), 0),  # a side below 4 is never pooled
    ],
)
def test_halvings_until_the_head_is_small(sizes: tuple[int, ...], expected: int) -> None:
    assert halvings(sizes) == expected


@pytest.mark.parametrize("name", list(LARGE))
def test_deep_downsamples_large_inputs_in_widening_stages(name: str) -> None:
    given = LARGE[name]
    options = CNN.sized("deep", given).options
    model = build_model("cnn", given, "deep")
    assert head_positions(model, given.shape) <= HEAD_POSITIONS
    # pooled to at most HEAD_POSITIONS, then once more after the last stage
    assert count(model, POOLS) == halvings(given.shape[1:]) + 1 >= 2
    widths = options["channels"]
    assert list(widths) == sorted(widths) and widths[0] == 16 and len(widths) >= 4
    per_stage = options["pool_every"]
    stage_widths = widths[::per_stage]
    assert all(b == min(2 * a, 256) for a, b in itertools.pairwise(stage_widths))
    assert sum(p.numel() for p in model.parameters()) < 3_000_000


@pytest.mark.parametrize("name", list(SMALL))
def test_short_inputs_keep_their_resolution(name: str) -> None:
    given = SMALL[name]
    model = build_model("cnn", given, "deep")
    assert count(model, POOLS) == 0
    assert head_positions(model, given.shape) == math.prod(given.shape[1:])
    assert CNN.sized("deep", given).options == CNN.presets["deep"]  # MNIST-1D's measured best


@pytest.mark.parametrize("name", list(EVERY))
def test_shallow_is_one_stage(name: str) -> None:
    given = EVERY[name]
    model = build_model("cnn", given, "shallow")
    assert count(model, CONVS) == 1 and count(model, POOLS) <= 1
    assert CNN.sized("shallow", given, n_train=300).options == CNN.presets["shallow"]


@pytest.mark.parametrize("name", list(EVERY))
@pytest.mark.parametrize("preset", ["shallow", "deep"])
@pytest.mark.parametrize("n_train", [None, 50, 100_000])
def test_every_sized_preset_builds_and_runs(name: str, preset: str, n_train: int | None) -> None:
    given = EVERY[name]
    sized = CNN.sized(preset, given, n_train)
    model = build_model("cnn", given, preset, **sized.options).train()
    x = torch.randint(1, 50, (2, *given.shape)) if given.kind == "tokens" else None
    out = model(x if x is not None else torch.randn(2, *given.shape))
    assert out.shape == (2, 10)
    out.sum().backward()
    dl.TrainConfig(**sized.train)  # the sized training settings are valid ones


def test_few_examples_train_in_small_batches() -> None:
    image = LARGE["image-28x28"]
    assert CNN.sized("deep", image, n_train=2100).train["batch_size"] == 32
    assert "batch_size" not in CNN.sized("deep", image, n_train=60_000).train
    assert "batch_size" not in CNN.sized("deep", image).train  # unknown: the default
    assert "batch_size" not in CNN.sized("deep", SMALL["sequence-40"], n_train=2100).train


def test_tokens_and_no_spec_keep_the_written_presets() -> None:
    for preset in ("shallow", "deep"):
        assert CNN.sized(preset, EVERY["tokens-200"]).options == CNN.presets[preset]
        assert CNN.sized(preset).options == CNN.presets[preset]


def test_the_log_mel_pipeline_keeps_one_block_per_stage() -> None:
    """FSDD's deep CNN (16, 32, 64, 128), pooled after every block, over the sized preset."""
    from depthlab.features.registry import get_features
    from depthlab.training.spec import defaults

    logmel = LARGE["logmel-40x63"]
    resolved = defaults("cnn", "deep", get_features("logmel"), (logmel, 2000))
    model = build_model("cnn", logmel, "deep", **resolved.options)
    assert count(model, nn.Conv2d) == 4 and count(model, nn.MaxPool2d) == 4


def bars(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """20 x 20 noisy images of one bright bar, horizontal (class 0) or vertical (class 1),
    anywhere: a task a pixel-wise linear model cannot solve."""
    rng = np.random.default_rng(seed)
    images = rng.normal(0.0, 0.3, (n, 1, 20, 20)).astype(np.float32)
    labels = rng.integers(0, 2, n)
    for image, label, at, start in zip(
        images, labels, rng.integers(0, 20, n), rng.integers(0, 12, n), strict=True
    ):
        if label == 0:
            image[0, at, start : start + 8] += 1.5
        else:
            image[0, start : start + 8, at] += 1.5
    return images, labels.astype(np.int64)


def test_the_sized_deep_cnn_learns_a_small_image_task() -> None:
    images, labels = bars(160, seed=0)
    data = Dataset(
        name="bars",
        modality="image",
        task="classification",
        inputs=images,
        targets=labels,
        class_names=("horizontal", "vertical"),
    )
    spec = dl.TrainSpec(model="cnn", preset="deep", train={"epochs": 8, "device": "cpu"})
    run = dl.train(data, spec, seed=0)
    assert run.config["model"]["options"]["channels"] == [16, 16, 32, 32, 64, 64]  # 20 -> 10 -> 5
    assert run.config["train"]["batch_size"] == 32  # few examples, small batches
    test_images, test_labels = bars(200, seed=1)
    assert (run.predict(test_images) == test_labels).mean() >= 0.85
