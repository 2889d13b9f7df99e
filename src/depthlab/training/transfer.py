"""Transfer learning: start a network from another run's weights, freeze part of it, fine-tune.

``dl.train(data, TrainSpec(init_from=RUN, freeze=..., train={"fine_tune_lr": ...}))``
copies every tensor whose name and shape match from the source into the new network; the
output head keeps its fresh initialisation when the outputs differ (another number of classes,
or other class names). A run folder also brings its feature statistics: the new run reuses the
source's preprocessing (clip length, normalisation, vocabulary...), because pretrained weights
only mean something on inputs prepared the same way. A bare ``.safetensors`` file brings weights
alone, so the target's own statistics are fitted and must give the same input shape.

Layers, for ``freeze=N`` and the learning rates: layer ``i`` (1..depth) is the model's ``i``-th
hidden layer, the one whose output is ``representations(x)[i - 1]`` (an MLP block, a convolution
stage with its norm, an RNN layer with both directions); input embeddings (words, table
categories) belong to layer 1. The head is everything after the last hidden layer.

Example:
    >>> import depthlab as dl
    >>> src = dl.train("digits", dl.TrainSpec(model="mlp"), out="runs/src")  # doctest: +SKIP
    >>> run = dl.train("digits", dl.TrainSpec(model="mlp", init_from="runs/src",
    ...                freeze="all-but-head"))  # doctest: +SKIP
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from depthlab.config import FeatureConfig, TrainConfig
from depthlab.errors import ConfigError, DataError
from depthlab.models.base import DepthModel
from depthlab.training.checkpoint import read_tensors
from depthlab.training.preprocess import Preprocessor
from depthlab.training.record import RUN_FILE, WEIGHTS

log = logging.getLogger(__name__)

ALL_BUT_HEAD = "all-but-head"
Freeze = str | int | None
# Tensor-name prefixes of the layers each family's modules belong to (see the module docstring);
# anything else (a linear model's weights, a factorisation's global mean) is head.
_INPUTS = re.compile(r"^(words|table|users|items|gmf_users|gmf_items|transformer)\.")
_HIDDEN = re.compile(r"^(hidden|tower)\.(\d+)\.")
_RNN = re.compile(r"^rnn\.\w+_l(\d+)(_reverse)?$")
_CONV = re.compile(r"^features\.(\d+)\.")


def parse_freeze(value: str | int | None) -> Freeze:
    """``None``, ``"all-but-head"`` or a number of layers (a CLI string of digits too)."""
    if value is None or value == "":
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and value.strip() == ALL_BUT_HEAD:
        return ALL_BUT_HEAD
    elif isinstance(value, str) and value.strip().isdigit():
        number = int(value.strip())
    else:
        raise ConfigError(
            f"invalid --freeze '{value}': give {ALL_BUT_HEAD} or a number of layers, e.g. 2"
        )
    if number < 0:
        raise ConfigError(f"invalid --freeze {number}: the number of layers is 0 or more")
    return number


def layer_of(model: DepthModel, name: str) -> int:
    """The layer (1..depth) a state-dict tensor *name* belongs to; ``depth + 1`` is the head."""
    depth = int(model.depth())
    head = depth + 1
    if depth == 0:
        return head
    if _INPUTS.match(name):
        return 1
    if match := _HIDDEN.match(name):
        offset = 2 if name.startswith("tower.") else 1  # NCF's embeddings are its first layer
        return min(int(match.group(2)) + offset, depth)
    if match := _RNN.match(name):
        return int(match.group(1)) + 1
    if match := _CONV.match(name):
        return _conv_stages(model).get(int(match.group(1)), head)
    return head


def _conv_stages(model: nn.Module) -> dict[int, int]:
    """A CNN's ``features`` index -> stage (each stage starts at a convolution)."""
    stages: dict[int, int] = {}
    stage = 0
    for index, module in enumerate(getattr(model, "features", ())):
        if isinstance(module, nn.Conv1d | nn.Conv2d):
            stage += 1
        stages[index] = max(stage, 1)
    return stages


def head_names(model: DepthModel) -> set[str]:
    """State-dict names of the output head (see :func:`layer_of`)."""
    head = int(model.depth()) + 1
    return {name for name in model.state_dict() if layer_of(model, name) == head}


def param_groups(model: nn.Module, cfg: TrainConfig) -> list[dict[str, Any]]:
    """The optimiser's parameter groups: frozen parameters left out; with ``fine_tune_lr``, the
    head at ``lr`` first (so the logged rate stays ``lr``), then the pretrained part: the part a
    model brings pretrained itself (a fine-tuned encoder's transformer,
    :meth:`~depthlab.models.base.DepthModel.pretrained_names`), else every layer but the head
    (weights from ``init_from``)."""
    trainable = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    if cfg.fine_tune_lr is None:
        return [{"params": [p for _, p in trainable]}]
    if not isinstance(model, DepthModel):
        raise ConfigError("fine_tune_lr needs a depthlab network (its head is known)")
    own = model.pretrained_names()
    head = head_names(model) if not own else {n for n, _ in trainable if n not in own}
    groups = [
        {"params": [p for n, p in trainable if n in head], "lr": cfg.lr, "name": "head"},
        {
            "params": [p for n, p in trainable if n not in head],
            "lr": cfg.fine_tune_lr,
            "name": "pretrained",
        },
    ]
    return [g for g in groups if g["params"]]


