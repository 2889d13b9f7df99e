"""Fixtures of the training tests."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import pytest

KilledAfter = Callable[[int], contextlib.AbstractContextManager[None]]


@pytest.fixture
def killed_after() -> KilledAfter:
    """``with killed_after(n): fit(...)``: the training is interrupted (KeyboardInterrupt, as by
    Ctrl-C) right after its n-th checkpoint is saved; the block expects that interruption."""
    import depthlab.training.loop as loop

    @contextlib.contextmanager
    def interrupted(n: int) -> Iterator[None]:
        original, saved = loop.save_checkpoint, []

        def save_then_die(*args: Any, **kwargs: Any) -> None:
            original(*args, **kwargs)
            saved.append(1)
            if len(saved) == n:
                raise KeyboardInterrupt

        loop.save_checkpoint = save_then_die  # type: ignore[assignment]
        try:
            with pytest.raises(KeyboardInterrupt):
                yield
        finally:
            loop.save_checkpoint = original  # type: ignore[assignment]

    return interrupted
