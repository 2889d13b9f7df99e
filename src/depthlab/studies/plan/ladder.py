"""The plan of a depth study: the model ladder x training-set fractions x seeds, plus the extra
measurements (the transfer row, the deep MLP without regularisation, a text study's sentence
encoder fine-tuned end to end, thread timings), as a list of independent jobs with stable keys
(:mod:`depthlab.studies.plan.job`); before them, with ``tune``, one search of settings per model
of the ladder.
"""

from __future__ import annotations

from dataclasses import dataclass

from depthlab.config import StudyConfig
from depthlab.data.dataset import Dataset
from depthlab.errors import ConfigError, closest
from depthlab.features.registry import supported_modalities
from depthlab.models.base import MODELS, families_for, get_family, list_families
from depthlab.models.baselines import BASELINES
from depthlab.models.pipelines import resolve_features
from depthlab.studies.plan.job import (
    FINE_TUNE,
    FINE_TUNED,
    Job,
    deepest,
    is_network,
    split_id,
)
from depthlab.studies.plan.recipes import transfer_jobs
from depthlab.tuning.space import default_space

# --quick runs two fractions, never shorter training: every network still trains until its
# validation score stops improving (a verdict on under-trained networks measures the budget, not
# depth). It keeps three seeds: over two, a paired t-test (critical t 12.7) calls even a 25-point
# gap not significant, and the recommendation falls to a cheaper, worse model (MNIST-1D: the
# deep MLP at 74% over the deep CNN at 99%).
QUICK_FRACTIONS = (0.25, 1.0)
QUICK_SEEDS = 3
# A quick study keeps its three seeds and does not race unless asked (looks or max_seeds given):
# --quick --max-seeds 5 races 3 then 5.
RACE_SETTINGS = frozenset({"looks", "max_seeds"})
# Trials per model of a full study's search without --tune (the preset is the first; --quick
# tunes only when asked). 0: 4 trials at 25% of the epochs add about 2 minutes to the MNIST-1D
# study on 2 cores (bench/README.md, study_tuning.py), past its 10-minute goal with today's
# budgets.
DEFAULT_TUNE = 0
# --quick swaps the costliest default network for its one-layer version and skips the timings.
QUICK_SWAPS = {"rnn:deep": "rnn:shallow"}
# Networks the study leaves out when they would not fit the data's input kind.
NETWORK_LADDER = ("linear", "mlp:shallow", "mlp:deep", "cnn:deep", "rnn:deep")
# Modalities whose ladder is not "classical baselines of the task, then NETWORK_LADDER": the
# models in order, from the baseline up (each must be registered and fit the data).
MODALITY_LADDERS: dict[str, tuple[str, ...]] = {
    # Forecasting: the naive forecast, the classical statistical model, then the networks.
    "timeseries": (
        "persistence",
        "arima",
        "linear",
        "mlp:shallow",
        "mlp:deep",
        "cnn:deep",
        "rnn:deep",
    ),
    # Recommendation: biases only, matrix factorisation (shallow), neural CF (deep).
    "interactions": ("biases", "mf:shallow", "ncf:deep"),
    # Text: TF-IDF + logistic regression (gradient boosting on thousands of sparse TF-IDF
    # columns took 9 s against 0.3 s on the sentiment data, for 0.72 test accuracy against
    # 0.79), the networks on word ids, then the transfer option: an MLP head over a pretrained
    # sentence encoder.
    "text": (
        "logistic",
        "linear",
        "mlp:shallow",
        "mlp:deep",
        "cnn:deep",
        "rnn:deep",
        "encoder:deep",
    ),
}


