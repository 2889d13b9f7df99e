"""Transfer: weights copied from a run or a checkpoint, a new head for new classes, freezing,
the fine-tuning learning rate, the documented mismatch errors, and a fine-tuned model that
beats one trained from scratch on few examples."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

import depthlab as dl
from depthlab.config import TrainConfig
from depthlab.data.dataset import Dataset
from depthlab.data.load import load_dataset
from depthlab.errors import ConfigError, DataError
from depthlab.models.base import build_model
from depthlab.studies.fitting.few_shot import draw_shots
from depthlab.studies.plan.recipes import relabel
from depthlab.training.checkpoint import read_tensors
from depthlab.training.loop import make_optimizer
from depthlab.training.transfer import Source, head_names, layer_of

SMALL = {"depth": 2, "width": 64, "dropout": 0.0}


@pytest.fixture(scope="module")
def digits() -> Dataset:
    return load_dataset("digits")


@pytest.fixture(scope="module")
def source_run(digits: Dataset, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small MLP trained on digits 0-4."""
    out = tmp_path_factory.mktemp("transfer") / "src"
    dl.train(
        relabel(digits, [0, 1, 2, 3, 4], "digits 0-4"),
        dl.TrainSpec(model="mlp", options=SMALL, train={"epochs": 4}),
        out=out,
    )
    return out


def _target(digits: Dataset) -> Dataset:
    return relabel(digits, [5, 6, 7, 8, 9], "digits 5-9")


def _train(digits: Dataset, **kwargs: Any) -> dl.Run:
    options = {"epochs": 2, **kwargs.pop("train_options", {})}
    transfer = {key: kwargs.pop(key) for key in ("init_from", "freeze") if key in kwargs}
    return dl.train(
        kwargs.pop("data", _target(digits)),
        dl.TrainSpec(
            model=kwargs.pop("model", "mlp"),
            options=kwargs.pop("model_options", SMALL),
            train=options,
            **transfer,
        ),
        **kwargs,
    )


def test_copied_tensors_equal_the_source_and_new_classes_get_a_new_head(
    source_run: Path,
) -> None:
    weights = read_tensors(source_run / "model.safetensors")
    run = dl.Run.load(source_run)
    torch.manual_seed(1)
    net = build_model("mlp", run.model.spec, "shallow", **SMALL)  # type: ignore[union-attr]
    before_head = net.head.weight.detach().clone()
    record = Source.open(source_run).initialise(net, None, ("5", "6", "7", "8", "9"))
    for name, tensor in net.state_dict().items():
        if name.startswith("hidden."):
            assert torch.equal(tensor, weights[name]), name
    # Same number of classes, other names: the head keeps its fresh initialisation.
    assert torch.equal(net.head.weight, before_head)
    assert not torch.equal(net.head.weight, weights["head.weight"])
    assert record["head"] == "reinitialised"
    assert record["copied"] == len(weights) - 2


