"""Attribution methods by string id, computed on a trained model's preprocessed inputs.

``integrated-gradients`` and ``saliency`` follow the gradient (Captum), so they need a network;
``occlusion`` (replace a patch by the baseline) and ``permutation`` (shuffle a patch across the
explained examples, Captum's ``FeaturePermutation``) only call the model, so they explain any
model, classical baselines included. A gradient method asked of a model without gradients
falls back to permutation with a notice; so do (user, item) id pairs, whose ids have no
gradient to follow and no meaningful "between" value.

Token inputs (text) are attributed through the embedding layer (``LayerIntegratedGradients``;
saliency as gradient x embedding), summed over the embedding, so that each token gets a score;
a bag-of-words ``linear`` model's token scores are its weights, which is what integrated
gradients from an empty text gives exactly.

Example:
    >>> import numpy as np, torch
    >>> from depthlab.models.base import build_model
    >>> from depthlab.features.spec import InputSpec
    >>> net = build_model("mlp", InputSpec("vector", (3,), 2, "classification"))
    >>> attribute(net, np.ones((4, 3), np.float32), "saliency").shape
    (4, 3)
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from depthlab.errors import ConfigError, closest, require

log = logging.getLogger(__name__)

MAX_GROUPS = 256  # occlusion and permutation perturb at most this many patches per example


@dataclass(frozen=True)
class Method:
    name: str
    gradients: bool  # needs a differentiable model
    description: str


METHODS: dict[str, Method] = {
    m.name: m
    for m in (
        Method(
            "integrated-gradients",
            True,
            "gradients integrated along the path from the baseline (training mean) to the input",
        ),
        Method("saliency", True, "absolute gradient of the output at the input"),
        Method(
            "occlusion",
            False,
            "drop of the output when a patch is replaced by the baseline (any model)",
        ),
        Method(
            "permutation",
            False,
            "drop of the output when a patch is shuffled across the examples (any model)",
        ),
    )
}


def resolve_method(model: Any, method: str) -> tuple[str, str | None]:
    """The method to use for *model* and a notice when it differs from the one asked for
    (``auto``: integrated gradients for a network, permutation otherwise)."""
    if method != "auto" and method not in METHODS:
        raise ConfigError(
            f"unknown explanation method '{method}'.{closest(method, METHODS)} "
            f"Methods: auto, {', '.join(METHODS)}"
        )
    differentiable = is_network(model)
    pairs = differentiable and model.spec.kind == "pairs"
    if method == "auto":
        return ("integrated-gradients" if differentiable and not pairs else "permutation"), None
    if not METHODS[method].gradients:
        return method, None
    if not differentiable:
        family = getattr(model, "family", type(model).__name__)
        return "permutation", (
            f"the {family} model has no gradients; explaining it with permutation importance "
            f"instead of {method}"
        )
    if pairs:
        return "permutation", (
            f"(user, item) id inputs have no gradient to follow; explaining the {model.family} "
            f"model with permutation importance instead of {method}"
        )
    return method, None


def is_network(model: Any) -> bool:
    import torch

    return isinstance(model, torch.nn.Module)


def attribute(
    model: Any,
    x: np.ndarray,
    method: str,
    *,
    target: np.ndarray | None = None,
    baseline: np.ndarray | None = None,
    steps: int = 32,
) -> np.ndarray:
    """Attributions of *model*'s output on preprocessed inputs *x* ``(N, ...)``.

    The output is the logit of class *target* (default: the predicted class) for a network,
    its probability for a classical model, or the predicted value (the horizon's mean when
    forecasting). *baseline* ``(...)`` is the "absent" input (default: zeros, the training mean
    of standardised inputs; the padding id for tokens). The result has *x*'s shape: one score
    per input value (per token for text, per id for pairs). A gradient *method* on a model
    without gradients falls back to permutation with a logged notice.
    """
    import torch

    require("captum", "explain")
    chosen, notice = resolve_method(model, method)
    if notice:
        log.warning(notice)
    inputs = torch.from_numpy(np.ascontiguousarray(x))
    forward = scalar_output(model)
    if target is None:
        target = predicted_target(model, x)
    targets = torch.from_numpy(np.asarray(target, dtype=np.int64))
    tokens = is_network(model) and model.spec.kind == "tokens"
    base = (
        torch.zeros_like(inputs[:1])
        if baseline is None
        else torch.from_numpy(np.asarray(baseline, dtype=x.dtype)).reshape(1, *x.shape[1:])
    )
    if is_network(model):
        model.eval()
    if chosen in ("integrated-gradients", "saliency"):
        if tokens:
            values = _token_gradients(model, forward, inputs, targets, chosen, steps)
        elif chosen == "saliency":
            from captum.attr import Saliency

            values = Saliency(forward).attribute(inputs.requires_grad_(), target=targets)
        else:
            from captum.attr import IntegratedGradients

            values = IntegratedGradients(forward).attribute(
                inputs, baselines=base, target=targets, n_steps=steps, internal_batch_size=256
            )
    else:
        values = _perturbation(forward, inputs, targets, base, chosen, tokens)
    return np.asarray(values.detach().float().cpu().numpy())  # Captum returns untyped tensors


def scalar_output(model: Any) -> Any:
    """A function of a tensor batch whose outputs Captum attributes: the network's outputs
    (logits), or the classical model's class probabilities; for regression and forecasting one
    column (the horizon's mean), so that target 0 works for every task."""
    import torch

    task = model.spec.task

    def forward(x: torch.Tensor) -> torch.Tensor:
        if is_network(model):
            out: torch.Tensor = model(x)
        else:
            out = torch.from_numpy(model.outputs(x.detach().cpu().numpy()))
        return out if task == "classification" else out.mean(dim=1, keepdim=True)

    return forward


def predicted_target(model: Any, x: np.ndarray) -> np.ndarray:
    """The predicted class of each example (zeros for regression: its one output column)."""
    import torch

    if model.spec.task != "classification":
        return np.zeros(len(x), dtype=np.int64)
    with torch.no_grad():
        out = scalar_output(model)(torch.from_numpy(x))
    return np.asarray(out.argmax(dim=1).numpy(), dtype=np.int64)


def _token_gradients(
    model: Any, forward: Any, ids: Any, targets: Any, method: str, steps: int
) -> Any:
    """(N, L) token scores through the embedding layer."""
    import torch
    from captum.attr import LayerGradientXActivation, LayerIntegratedGradients

    from depthlab.models.text import PAD, TokenEmbedding

    words = getattr(model, "words", None)
    if isinstance(words, torch.nn.EmbeddingBag):  # bag of words: a token adds its weight
        weights = words.weight[:, :].detach()  # (V, K)
        column = targets if model.spec.task == "classification" else torch.zeros_like(targets)
        scores = weights[ids.long(), column[:, None]]  # (N, L)
        if model.spec.task != "classification":
            scores = weights[ids.long()].mean(dim=2)
        return scores * (ids != PAD)
    if not isinstance(words, TokenEmbedding):
        raise ConfigError(f"the {model.family} model has no token embedding to attribute through")
    if method == "saliency":
        values = LayerGradientXActivation(forward, words.embed).attribute(ids, target=targets)
    else:
        values = LayerIntegratedGradients(forward, words.embed).attribute(
            ids,
            baselines=torch.full_like(ids, PAD),
            target=targets,
            n_steps=steps,
            internal_batch_size=256,
        )
    return values.sum(dim=-1)  # (N, L, E) -> (N, L)


def _perturbation(
    forward: Any, inputs: Any, targets: Any, base: Any, method: str, tokens: bool
) -> Any:
    import torch
    from captum.attr import FeatureAblation, FeaturePermutation

    mask = torch.from_numpy(feature_groups(tuple(inputs.shape[1:])))[None]  # (1, ...)
    # fork_rng: the shuffles are seeded (the same call gives the same attributions) without
    # touching the caller's random state.
    with torch.no_grad(), torch.random.fork_rng():
        torch.manual_seed(0)
        if method == "permutation":
            if len(inputs) < 2:
                raise ConfigError("permutation importance shuffles across examples: use 2 or more")
            return FeaturePermutation(forward).attribute(inputs, target=targets, feature_mask=mask)
        # Occlusion of non-overlapping patches (Captum's Occlusion with stride = window is the
        # same computation; FeatureAblation also takes integer token ids, occluded by padding).
        baselines = 0 if tokens else base
        return FeatureAblation(forward).attribute(
            inputs, baselines=baselines, target=targets, feature_mask=mask
        )


def feature_groups(shape: tuple[int, ...], max_groups: int = MAX_GROUPS) -> np.ndarray:
    """Patch ids of ``shape`` for the perturbation methods. A vector (table, tokens) keeps one
    patch per value up to 16 x *max_groups* values (a model call each), then runs of neighbours;
    a sequence or image keeps one per value up to *max_groups*, then contiguous blocks along
    the sequence or tiles of the image, across all channels, so that a spectrogram or a long
    waveform costs *max_groups* model calls rather than one per value."""
    size = math.prod(shape)
    if len(shape) == 1:
        block = 1 if size <= 16 * max_groups else math.ceil(size / max_groups)
        return np.arange(size, dtype=np.int64) // block
    if size <= max_groups:
        return np.arange(size, dtype=np.int64).reshape(shape)
    spatial = shape[1:]  # (L,) or (H, W); channels share a patch
    per_axis = max(1, int(max_groups ** (1 / len(spatial))))
    blocks = [math.ceil(n / min(n, per_axis)) for n in spatial]
    cols = tuple(math.ceil(n / b) for n, b in zip(spatial, blocks, strict=True))
    grids = np.meshgrid(
        *[np.arange(n) // b for n, b in zip(spatial, blocks, strict=True)], indexing="ij"
    )
    ids = np.ravel_multi_index(tuple(grids), cols)
    return np.ascontiguousarray(np.broadcast_to(ids, shape), dtype=np.int64)
