"""The measurement phase: what a study job measures from a trained model (scores, robustness,
linear probes, attributions, a picture of its mistakes)."""