@dataclass(frozen=True)
class Plan:
    config: StudyConfig
    models: tuple[str, ...]
    fractions: tuple[float, ...]
    seeds: tuple[int, ...]
    jobs: tuple[Job, ...]

    def describe(self) -> str:
        fits = [j for j in self.jobs if j.kind == "fit" and j.variant != FINE_TUNE]
        tuned = [j for j in self.jobs if j.variant == FINE_TUNE]
        transfer = [j for j in self.jobs if j.kind == "transfer"]
        searches = [j for j in self.jobs if j.kind == "tune"]
        extra = len(self.jobs) - len(fits) - len(tuned) - len(transfer) - len(searches)
        lines = [
            f"models    {', '.join(self.models)}",
            f"fractions {', '.join(f'{f:.0%}' for f in self.fractions)} of the training set",
            f"seeds     {', '.join(map(str, self.seeds))}",
            f"jobs      {len(fits)} training runs"
            + (f" + {extra} timing runs (thread scaling)" if extra else ""),
        ]
        if transfer:
            lines.append(
                f"transfer  {len(transfer)} runs: pretrain, then fine-tune and scratch on k "
                "target examples per class"
            )
        looks = racing_looks(self.config)
        if len(looks) > 1:
            lines += [
                f"racing    looks at {', '.join(map(str, looks))} seeds: racing may add seeds "
                "to models whose",
                "          decision is still undecided (the estimate covers the first look)",
            ]
        if tuned:
            lines.append(
                f"fine-tune {len(tuned)} runs: the pretrained encoder trained end to end "
                f"({FINE_TUNED}, {max(self.fractions):.0%} of the training set; --no-fine-tune "
                "leaves them out)"
            )
        if searches:
            lines.append(
                f"tuning    {tune_trials(self.config)} trials for each of {len(searches)} models "
                f"first (the preset among them), each at {self.config.tune_budget:.0%} of the "
                "epochs, scored on the validation part"
            )
        return "\n".join(lines)


def racing_looks(config: StudyConfig) -> tuple[int, ...]:
    """Seeds in all at each look: the study runs the first, then adds seeds look by look only
    to the models whose decision is undecided (:mod:`depthlab.studies.racing`). One look, a
    fixed count, with seeds given, with race off, and with quick unless looks or max_seeds are
    given; max_seeds (default: the last look) caps the looks.

    Example:
        >>> racing_looks(StudyConfig()), racing_looks(StudyConfig(max_seeds=6))
        ((3, 5, 7, 10), (3, 5, 6))
        >>> racing_looks(StudyConfig(seeds=4)), racing_looks(StudyConfig(quick=True))
        ((4,), (3,))
    """
    given = config.model_fields_set
    quiet = config.quick and not given & RACE_SETTINGS
    if "seeds" in given or not config.race or quiet:
        return (QUICK_SEEDS if config.quick and "seeds" not in given else config.seeds,)
    cap = config.max_seeds or config.looks[-1]
    return (*(n for n in config.looks if n < cap), cap)


def races(config: StudyConfig) -> bool:
    """Whether the study races its seeds (more looks than one)."""
    return len(racing_looks(config)) > 1


def tune_trials(config: StudyConfig) -> int:
    """Trials of each model's search: ``tune`` when given, else :data:`DEFAULT_TUNE` for a full
    study and none with ``quick`` or with tuned settings given (``--tuned``)."""
    if config.tune is not None:
        return config.tune
    return 0 if config.quick or config.tuned else DEFAULT_TUNE


def fine_tuning(ds: Dataset, config: StudyConfig, models: tuple[str, ...]) -> bool:
    """Whether the study fine-tunes the pretrained sentence encoder: text data, the switch on
    (off with ``quick`` unless set), and a frozen encoder in the ladder to compare it with (or the
    switch set explicitly)."""
    asked = "fine_tune" in config.model_fields_set
    if ds.modality != "text" or not config.fine_tune or (config.quick and not asked):
        return False
    return asked or any(split_id(m)[0] == "encoder" for m in models if is_network(m))


def tunable(model: str) -> bool:
    """Whether *model* has settings to search (persistence has none)."""
    family, preset = split_id(model) if is_network(model) else (model, "")
    return bool(default_space(family, preset))


def input_kind(ds: Dataset, family: str, config: StudyConfig) -> str:
    """The input kind *family* gets on *ds* through its feature pipeline."""
    return resolve_features(ds.modality, family, config.features.features).kind


