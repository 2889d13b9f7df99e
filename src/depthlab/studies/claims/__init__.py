"""The claims phase: each textbook claim judged on a study's analysed measurements
(:mod:`.check` runs them all; :mod:`.judge` holds what they compare)."""
