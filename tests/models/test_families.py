"""The four families: output shapes, what the presets mean, options and their errors."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from depthlab.errors import ConfigError
from depthlab.features.spec import InputSpec
from depthlab.models.base import build_model, families_for

VECTOR = InputSpec("vector", (7,), n_outputs=4, task="classification")
SEQUENCE = InputSpec("sequence", (3, 20), n_outputs=5, task="classification")
IMAGE = InputSpec("image", (3, 12, 10), n_outputs=6, task="classification")
REGRESSION = InputSpec("vector", (7,), n_outputs=1, task="regression")


def count(model: nn.Module, kind: type[nn.Module] | tuple[type[nn.Module], ...]) -> int:
    return sum(isinstance(m, kind) for m in model.modules())


def n_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


@pytest.mark.parametrize(
    ("family", "spec"),
    [
        ("linear", VECTOR),
        ("linear", SEQUENCE),
        ("linear", IMAGE),
        ("mlp", VECTOR),
        ("mlp", SEQUENCE),
        ("mlp", IMAGE),
        ("mlp", REGRESSION),
        ("cnn", SEQUENCE),
        ("cnn", IMAGE),
        ("rnn", SEQUENCE),
    ],
)
@pytest.mark.parametrize("preset", ["shallow", "deep"])
def test_output_shapes(family: str, spec: InputSpec, preset: str) -> None:
    model = build_model(family, spec, preset).eval()
    with torch.no_grad():
        out = model(torch.randn(3, *spec.shape))
    assert out.shape == (3, spec.n_outputs)


def test_shallow_presets_have_one_hidden_layer_and_deep_more() -> None:
    shallow, deep = build_model("mlp", VECTOR, "shallow"), build_model("mlp", VECTOR, "deep")
    assert len(shallow.hidden) == 1 and len(deep.hidden) > 1
    assert count(shallow, nn.Linear) == 2  # one hidden layer and the head
    convs = (nn.Conv1d, nn.Conv2d)
    for spec in (SEQUENCE, IMAGE):
        assert count(build_model("cnn", spec, "shallow"), convs) == 1
        assert count(build_model("cnn", spec, "deep"), convs) > 1
    assert build_model("rnn", SEQUENCE, "shallow").rnn.num_layers == 1
    assert build_model("rnn", SEQUENCE, "deep").rnn.num_layers > 1
    for preset in ("shallow", "deep"):  # linear has no depth to choose
        assert count(build_model("linear", VECTOR, preset), nn.Linear) == 1


def test_linear_parameter_count_is_f_times_k_plus_k() -> None:
    for spec in (VECTOR, SEQUENCE, IMAGE):
        f, k = spec.flat_size, spec.n_outputs
        assert n_params(build_model("linear", spec)) == f * k + k


def test_unknown_family_lists_the_families() -> None:
    with pytest.raises(ConfigError, match="unknown model 'mpl'") as err:
        build_model("mpl", VECTOR)
    message = str(err.value)
    assert "Did you mean 'mlp'?" in message
    assert all(name in message for name in ("linear", "mlp", "cnn", "rnn"))


def test_unknown_preset_lists_the_presets() -> None:
    with pytest.raises(ConfigError, match="unknown preset 'deeep'") as err:
        build_model("mlp", VECTOR, "deeep")
    assert "Did you mean 'deep'?" in str(err.value)
    assert "Presets: shallow, deep" in str(err.value)


def test_unknown_option_lists_the_valid_options() -> None:
    with pytest.raises(ConfigError, match="unknown option 'widht'") as err:
        build_model("mlp", VECTOR, widht=3)
    message = str(err.value)
    assert "Did you mean 'width'?" in message
    for option in ("hidden_sizes", "depth", "width", "dropout", "residual"):
        assert option in message
    with pytest.raises(ConfigError, match="Valid options: cell, hidden_size"):
        build_model("rnn", SEQUENCE, channels=(3,))
    with pytest.raises(ConfigError, match="unknown option 'depth'"):
        build_model("linear", VECTOR, depth=2)


@pytest.mark.parametrize(
    ("family", "spec", "fit"),
    [
        ("rnn", VECTOR, "linear, mlp"),
        ("cnn", VECTOR, "linear, mlp"),
        ("rnn", IMAGE, "linear, mlp, cnn"),
    ],
)
def test_a_model_that_does_not_fit_names_those_that_do(
    family: str, spec: InputSpec, fit: str
) -> None:
    with pytest.raises(ConfigError, match=f"does not fit {spec.kind} inputs") as err:
        build_model(family, spec)
    assert f"models that fit: {fit}" in str(err.value)
    assert families_for("sequence") == ["linear", "mlp", "cnn", "rnn"]


@pytest.mark.parametrize(
    ("family", "spec", "options", "key"),
    [
        ("mlp", VECTOR, {"width": 0}, "width"),
        ("mlp", VECTOR, {"dropout": -0.1}, "dropout"),
        ("mlp", VECTOR, {"dropout": 1.0}, "dropout"),
        ("mlp", VECTOR, {"depth": -1}, "depth"),
        ("mlp", VECTOR, {"hidden_sizes": (8, 0)}, "hidden_sizes"),
        ("mlp", VECTOR, {"activation": "sigmoidish"}, "activation"),
        ("cnn", IMAGE, {"channels": ()}, "channels"),
        ("cnn", IMAGE, {"channels": (0,)}, "channels"),
        ("cnn", IMAGE, {"dropout": -0.5}, "dropout"),
        ("rnn", SEQUENCE, {"hidden_size": 0}, "hidden_size"),
        ("rnn", SEQUENCE, {"num_layers": 0}, "num_layers"),
        ("rnn", SEQUENCE, {"pooling": "first"}, "pooling"),
    ],
)
def test_invalid_values_are_config_errors(
    family: str, spec: InputSpec, options: dict[str, object], key: str
) -> None:
    with pytest.raises(ConfigError, match=f"invalid value for '{key}"):
        build_model(family, spec, **options)


def test_mlp_hidden_sizes_override_depth_and_width() -> None:
    model = build_model("mlp", VECTOR, depth=3, width=16)
    assert [b.linear.out_features for b in model.hidden] == [16, 16, 16]
    model = build_model("mlp", VECTOR, depth=3, width=16, hidden_sizes=(9, 5))
    assert [(b.linear.in_features, b.linear.out_features) for b in model.hidden] == [
        (7, 9),
        (9, 5),
    ]
    assert model.head.in_features == 5
    assert len(build_model("mlp", VECTOR, depth=0).hidden) == 0  # depth 0 is the linear model


def test_mlp_residual_only_where_sizes_match() -> None:
    model = build_model(
        "mlp", VECTOR, hidden_sizes=(16, 16, 8), residual=True, activation="relu"
    ).eval()
    assert [b.residual for b in model.hidden] == [False, True, False]
    # With a zeroed linear layer, a residual block passes its input through unchanged.
    block = model.hidden[1]
    nn.init.zeros_(block.linear.weight)
    nn.init.zeros_(block.linear.bias)
    x = torch.randn(4, 16)
    assert torch.equal(block(x), x)
    plain = build_model("mlp", VECTOR, hidden_sizes=(16, 16), residual=False).hidden[1]
    nn.init.zeros_(plain.linear.weight)
    nn.init.zeros_(plain.linear.bias)
    assert torch.equal(plain(x), torch.zeros_like(x))


@pytest.mark.parametrize("cell", ["gru", "lstm"])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_rnn_poolings(cell: str, bidirectional: bool) -> None:
    h = 6
    x = torch.randn(3, *SEQUENCE.shape)
    for pooling in ("last", "mean", "max"):
        torch.manual_seed(0)
        model = build_model(
            "rnn", SEQUENCE, cell=cell, hidden_size=h, bidirectional=bidirectional, pooling=pooling
        ).eval()
        directions = 2 if bidirectional else 1
        assert model.head.in_features == h * directions
        assert isinstance(model.rnn, nn.GRU if cell == "gru" else nn.LSTM)
        with torch.no_grad():
            steps, _ = model.rnn(x.transpose(1, 2))  # (B, L, D*H)
            if pooling == "mean":
                pooled = steps.mean(dim=1)
            elif pooling == "max":
                pooled = steps.amax(dim=1)
            else:  # forward direction's last step, backward direction's first
                pooled = steps[:, -1, :h]
                if bidirectional:
                    pooled = torch.cat([pooled, steps[:, 0, h:]], dim=1)
            expected = model.head(pooled)
            assert torch.allclose(model(x), expected, atol=1e-6), pooling


def test_rnn_last_pooling_uses_the_top_layer() -> None:
    model = build_model(
        "rnn", SEQUENCE, num_layers=3, hidden_size=5, bidirectional=True, pooling="last"
    ).eval()
    x = torch.randn(2, *SEQUENCE.shape)
    with torch.no_grad():
        steps, _ = model.rnn(x.transpose(1, 2))
        pooled = torch.cat([steps[:, -1, :5], steps[:, 0, 5:]], dim=1)
        assert torch.allclose(model(x), model.head(pooled), atol=1e-6)


def test_cnn_is_1d_for_sequences_and_2d_for_images() -> None:
    four = {"channels": (8, 8, 8, 8), "pool": "max", "pool_every": 1}
    seq, img = (
        build_model("cnn", SEQUENCE, "deep", **four),
        build_model("cnn", IMAGE, "deep", **four),
    )
    assert count(seq, nn.Conv1d) == 4 and count(seq, nn.Conv2d) == 0
    assert count(img, nn.Conv2d) == 4 and count(img, nn.Conv1d) == 0
    assert count(seq, nn.BatchNorm1d) == 4 and count(img, nn.BatchNorm2d) == 4
    # Pooling halves the size while it is at least 4: 20 -> 10 -> 5 -> 2, then no more.
    assert count(seq, nn.MaxPool1d) == 3
    assert count(img, nn.MaxPool2d) == 2  # min(12, 10): 10 -> 5 -> 2
    assert count(build_model("cnn", IMAGE, "deep", pool="none"), nn.MaxPool2d) == 0
    assert count(build_model("cnn", IMAGE, "deep", **{**four, "pool": "avg"}), nn.AvgPool2d) == 2
    assert build_model("cnn", IMAGE, channels=(4, 9)).head.in_features == 9


@pytest.mark.parametrize("norm", ["none", "batch", "layer"])
@pytest.mark.parametrize("head", ["avg", "max"])
def test_cnn_options_build_and_run(norm: str, head: str) -> None:
    for spec in (SEQUENCE, IMAGE):
        model = build_model("cnn", spec, channels=(4, 4), norm=norm, head=head, kernel_size=3)
        out = model.train()(torch.randn(2, *spec.shape))
        assert out.shape == (2, spec.n_outputs)


@pytest.mark.parametrize("pooling", ["max", "mean"])
def test_rnn_layer_by_layer_reproduces_the_stacked_cell(pooling: str) -> None:
    """The probes run a stacked GRU one layer at a time: the last layer must match the model's."""
    spec = InputSpec("sequence", (3, 12), n_outputs=4, task="classification")
    torch.manual_seed(0)
    model = build_model("rnn", spec, "deep", num_layers=3, pooling=pooling).eval()
    x = torch.randn(5, 3, 12)
    with torch.no_grad():
        reps = model.representations(x)
        assert torch.allclose(model.head(reps[-1]), model(x), atol=1e-5)
    assert [r.shape[1] for r in reps] == [128, 128, 128]


def test_mlp_last_representation_feeds_the_head() -> None:
    spec = InputSpec("vector", (7,), n_outputs=2, task="classification")
    model = build_model("mlp", spec, "deep").eval()
    x = torch.randn(6, 7)
    with torch.no_grad():
        assert torch.allclose(model.head(model.representations(x)[-1]), model(x))


def test_an_unknown_input_kind_is_named() -> None:
    from depthlab.errors import ConfigError

    with pytest.raises(ConfigError, match="unknown input kind 'table'; kinds: vector"):
        InputSpec("table", (3,), n_outputs=2, task="classification")  # type: ignore[arg-type]
