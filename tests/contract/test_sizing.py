"""Every family's presets sized to small and large inputs of every kind it fits, and to few and
many training examples (``DepthModel.sized``): the options build the model, the training
settings are valid, a forward and backward pass work, and the size stays bounded."""

from __future__ import annotations

import dataclasses

import pytest
import torch

from depthlab.config import TrainSpec
from depthlab.features.spec import InputSpec
from depthlab.models.base import get_family, list_families
from depthlab.training.spec import resolve

SMALL = {
    "vector": InputSpec("vector", (3,), n_outputs=2, task="classification"),
    "sequence": InputSpec("sequence", (1, 12), n_outputs=2, task="classification"),
    "image": InputSpec("image", (1, 8, 8), n_outputs=2, task="classification"),
    "tokens": InputSpec("tokens", (6,), n_outputs=2, task="classification", vocab_size=30),
    "pairs": InputSpec("pairs", (2,), n_outputs=1, task="regression", cardinalities=(5, 6)),
}
LARGE = {
    "vector": InputSpec("vector", (2_000,), n_outputs=20, task="classification"),
    "sequence": InputSpec("sequence", (3, 2_048), n_outputs=10, task="classification"),
    "image": InputSpec("image", (3, 128, 128), n_outputs=100, task="classification"),
    "tokens": InputSpec("tokens", (400,), n_outputs=5, task="classification", vocab_size=20_000),
    "pairs": InputSpec(
        "pairs", (2,), n_outputs=1, task="regression", cardinalities=(50_000, 20_000)
    ),
}
MAX_PARAMETERS = 30_000_000


def cases() -> list[pytest.param]:
    params = []
    for family in list_families():
        cls = get_family(family)
        for preset in cls.presets:
            for kind in cls.fits:
                for size, specs in (("small", SMALL), ("large", LARGE)):
                    for n_train in (40, 1_000_000):
                        params.append(
                            pytest.param(
                                family, preset, specs[kind], n_train,
                                id=f"{family}-{preset}-{kind}-{size}-n{n_train}",
                            )
                        )  # fmt: skip
    return params


def batch(spec: InputSpec) -> torch.Tensor:
    gen = torch.Generator().manual_seed(0)
    if spec.kind == "tokens":
        return torch.randint(1, spec.vocab_size, (2, *spec.shape), generator=gen)
    if spec.kind == "pairs":
        return torch.stack(
            [torch.randint(0, n, (2,), generator=gen) for n in spec.cardinalities], 1
        )
    return torch.randn(2, *spec.shape, generator=gen)


@pytest.mark.parametrize(("family", "preset", "spec", "n_train"), cases())
def test_a_sized_preset_builds_trains_and_stays_bounded(
    family: str, preset: str, spec: InputSpec, n_train: int
) -> None:
    if spec.kind == "pairs" and spec.task != "regression":
        spec = dataclasses.replace(spec, n_outputs=1, task="regression")
    cls = get_family(family)
    if cls.modalities:  # a head over a pretrained encoder: its inputs are the encoder's vectors
        spec = dataclasses.replace(spec, kind="vector", shape=(384,))
    resolved = resolve(TrainSpec(model=family, preset=preset), shape=(spec, n_train))
    assert resolved.train.epochs >= 1 and resolved.train.batch_size >= 1  # a valid TrainConfig
    torch.manual_seed(0)
    model = cls(spec, cls.Config(**{**cls.presets[preset], **resolved.options}))
    parameters = sum(p.numel() for p in model.parameters())
    assert 0 < parameters <= MAX_PARAMETERS
    out = model(batch(spec))
    assert out.shape == (2, spec.n_outputs)
    out.float().pow(2).mean().backward()
    assert all(p.grad is None or torch.isfinite(p.grad).all() for p in model.parameters())
