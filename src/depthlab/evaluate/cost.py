"""What a model costs: trainable parameters, FLOPs per example, latency and peak memory.

``example`` is always ONE input without the batch dimension, shaped like one row of the data:
``(F,)`` for a table, ``(C, L)`` for a sequence, ``(C, H, W)`` for an image. The functions build
the batches they need by repeating it, on the model's device. Latencies are wall-clock
milliseconds per batch; they are measurements of this machine, not properties of the model.

Example:
    >>> import torch
    >>> from torch import nn
    >>> from depthlab.evaluate.cost import count_parameters, flops_per_example
    >>> model = nn.Linear(10, 3)
    >>> count_parameters(model), flops_per_example(model, torch.zeros(10))
    (33, 60)
"""

from __future__ import annotations

import itertools
import math
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from depthlab.errors import ConfigError

if TYPE_CHECKING:
    import torch
    from torch import nn

T = TypeVar("T")
MIB = 2**20
BIG_BATCH = 256
# Latency of a slow model: timed passes stop after about this many seconds, once at least
# MIN_REPEATS passes are timed (20 passes of a CPU transformer at batch 256 would take minutes).
TIME_BUDGET_S = 5.0
MIN_REPEATS = 3


def count_parameters(model: nn.Module) -> int:
    """Number of trainable parameters (those with ``requires_grad``) of *model*."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def flops_per_example(model: nn.Module, example: torch.Tensor) -> int:
    """Floating-point operations of ONE forward pass on one example; a multiply-add counts 2.

    Counted by ``torch.utils.flop_counter.FlopCounterMode`` on a batch of 1, in eval mode, under
    ``torch.no_grad()``. It counts matrix products, convolutions and attention, not element-wise
    work (activations, normalisation, bias adds), the usual convention. Training a step costs
    roughly three times this (forward plus backward).
    """
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    batch = _batch(model, example, 1)  # (1, *example.shape)
    counter = FlopCounterMode(display=False, custom_mapping=_extra_flop_formulas())
    with _unfused_kernels(), _evaluating(model), torch.no_grad(), counter:
        model(batch)
    return int(counter.get_total_flops())


def latency_ms(
    model: nn.Module, example: torch.Tensor, batch_size: int, repeats: int = 20, warmup: int = 3
) -> dict[str, float]:
    """Milliseconds per forward pass of a batch of *batch_size* copies of *example*.

    Returns ``{"median": ..., "p90": ...}`` over *repeats* timed passes after *warmup* untimed
    ones (fewer for a slow model: about 5 s of passes, at least 3), in eval mode under
    ``torch.inference_mode()``; on CUDA each pass is synchronised.
    """
    import torch

    _check_timing(batch_size, repeats, warmup)
    batch = _batch(model, example, batch_size)  # (batch_size, *example.shape)
    sync = (lambda: torch.cuda.synchronize(batch.device)) if batch.device.type == "cuda" else None
    with _evaluating(model), torch.inference_mode():
        return _time_calls(lambda: model(batch), repeats, warmup, sync)


def peak_memory_mb(fn: Callable[[], T], device: str | torch.device = "cpu") -> tuple[T, float]:
    """Run *fn*; return its result and the peak memory it used, in MiB (2**20 bytes).

    The figure is the peak during *fn* above what was in use when it started. On a CUDA *device*
    (where the model lives): ``torch.cuda.max_memory_allocated``, reset before. On the CPU, on
    Linux: the process's peak resident memory (``VmHWM``), reset before through
    ``/proc/self/clear_refs`` (which also lowers what ``ru_maxrss`` reports afterwards). Elsewhere
    on the CPU: the rise of ``ru_maxrss``, the process's high-water mark, so 0 when the process
    had already been that high (a child inherits the mark of the process that started it).
    NaN where the platform cannot tell.

    >>> import numpy as np
    >>> total, used = peak_memory_mb(lambda: np.ones(10_000_000).sum())  # used: about 76 MiB
    """
    if str(device).startswith("cuda"):
        import torch

        dev = torch.device(device)
        torch.cuda.synchronize(dev)
        torch.cuda.reset_peak_memory_stats(dev)
        allocated = torch.cuda.memory_allocated(dev)
        result = fn()
        torch.cuda.synchronize(dev)
        return result, (torch.cuda.max_memory_allocated(dev) - allocated) / MIB
    if _reset_peak_rss():
        resident = _proc_status_bytes("VmRSS")
        result = fn()
        return result, (_proc_status_bytes("VmHWM") - resident) / MIB
    high_water = _max_rss_bytes()
    result = fn()
    return result, (_max_rss_bytes() - high_water) / MIB  # a high-water mark never falls


def model_cost(model: nn.Module, example: torch.Tensor, repeats: int = 20) -> dict[str, Any]:
    """Parameters, FLOPs per example and median latency (ms per batch) at batch sizes 1 and 256.

    >>> import torch
    >>> from torch import nn
    >>> sorted(model_cost(nn.Linear(4, 2), torch.zeros(4), repeats=2))
    ['flops_per_example', 'latency_ms_batch1', 'latency_ms_batch256', 'parameters']
    """
    return {
        "parameters": count_parameters(model),
        "flops_per_example": flops_per_example(model, example),
        "latency_ms_batch1": latency_ms(model, example, 1, repeats)["median"],
        "latency_ms_batch256": latency_ms(model, example, BIG_BATCH, repeats)["median"],
    }


def sklearn_cost(estimator: Any, X_example: np.ndarray, repeats: int = 20) -> dict[str, Any]:
    """The cost of a fitted scikit-learn model, in the keys of :func:`model_cost`.

    ``parameters`` is :func:`sklearn_parameters`; ``flops_per_example`` is ``None`` (no counter
    sees inside scikit-learn); latencies time ``predict_proba`` (``predict`` where there is none)
    on batches of copies of *X_example*, one row ``(F,)``.
    """
    from sklearn.exceptions import NotFittedError
    from sklearn.utils.validation import check_is_fitted

    try:
        check_is_fitted(estimator)
    except NotFittedError:
        raise ConfigError(f"{type(estimator).__name__} is not fitted; fit it first") from None
    _check_timing(BIG_BATCH, repeats, 3)
    predict = getattr(estimator, "predict_proba", None) or estimator.predict
    row = np.asarray(X_example)[np.newaxis]  # (1, F)

    def median_ms(batch_size: int) -> float:
        batch = np.repeat(row, batch_size, axis=0)  # (batch_size, F)
        return _time_calls(lambda: predict(batch), repeats, 3)["median"]

    return {
        "parameters": sklearn_parameters(estimator),
        "flops_per_example": None,
        "latency_ms_batch1": median_ms(1),
        "latency_ms_batch256": median_ms(BIG_BATCH),
    }


def sklearn_parameters(estimator: Any) -> int | None:
    """Fitted numbers of a scikit-learn model, ``None`` for a kind it does not know (k-NN ...).

    Linear models: coefficients plus intercepts. MLPs: weights plus biases. Trees and tree
    ensembles (forests, gradient boosting, histogram gradient boosting): nodes, leaves included.
    Pipelines: the sum over their steps; preprocessing steps count nothing.
    """
    if hasattr(estimator, "n_parameters_"):  # depthlab's own estimators count their own
        return int(estimator.n_parameters_)
    if hasattr(estimator, "steps"):  # Pipeline
        counts = [sklearn_parameters(step) for _, step in estimator.steps]
        return _total(counts)
    if hasattr(estimator, "coefs_"):  # MLPClassifier / MLPRegressor
        return sum(int(np.size(w)) for w in [*estimator.coefs_, *estimator.intercepts_])
    if hasattr(estimator, "coef_"):
        fitted_intercept = getattr(estimator, "fit_intercept", True)
        intercepts = np.size(estimator.intercept_) if fitted_intercept else 0
        return int(np.size(estimator.coef_) + intercepts)
    if hasattr(estimator, "_predictors"):  # HistGradientBoosting*: [iteration][class] -> tree
        return sum(int(tree.nodes.shape[0]) for trees in estimator._predictors for tree in trees)
    if hasattr(estimator, "tree_"):
        return int(estimator.tree_.node_count)
    if hasattr(estimator, "estimators_"):  # forests; gradient boosting holds a 2-D array of trees
        members = np.asarray(estimator.estimators_, dtype=object).ravel()
        return _total([sklearn_parameters(member) for member in members])
    return None


def _total(counts: list[int | None]) -> int | None:
    known = [count for count in counts if count is not None]
    return sum(known) if known else None


def _device(model: nn.Module) -> torch.device:
    import torch

    for tensor in itertools.chain(model.parameters(), model.buffers()):
        return tensor.device
    return torch.device("cpu")


def _batch(model: nn.Module, example: torch.Tensor, batch_size: int) -> torch.Tensor:
    """*batch_size* copies of *example* on the model's device, floats in the model's dtype."""
    import torch

    weights = next((p for p in model.parameters() if p.is_floating_point()), None)
    example = torch.as_tensor(example, device=_device(model))  # a NumPy row is welcome too
    if weights is not None and example.is_floating_point():
        example = example.to(weights.dtype)
    # contiguous: an expanded view would break models that call .view() on their input
    return example.unsqueeze(0).expand(batch_size, *example.shape).contiguous()


@contextmanager
def _evaluating(model: nn.Module) -> Iterator[None]:
    """Eval mode for the duration, then every submodule back in the mode it was in."""
    modes = [(module, module.training) for module in model.modules()]
    model.eval()
    try:
        yield
    finally:
        for module, training in modes:
            module.training = training


@contextmanager
def _unfused_kernels() -> Iterator[None]:
    """Switch off the fused kernels that hide their matrix products from the flop counter.

    oneDNN runs an LSTM on the CPU as one ``mkldnn_rnn_layer`` op, cuDNN as ``_cudnn_rnn``, and the
    transformer fast path as ``_transformer_encoder_layer_fwd``: all counted as 0 FLOPs. Without
    them the same maths runs as counted ``addmm``s; speed does not matter while counting.
    """
    import torch

    fastpath = torch.backends.mha.get_fastpath_enabled()
    torch.backends.mha.set_fastpath_enabled(False)
    try:
        with (
            torch.backends.mkldnn.flags(enabled=False, allow_tf32=None, fp32_precision=None),
            torch.backends.cudnn.flags(enabled=False),
        ):
            yield
    finally:
        torch.backends.mha.set_fastpath_enabled(fastpath)


def _extra_flop_formulas() -> dict[Any, Callable[..., int]]:
    """Scaled-dot-product attention on the CPU, which torch's counter has no formula for."""
    import torch

    def sdpa_cpu(query: Any, key: Any, value: Any, *args: Any, **kwargs: Any) -> int:
        # shapes: query (B, heads, L_q, E), key (B, heads, L_k, E), value (B, heads, L_k, E_v)
        batch, heads, len_q, dim = query
        len_k, dim_v = key[-2], value[-1]
        # scores = Q @ K^T, then scores @ V: the count torch uses for the CUDA kernels
        return int(2 * batch * heads * len_q * len_k * (dim + dim_v))

    return {torch.ops.aten._scaled_dot_product_flash_attention_for_cpu: sdpa_cpu}


