"""A study worker process: ``python -m depthlab.studies.worker THREADS``.

It reads one job per line on stdin (JSON: the job, the data source and the study config) and
answers one result per line on stdout, loading the dataset once. Anything else the job prints
goes to stderr, so the protocol stays clean. It exits when stdin closes, which is also what
happens when the study process dies.
"""

from __future__ import annotations

import json
import logging
import os
import sys


def main(argv: list[str]) -> None:
    import signal

    # Ctrl-C reaches the whole process group: the study process handles it (and stops workers).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.environ["DEPTHLAB_QUIET"] = "1"  # no per-epoch bars inside workers
    protocol = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)  # stray prints (from any library) go to stderr
    sys.stdout = sys.stderr
    # Imported after the redirection above: importing them may print.
    import torch

    from depthlab.config import StudyConfig
    from depthlab.config_io import parse_config
    from depthlab.studies.fitting.data import StudyData
    from depthlab.studies.jobs import run_job
    from depthlab.studies.plan.job import Job

    torch.set_num_threads(int(argv[0]) if argv else 1)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
    logger = logging.getLogger("depthlab")
    logger.handlers[:] = [handler]
    logger.setLevel(logging.WARNING)
    logger.propagate = False
    for line in sys.stdin:
        request = json.loads(line)
        # The config crosses the process boundary as JSON: validated once, here.
        config = parse_config(StudyConfig, request["config"])
        data = StudyData(request["source"], config, request.get("folder"))
        result = run_job(Job.from_dict(request["job"]), data)
        try:
            protocol.write(json.dumps(result.to_json()) + "\n")
            protocol.flush()
        except BrokenPipeError:  # the study process is gone; its next run redoes this job
            return
        release_memory()


def release_memory() -> None:
    """Hand the freed heap of a finished job back to the system (glibc only): a worker runs many
    jobs, and without this it keeps the largest one's peak for the rest of the study."""
    import contextlib
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    if name and sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(name).malloc_trim(0)


if __name__ == "__main__":
    main(sys.argv[1:])
