"""The analysis phase: from the stored job results to per-model statistics (scores with
confidence intervals, learning curves, cost, overfitting, probes, timings, robustness, the
transfer row, interpretability), all plain JSON for ``summary.json``."""
