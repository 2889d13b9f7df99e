"""The plan phase: which jobs a depth study runs (the model ladder x training-set fractions x
seeds, the transfer row with its recipes, the timings), each with a stable key."""