def default_models(ds: Dataset, config: StudyConfig) -> tuple[str, ...]:
    """The ladder for *ds*: its modality's own ladder, or the classical baselines for its task
    then every network that fits."""
    if ds.modality in MODALITY_LADDERS:
        return MODALITY_LADDERS[ds.modality]
    classical = ("logistic", "boosting") if ds.task == "classification" else ("ridge", "boosting")
    networks = tuple(
        m
        for m in NETWORK_LADDER
        if input_kind(ds, split_id(m)[0], config) in MODELS[split_id(m)[0]].fits
    )
    return classical + networks


def check_models(models: tuple[str, ...], ds: Dataset, config: StudyConfig) -> tuple[str, ...]:
    """Normalise ids to ``family:preset`` and check each fits the data."""
    out: list[str] = []
    for model in models:
        if model in BASELINES:
            if ds.task not in BASELINES[model]:
                raise ConfigError(f"study model '{model}' does not do {ds.task}")
            out.append(model)
            continue
        family, preset = split_id(model)
        if family not in MODELS:
            get_family(family)  # the error names the valid families and baselines
        cls = MODELS[family]
        if preset not in cls.presets:
            raise ConfigError(
                f"unknown preset '{preset}' in study model '{model}'."
                f"{closest(preset, cls.presets)} Presets: {', '.join(cls.presets)}"
            )
        kind = input_kind(ds, family, config)
        if kind not in cls.fits:
            raise ConfigError(
                f"study model '{model}' does not fit {ds.modality} data; models that fit: "
                f"{', '.join(families_for(kind))} (and the baselines)"
            )
        out.append("linear" if family == "linear" else f"{family}:{preset}")
    if len(set(out)) != len(out):
        raise ConfigError(f"study models are listed twice: {list(models)}")
    return tuple(out)


def make_plan(config: StudyConfig, ds: Dataset, cores: int, gpu: bool = False) -> Plan:
    """Every job of the study on *ds*; *cores* and *gpu* shape the thread-scaling jobs."""
    if ds.modality not in supported_modalities():
        raise ConfigError(
            f"{ds.name}: depthlab cannot study {ds.modality} data yet; studies run on "
            f"{', '.join(supported_modalities())} data"
        )
    list_families()
    models = (
        check_models(config.models, ds, config) if config.models else default_models(ds, config)
    )
    if config.quick and not config.models:
        models = tuple(QUICK_SWAPS.get(m, m) for m in models)
    quick_fractions = config.quick and "fractions" not in config.model_fields_set
    fractions = QUICK_FRACTIONS if quick_fractions else config.fractions
    seeds = tuple(range(config.first_seed, config.first_seed + racing_looks(config)[0]))
    # The searches first, the costliest (the top of the ladder) first: they run before any fit.
    searched = [m for m in reversed(models) if tunable(m)] if tune_trials(config) else []
    jobs = [Job("tune", m, 1.0, seeds[0]) for m in searched]
    jobs += [Job("fit", m, f, s) for m in models for f in fractions for s in seeds]
    jobs += transfer_jobs(ds.name, config, models, seeds)
    top = max(fractions)
    if config.regularisation and "mlp:deep" in models:
        jobs += [Job("fit", "mlp:deep", top, s, variant="noreg") for s in seeds]
    if fine_tuning(ds, config, models):
        jobs += [Job("fit", FINE_TUNED, top, s, variant=FINE_TUNE) for s in seeds]
    timing = config.threads and (not config.quick or "threads" in config.model_fields_set)
    if timing:
        timed = [m for m in ("mlp:shallow", deepest(models)) if m in models]
        counts = sorted({1, cores}) if cores > 1 else []
        for model in dict.fromkeys(timed):
            for seed in seeds:
                jobs += [Job("threads", model, seed=seed, threads=t) for t in counts]
                if gpu:
                    jobs.append(Job("threads", model, seed=seed, threads=cores, device="cuda"))
    return Plan(config, models, fractions, seeds, tuple(jobs))