def test_a_head_of_another_size_is_reinitialised_and_logged(
    source_run: Path, digits: Dataset, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level("INFO", logger="depthlab"):
        run = _train(digits, data=digits, init_from=source_run, train_options={"epochs": 1})
    assert run.model.head.weight.shape[0] == 10  # type: ignore[union-attr]
    assert run.config["init_from"]["head"] == "reinitialised"
    assert run.config["freeze"] is None
    assert "copied 4 tensors, re-initialised the head" in caplog.text


def test_the_same_classes_keep_the_head(source_run: Path, digits: Dataset) -> None:
    run = _train(
        digits,
        data=relabel(digits, [0, 1, 2, 3, 4], "digits 0-4"),
        init_from=source_run,
        train_options={"epochs": 1},
    )
    assert run.config["init_from"] == {**run.config["init_from"], "copied": 6, "head": "copied"}


def test_frozen_layers_do_not_change(source_run: Path, digits: Dataset, tmp_path: Path) -> None:
    weights = read_tensors(source_run / "model.safetensors")
    run = _train(digits, init_from=source_run, freeze="all-but-head", out=tmp_path / "a")
    state = run.model.state_dict()  # type: ignore[union-attr]
    assert all(torch.equal(state[n], weights[n]) for n in state if n.startswith("hidden."))
    assert run.config["freeze"] == "all-but-head"
    one = _train(digits, init_from=source_run, freeze="1", out=tmp_path / "b")
    state = one.model.state_dict()  # type: ignore[union-attr]
    assert torch.equal(state["hidden.0.linear.weight"], weights["hidden.0.linear.weight"])
    assert not torch.equal(state["hidden.1.linear.weight"], weights["hidden.1.linear.weight"])
    assert Path(one.config["init_from"]["path"]) == source_run.resolve()


def test_frozen_batch_norm_keeps_its_statistics(digits: Dataset, tmp_path: Path) -> None:
    options = {"depth": 2, "width": 32, "norm": "batch"}
    src = _train(digits, data=digits, out=tmp_path / "src", model_options=options, train_options={})
    run = _train(digits, data=digits, init_from=tmp_path / "src", freeze=2, model_options=options)
    for name, tensor in src.model.state_dict().items():  # type: ignore[union-attr]
        if name.startswith("hidden.") and "num_batches" not in name:
            assert torch.equal(run.model.state_dict()[name], tensor), name  # type: ignore[union-attr]


def test_fine_tune_lr_goes_to_the_pretrained_group(source_run: Path) -> None:
    net = dl.Run.load(source_run).model
    cfg = TrainConfig(lr=0.01, fine_tune_lr=0.001)
    groups = make_optimizer(net, cfg).param_groups  # type: ignore[arg-type]
    assert [(g["name"], g["lr"]) for g in groups] == [("head", 0.01), ("pretrained", 0.001)]
    head = {id(p) for n, p in net.named_parameters() if n.startswith("head.")}  # type: ignore[union-attr]
    assert {id(p) for p in groups[0]["params"]} == head
    assert len(groups[1]["params"]) == 4
    plain = make_optimizer(net, TrainConfig(lr=0.01)).param_groups  # type: ignore[arg-type]
    assert len(plain) == 1 and plain[0]["lr"] == 0.01


def test_layers_follow_the_depth_of_each_family() -> None:
    from depthlab.features.spec import InputSpec

    sequence = InputSpec("sequence", (2, 32), n_outputs=3, task="classification")
    for family, spec in (("mlp", sequence), ("cnn", sequence), ("rnn", sequence)):
        net = build_model(family, spec, "deep")
        layers = {layer_of(net, name) for name in net.state_dict()}
        assert layers == set(range(1, net.depth() + 2)), family  # every layer, then the head
        assert head_names(net) == {"head.weight", "head.bias"}


def test_a_checkpoint_file_works_without_its_run(source_run: Path, tmp_path: Path) -> None:
    alone = tmp_path / "weights.safetensors"
    shutil.copy(source_run / "checkpoint.safetensors", alone)  # a training checkpoint
    net = dl.Run.load(source_run).model
    fresh = build_model("mlp", net.spec, "shallow", **SMALL)  # type: ignore[union-attr]
    record = Source.open(alone).initialise(fresh)
    assert record["copied"] == 6 and record["head"] == "copied"  # nothing says the classes differ


def test_mismatches_are_config_errors(source_run: Path, digits: Dataset, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"holds a 'mlp' model.*--model mlp"):
        _train(digits, init_from=source_run, model="cnn", model_options={})
    with pytest.raises(ConfigError, match=r"another architecture.*width 64 there, 32 here"):
        _train(digits, init_from=source_run, model_options={**SMALL, "width": 32})
    with pytest.raises(ConfigError, match="--freeze 3: this mlp has 2 hidden layers"):
        _train(digits, init_from=source_run, freeze=3)
    with pytest.raises(ConfigError, match="invalid --freeze 'most'"):
        _train(digits, init_from=source_run, freeze="most")
    with pytest.raises(ConfigError, match="--freeze needs --init-from"):
        _train(digits, freeze="all-but-head")
    with pytest.raises(ConfigError, match="--fine-tune-lr needs --init-from"):
        _train(digits, train_options={"fine_tune_lr": 1e-4})
    with pytest.raises(ConfigError, match="classical baseline"):
        _train(digits, init_from=source_run, model="logistic", model_options=None)
    with pytest.raises(DataError, match="no such run folder"):
        _train(digits, init_from=tmp_path / "missing")
    # Weights alone (no run.json): a tensor of another shape names itself.
    iris = dl.train("iris", dl.TrainSpec(model="mlp", options=SMALL, train={"epochs": 1}))
    lone = tmp_path / "iris.safetensors"
    from depthlab.training.checkpoint import save_weights

    save_weights(iris.model, lone)  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match=r"hidden.0.linear.weight has shape \(64, 4\) there"):
        _train(digits, init_from=lone)


def test_fine_tuning_beats_scratch_on_one_example_per_class(digits: Dataset) -> None:
    """Pretrained on half of the digits, fine-tuned on one example per digit of the other half:
    far above the same network trained from scratch on those ten images."""
    rng = np.random.default_rng(0)
    order = rng.permutation(len(digits))
    half = len(order) // 2
    source, target = digits.subset(np.sort(order[:half])), digits.subset(np.sort(order[half:]))
    src = dl.train(source, dl.TrainSpec(model="mlp", options=SMALL, train={"epochs": 10}))
    shots, test = draw_shots(target.targets, (1,), seed=0)
    scores = []
    for start in (src, None):
        torch.manual_seed(0)
        net = build_model("mlp", src.model.spec, "shallow", **SMALL)  # type: ignore[union-attr]
        if start is not None:
            state = {k: v.clone() for k, v in start.model.state_dict().items()}  # type: ignore[union-attr]
            Source(Path("src"), state, None).initialise(net)
        from depthlab.training.loop import Tensors, fit

        x = torch.from_numpy(src.preprocessor.transform(target.inputs))
        y = torch.from_numpy(target.targets)
        cfg = TrainConfig(epochs=30, fine_tune_lr=3e-4 if start is not None else None)
        fit(net, Tensors(x[shots[1]], y[shots[1]], x[:0], y[:0]), cfg, "classification")
        net.eval()
        with torch.no_grad():
            scores.append(float((net(x[test]).argmax(1) == y[test]).float().mean()))
    fine_tuned, scratch = scores
    assert fine_tuned > 0.8
    assert fine_tuned > scratch + 0.15
