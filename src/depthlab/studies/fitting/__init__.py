"""The fitting phase: running a study job's training (a network or a baseline on a fraction of
one seed's split, the few-shot transfer row, the thread-scaling timings)."""
