"""What one study job does, in whatever process runs it: train a model on a fraction of one
seed's training split and measure it; run a transfer row; time training with a number of
threads; or search a model's settings before all of these.

Jobs share nothing but the dataset, which each process loads once. A job returns a
:class:`~depthlab.studies.record.JobResult`; a failure (a diverged loss, a model that does not
fit) is a result too, with its reason, so the study goes on.
"""

from __future__ import annotations

import logging
import time
import traceback
from typing import Any

import torch

from depthlab.errors import DepthlabError
from depthlab.models.base import DepthModel
from depthlab.studies.fitting.data import StudyData, prepared
from depthlab.studies.fitting.few_shot import run_transfer
from depthlab.studies.fitting.threads import run_threads
from depthlab.studies.fitting.train import fit_baseline, fit_network
from depthlab.studies.fitting.tune import run_tune
from depthlab.studies.measurement.pictures import picture
from depthlab.studies.measurement.scores import measure_extras, score
from depthlab.studies.plan.job import FINE_TUNE, Job, is_network
from depthlab.studies.record import JobResult
from depthlab.training.fitting import Tensors

log = logging.getLogger(__name__)


def run_job(job: Job, data: StudyData) -> JobResult:
    """Run *job*; never raises for a failure of the job itself (it is returned as a result)."""
    started = time.perf_counter()
    try:
        if job.kind == "transfer":
            result = run_transfer(job, data)
        elif job.kind == "tune":
            result = run_tune(job, data)
        else:
            result = run_threads(job, data) if job.kind == "threads" else run_fit(job, data)
        status = "done"
    except (DepthlabError, ValueError, RuntimeError, FloatingPointError) as exc:
        result = {"error": f"{type(exc).__name__}: {exc}".splitlines()[0]}
        log.debug("job %s failed:\n%s", job.key, traceback.format_exc())
        status = "diverged" if "loss became" in str(exc) else "failed"
    return JobResult.new({"status": status, "seconds": time.perf_counter() - started, **result})


def run_fit(job: Job, data: StudyData) -> dict[str, Any]:
    """Train *job*'s model on its fraction, then take the measurements of the study."""
    ds, split, train, prep = prepared(job, data)
    x = prep.transform(ds.inputs)  # (N, ...) float32
    y = prep.transform_targets(ds.targets)
    spec = prep.input_spec(ds.n_classes or 1)
    top = job.fraction == max(data.config.fractions) or job.fraction == 1.0
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    tensors = Tensors(xt[train], yt[train], xt[split.val], yt[split.val])
    measure_latency = top and not job.variant  # a model's latency: once, on the full data
    if is_network(job.model):
        model, cost, settings = fit_network(
            job, data.config, spec, tensors, measure_latency, prep.pipeline
        )
    else:
        model, cost, settings = fit_baseline(job, data.config, spec, tensors, measure_latency)
    result: dict[str, Any] = {
        "n_train": len(train),
        "train": score(model, ds, prep, x[train], ds.targets[train]),
        "test": score(model, ds, prep, x[split.test], ds.targets[split.test]),
        "cost": cost,
    }
    if top and not job.variant:
        extras = measure_extras(model, ds, prep, x, y, train, split.test, data.config)
        result.update(extras)
        if job.seed == 0:
            result["mistakes"] = picture(model, ds, prep, x, split.test)
    result["depth"] = model.depth() if isinstance(model, DepthModel) else 0
    result["tuned"] = job.model in data.config.tuned and job.variant != FINE_TUNE
    result["settings"] = settings
    result["features"] = prep.features
    result["engineered"] = prep.pipeline.engineered
    return result
