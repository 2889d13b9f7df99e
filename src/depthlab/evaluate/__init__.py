"""Evaluation: what a model scores (:mod:`~depthlab.evaluate.metrics`) and what it costs to run
(:mod:`~depthlab.evaluate.cost`: parameters, FLOPs, latency, peak memory)."""
