"""The depth study, cut by phase (imports point down this list; none inside it runs back up):

==============  ===========================================================================
plan            ``plan.job`` (a job, its key, model ids), ``plan.recipes`` (the transfer
                row's recipes and jobs), ``plan.ladder`` (the model ladder, the whole plan)
fitting         ``fitting.data`` (the data and settings a job trains with), ``fitting.train``
                (a network or a baseline), ``fitting.few_shot`` (the transfer row),
                ``fitting.threads`` (thread-scaling timings)
measurement     ``measurement.scores`` (scores, robustness, the extras), ``.probes``,
                ``.attributions`` (interpretability), ``.pictures`` (mistakes, forecasts)
record          :class:`~depthlab.studies.record.JobResult`, a job's versioned result
analysis        ``analysis.results`` (results by what they measured), ``.statistics``
                (per-model statistics), ``.transfer``, ``.interpretability``
verdict         ``verdict.words`` and ``verdict.text`` (verdict words, their combination,
                formatting), ``verdict.recommendation`` (the study's recommendation)
claims          ``claims.judge``, one module per group of claims, ``claims.check`` (all)
orchestration   ``jobs`` (one job: fit, then measure), ``store``, ``executor`` /
                ``worker`` / ``ray_executor`` (running jobs), ``estimate``, ``summary``
                (summary.json and the terminal table), ``run`` (a study in a folder),
                ``mlflow_log`` (a finished study as an MLflow run)
==============  ===========================================================================

The report is written above this package, by :mod:`depthlab.depth_study` (``dl.study``).
"""