@dataclass
class Source:
    """Pretrained weights, and the run they came from when known (its run.json)."""

    path: Path
    weights: dict[str, torch.Tensor]
    run: dict[str, Any] | None

    @classmethod
    def open(cls, location: str | Path) -> Source:
        """A run folder (``model.safetensors`` + ``run.json``) or a ``.safetensors`` file (a
        training checkpoint's model tensors are used); a file beside a ``run.json`` is read with
        that run's description."""
        path = Path(location)
        if path.is_dir():
            if not (path / RUN_FILE).is_file():
                raise DataError(
                    f"--init-from {path} is not a run folder (no {RUN_FILE}); give a run folder "
                    "from 'depthlab train' or a .safetensors file"
                )
            weights_path = path / WEIGHTS
            if not weights_path.is_file():
                raise DataError(
                    f"--init-from {path} has no trained weights ({WEIGHTS}); train it to the end "
                    "or give its checkpoint.safetensors"
                )
        elif path.is_file() and path.suffix == ".safetensors":
            weights_path = path
        else:
            raise DataError(
                f"--init-from {path}: no such run folder or .safetensors file"
                if not path.exists()
                else f"--init-from {path}: give a run folder or a .safetensors file"
            )
        tensors = read_tensors(weights_path)
        if any(k.startswith("model/") for k in tensors):  # a training checkpoint
            tensors = {k[len("model/") :]: v for k, v in tensors.items() if k.startswith("model/")}
        described = weights_path.parent / RUN_FILE
        run = None
        if described.is_file():
            try:
                raw = json.loads(described.read_text(encoding="utf-8"))
                run = raw if isinstance(raw, dict) and "model" in raw else None
            except (UnicodeDecodeError, json.JSONDecodeError):
                run = None
        return cls(path, tensors, run)

    @property
    def family(self) -> str | None:
        return None if self.run is None else str(self.run["model"].get("family"))

    def feature_options(self, given: FeatureConfig | dict[str, Any] | None) -> dict[str, Any]:
        """The source run's feature options, then those *given* (which must pick the same
        pipeline: :meth:`preprocessor` checks)."""
        recorded = dict(self.run.get("features") or {}) if self.run else {}
        if isinstance(given, FeatureConfig):
            given = given.model_dump(exclude_defaults=True)
        return {**recorded, **(given or {})}

    def preprocessor(self, fitted: Preprocessor) -> Preprocessor:
        """*fitted* (on the target's training part) with the source's input statistics, so the
        pretrained layers see inputs prepared exactly as in pretraining; the target's own
        statistics (regression target scaling) are kept."""
        if self.run is None or "preprocess" not in self.run:
            return fitted
        source = Preprocessor.from_dict(self.run["preprocess"])
        if (source.modality, source.features) != (fitted.modality, fitted.features):
            raise ConfigError(
                f"--init-from {self.path} was trained on {source.modality} data through the "
                f"'{source.features}' features, this run uses {fitted.modality} data through "
                f"'{fitted.features}'; transfer between the same kind of inputs"
            )
        stats = {k: v for k, v in source.stats.items() if not k.startswith("target_")}
        stats.update({k: v for k, v in fitted.stats.items() if k.startswith("target_")})
        return Preprocessor(fitted.modality, fitted.task, stats, fitted.features)

    def initialise(
        self, net: DepthModel, freeze: Freeze = None, class_names: tuple[str, ...] = ()
    ) -> dict[str, Any]:
        """Copy the matching tensors into *net*, freeze what *freeze* says, and return what
        happened (recorded in run.json as ``init_from``)."""
        self._check_fits(net)
        own = net.state_dict()
        head = head_names(net)
        reinit = self._new_head(net, class_names)
        copied: dict[str, torch.Tensor] = {}
        for name, tensor in own.items():
            theirs = self.weights.get(name)
            if name in head and reinit:
                continue
            if theirs is None or theirs.shape != tensor.shape:
                if name not in head and theirs is not None:
                    raise ConfigError(
                        f"--init-from {self.path}: tensor {name} has shape "
                        f"{tuple(theirs.shape)} there and {tuple(tensor.shape)} here; build the "
                        "same architecture (--preset, --option) as the source"
                    )
                continue
            copied[name] = theirs.to(tensor.dtype)
        if int(net.depth()) == 0:
            raise ConfigError(
                f"--init-from: a {net.family} model has no hidden layer to "
                "transfer; fine-tune a network with hidden layers (mlp, cnn, rnn)"
            )
        if not any(name not in head for name in copied):
            raise ConfigError(
                f"--init-from {self.path}: none of its {len(self.weights)} tensors fit this "
                f"{net.family} model; was it saved from another family?"
            )
        net.load_state_dict(copied, strict=False)
        frozen = apply_freeze(net, freeze)
        head_note = "re-initialised the head" if reinit else "copied the head"
        log.info(
            "init from %s: copied %d tensors, %s%s",
            self.path,
            len(copied),
            head_note,
            f", froze {frozen} parameter tensors" if frozen else "",
        )
        return {
            "path": str(self.path.resolve()),
            "copied": len(copied),
            "head": "reinitialised" if reinit else "copied",
            "frozen": frozen,
        }

    def _check_fits(self, net: DepthModel) -> None:
        if self.run is None:
            return
        family = net.family
        source = self.run["model"]
        if self.family != family:
            raise ConfigError(
                f"--init-from {self.path} holds a '{self.family}' model, this run builds a "
                f"'{family}' model; train with --model {self.family} (and its preset)"
            )
        theirs = source.get("input", {})
        ours = net.spec.to_dict()
        for key in ("kind", "shape", "vocab_size", "cardinalities"):
            if key in theirs and list_like(theirs[key]) != list_like(ours[key]):
                raise ConfigError(
                    f"--init-from {self.path} takes {key} {theirs[key]}, this data gives "
                    f"{ours[key]}; prepare the data the same way (--feature options) or "
                    "transfer between data of the same input shape"
                )
        differ = {
            k: (v, ours_v)
            for k, v in source.get("options", {}).items()
            if (ours_v := net.config.model_dump(mode="json").get(k)) != v
        }
        if differ:
            described = ", ".join(f"{k} {a} there, {b} here" for k, (a, b) in differ.items())
            raise ConfigError(
                f"--init-from {self.path} has another architecture ({described}); use the "
                "source's --preset and --option values"
            )

    def _new_head(self, net: DepthModel, class_names: tuple[str, ...]) -> bool:
        """Whether the outputs differ: their number, or (from a run) the class names."""
        outputs = int(net.spec.n_outputs)
        if self.run is not None:
            theirs = self.run["model"].get("input", {}).get("n_outputs")
            named = list(self.run.get("data", {}).get("class_names") or [])
            return theirs != outputs or (bool(class_names) and named != list(class_names))
        own = net.state_dict()
        return any(
            name in self.weights and self.weights[name].shape != own[name].shape
            for name in head_names(net)
        )


