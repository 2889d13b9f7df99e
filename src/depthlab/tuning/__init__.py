"""Hyperparameter search with Optuna: search spaces per family, the trial objective, the
resumable search runner and its plots (extra ``tune``).

Example:
    >>> import depthlab as dl
    >>> spec = dl.TrainSpec(model="mlp")
    >>> result = dl.tune("iris", spec, trials=10, out="tune/iris")  # doctest: +SKIP
"""
