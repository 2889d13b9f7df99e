"""Joining a Ray cluster (or starting a local one), for whatever fans work out over Ray: the
study's jobs (:mod:`depthlab.studies.ray_executor`) and tuning trials
(:mod:`depthlab.tuning.ray_search`). Ray itself is imported only here, when asked for."""

from __future__ import annotations

import os
from typing import Any

from depthlab.errors import ConfigError

# Passed on to every task, so that workers read the same data and log alike.
FORWARDED_ENV = ("DEPTHLAB_DATA_DIR", "DEPTHLAB_CACHE_DIR", "HF_HUB_OFFLINE", "HF_HOME")


def connect(address: str | None) -> Any:
    """Join the Ray cluster at *address* (``HOST:PORT`` or ``auto``), or start a local one."""
    try:
        import ray
    except ImportError as exc:
        raise ConfigError("--executor ray needs Ray: pip install 'depthlab[distributed]'") from exc
    if ray.is_initialized():
        return ray
    env = {name: os.environ[name] for name in FORWARDED_ENV if name in os.environ}
    try:
        ray.init(
            address=address,
            include_dashboard=False,
            log_to_driver=False,
            configure_logging=False,
            runtime_env={"env_vars": env} if env else None,
        )
    except (ConnectionError, RuntimeError, ValueError) as exc:
        where = address or "a new local cluster"
        raise ConfigError(
            f"could not connect to the Ray cluster at {where} ({str(exc).splitlines()[0]}); "
            "start one with 'ray start --head' and pass --ray-address HOST:PORT"
        ) from exc
    return ray
