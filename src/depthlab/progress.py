"""Progress bars on long work, on stderr, silent when not attached to a terminal or when quiet."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")


def enabled() -> bool:
    """Bars show on an interactive stderr unless ``DEPTHLAB_QUIET`` is set."""
    return sys.stderr.isatty() and not os.environ.get("DEPTHLAB_QUIET")


def track(items: Iterable[T], total: int | None, description: str) -> Iterator[T]:
    """Iterate over *items* with a progress bar (loss-free passthrough when bars are off)."""
    if not enabled():
        yield from items
        return
    from rich.progress import Progress

    with Progress(transient=True) as progress:
        task = progress.add_task(description, total=total)
        for item in items:
            yield item
            progress.advance(task)
