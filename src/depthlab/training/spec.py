"""The one precedence of a training run's settings, from the family's preset up to the caller.

Lowest first: the family's **preset** (``mlp`` ``deep``: more weight decay, more epochs), the
feature **pipeline**'s defaults (a short series wants small batches; a log-mel CNN pools), a
**tuned** file (``depthlab tune``'s best, a study's ``tuned``), a **config file** (train.yaml),
then the **explicit** flags or arguments. Each layer is a :class:`~depthlab.config.TrainSpec`
and counts only for the settings it sets. The CLI lays its flags over its config file with
:meth:`TrainSpec.over <depthlab.config.TrainSpec.over>` and :func:`~depthlab.training.run.train`
resolves that against its data's pipeline: laying over is associative, so it comes to the same.

Example:
    >>> from depthlab.config import TrainSpec
    >>> spec = resolve(TrainSpec(model="mlp", preset="deep"), file=TrainSpec(train={"epochs": 5}))
    >>> spec.train.epochs, spec.train.weight_decay  # the file's epochs, the preset's decay
    (5, 0.1)
"""

from __future__ import annotations

from typing import Any

from depthlab.config import TrainSpec
from depthlab.features.registry import Features
from depthlab.features.spec import InputSpec
from depthlab.models.base import check_preset, get_family
from depthlab.models.baselines import is_baseline


def resolve(
    spec: TrainSpec,
    *,
    file: TrainSpec | None = None,
    tuned: TrainSpec | None = None,
    pipeline: Features | None = None,
    shape: tuple[InputSpec, int] | None = None,
) -> TrainSpec:
    """*spec* (explicit settings) over a config *file* over a *tuned* file over the *pipeline*'s
    defaults over the family's preset, sized to *shape* (the input spec and the number of
    training examples, :meth:`~depthlab.models.base.DepthModel.sized`) when given: the spec a
    run trains with. Its ``train`` holds every
    training setting, validated; its ``options`` the model's options over the preset's (the
    pipeline's suggestions, then the tuned, file and explicit ones). A classical baseline has
    no preset; its pipeline may suggest model options (the ``encoder`` features: logistic's C
    chosen by cross-validation).
    """
    given = spec
    for lower in (file, tuned):
        if lower is not None:
            given = given.over(lower)
    return given.over(defaults(given.model, given.preset, pipeline, shape))


def defaults(
    model: str,
    preset: str,
    pipeline: Features | None = None,
    shape: tuple[InputSpec, int] | None = None,
) -> TrainSpec:
    """The two lowest layers: *model*'s *preset* (sized to *shape* when given), then what
    *pipeline* suggests for its data (training settings and the preset's model options)."""
    if is_baseline(model):  # no preset; the pipeline may suggest options (logistic's C)
        suggested = pipeline.model_options(model, preset) if pipeline is not None else {}
        return TrainSpec(model=model, preset=preset, options=suggested)
    family = get_family(model)
    check_preset(family, preset)
    sized = family.sized(preset, *(shape or (None, None)))
    train: dict[str, Any] = dict(sized.train)
    options: dict[str, Any] = dict(sized.options) if shape is not None else {}
    if pipeline is not None:
        train.update(pipeline.train_defaults)
        options.update(pipeline.model_options(model, preset))
    return TrainSpec(model=model, preset=preset, train=train, options=options)
