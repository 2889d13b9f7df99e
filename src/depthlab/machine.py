"""What machine this is: CPU model, usable cores and memory (no heavy imports), for the study's
environment manifest and the benchmarks' records.

Example:
    >>> cpu_cores() >= 1
    True
"""

from __future__ import annotations

import os
import platform
from pathlib import Path


def cpu_cores() -> int:
    """Cores this process may run on (its affinity on Linux), else all of them."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def cpu_name() -> str:
    """The CPU's model name (from /proc/cpuinfo on Linux)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def memory_gib() -> float | None:
    """Physical memory in GiB, None where the system does not say."""
    try:
        return round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    except (AttributeError, ValueError, OSError):
        return None


def describe(*packages: str) -> dict[str, object]:
    """This machine and the versions that matter, for a benchmark's record: CPU, cores, memory,
    load, OS, Python, torch, depthlab and *packages* (those installed).

    Example:
        >>> sorted(describe())[:3]
        ['cores', 'cpu', 'depthlab']
    """
    from importlib.metadata import PackageNotFoundError, version

    info: dict[str, object] = {
        "cpu": cpu_name(),
        "cores": os.cpu_count(),
        "usable_cores": cpu_cores(),
        "ram_gib": memory_gib(),
        "load_1min": round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None,
        "os": platform.platform(),
        "python": platform.python_version(),
    }
    for name in ("torch", "depthlab", *packages):
        try:
            info[name] = version(name)
        except PackageNotFoundError:
            info[name] = None
    return info