def _check_timing(batch_size: int, repeats: int, warmup: int) -> None:
    if batch_size < 1 or repeats < 1 or warmup < 0:
        raise ConfigError(
            f"need batch_size >= 1, repeats >= 1 and warmup >= 0, "
            f"not {batch_size}, {repeats} and {warmup}"
        )


def _time_calls(
    call: Callable[[], object], repeats: int, warmup: int, sync: Callable[[], None] | None = None
) -> dict[str, float]:
    """*repeats* timed calls after *warmup* untimed ones; a slow call (a fine-tuned transformer
    on a CPU: seconds a batch) is timed for about :data:`TIME_BUDGET_S` only, at least
    :data:`MIN_REPEATS` times, after one warm-up call."""
    for _ in range(warmup):
        start = time.perf_counter()
        call()
        if sync is not None:
            sync()
        if time.perf_counter() - start > TIME_BUDGET_S / MIN_REPEATS:
            break
    times: list[float] = []
    while len(times) < repeats:
        start = time.perf_counter()
        call()
        if sync is not None:
            sync()
        times.append((time.perf_counter() - start) * 1e3)
        if len(times) >= MIN_REPEATS and sum(times) > TIME_BUDGET_S * 1e3:
            break
    return {"median": float(np.median(times)), "p90": float(np.percentile(times, 90))}


def _reset_peak_rss() -> bool:
    """Set the process's peak resident memory to its current one (Linux 4.0+); False if not."""
    try:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
    except OSError:
        return False
    return True


def _proc_status_bytes(field: str) -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(f"{field}:"):
                return float(line.split()[1]) * 1024  # "VmHWM:    415780 kB"
    return math.nan


def _max_rss_bytes() -> float:
    try:
        import resource
    except ImportError:  # Windows
        return math.nan
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return float(peak if sys.platform == "darwin" else peak * 1024)  # macOS: bytes, Linux: KiB