def list_like(value: Any) -> Any:
    return list(value) if isinstance(value, list | tuple) else value


def apply_freeze(net: DepthModel, freeze: Freeze) -> int:
    """Stop gradients to the frozen layers (``all-but-head`` or the first N) and keep their
    batch-norm statistics (those layers run in inference mode, as Keras does): returns how many
    parameter tensors were frozen."""
    if freeze is None or freeze == 0:
        return 0
    depth = int(net.depth())
    if freeze == ALL_BUT_HEAD:
        last = depth
    else:
        assert isinstance(freeze, int)
        if freeze > depth:
            raise ConfigError(
                f"--freeze {freeze}: this {net.family} has {depth} hidden "
                f"layer{'' if depth == 1 else 's'}; freeze at most {depth}, or {ALL_BUT_HEAD}"
            )
        last = freeze
    frozen = {name for name in net.state_dict() if layer_of(net, name) <= last}
    count = 0
    for name, parameter in net.named_parameters():
        if name in frozen:
            parameter.requires_grad_(False)
            count += 1
    for name, module in net.named_modules():
        is_norm = isinstance(module, nn.modules.batchnorm._BatchNorm)
        if is_norm and f"{name}.running_mean" in frozen:
            module.register_forward_pre_hook(_inference_mode)
    return count


def _inference_mode(module: nn.Module, args: Any) -> None:
    # The loop puts the model in training mode every epoch; a frozen norm layer stays in
    # inference mode, so its running statistics are used and kept, not re-estimated from a
    # few target examples.
    module.eval()


def check_options(
    init_from: Any, freeze: Freeze, cfg: TrainConfig, pretrained: bool = False
) -> None:
    """Freezing and a fine-tuning rate only make sense with pretrained weights: from
    *init_from*, or (a fine-tuning rate) a model that is *pretrained* itself (--fine-tune)."""
    if init_from is None and freeze not in (None, 0):
        raise ConfigError("--freeze needs --init-from (pretrained weights to keep)")
    if init_from is None and not pretrained and cfg.fine_tune_lr is not None:
        raise ConfigError(
            "--fine-tune-lr needs --init-from (pretrained weights to fine-tune), or --fine-tune "
            "with --model encoder"
        )


def pretrain(
    source: Source, net: Any, freeze: Freeze, class_names: tuple[str, ...]
) -> dict[str, Any]:
    """Initialise *net* (a network, not a baseline) from *source*: run.json's ``init_from`` and
    ``freeze`` entries."""
    if not isinstance(net, DepthModel):
        raise ConfigError(
            "--init-from starts a network from pretrained weights; "
            f"'{getattr(net, 'family', net)}' is a classical baseline: choose --model mlp, cnn "
            "or rnn"
        )
    return {"init_from": source.initialise(net, freeze, class_names), "freeze": freeze}
