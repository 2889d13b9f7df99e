"""What a training run calls besides the loop: epoch hooks and run hooks (trackers are run hooks).

An *epoch hook* is a callable that receives each epoch's history record after its checkpoint is
written (a tuner's pruning, a list's ``append``). A *run hook* also hears when the run folder is
ready (:meth:`RunHook.start`, with run.json's content), when the run is finished and how it
ended: :mod:`depthlab.track` implements it for TensorBoard and MLflow. A run hook never costs
the run: one that breaks during training is logged and switched off, the training goes on.

Example:
    >>> class Printer:
    ...     name = "printer"
    ...     def start(self, config, folder, resume): pass
    ...     def epoch(self, record): print(record["epoch"])
    ...     def finish(self, run): pass
    ...     def close(self, status): pass
    >>> isinstance(Printer(), RunHook)
    True
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from depthlab.errors import DepthlabError

if TYPE_CHECKING:
    from depthlab.training.run import Run

log = logging.getLogger(__name__)

EpochHook = Callable[[dict[str, Any]], None]
"""Called with each epoch's history record (``epoch``, ``train_loss``, ``val_*``, ``lr``...)."""


@runtime_checkable
class RunHook(Protocol):
    """Hears a whole training run: start, every epoch, the finished run, the end."""

    def start(self, config: dict[str, Any], folder: Path | None, resume: bool) -> None:
        """Called once the run folder holds run.json (*config*), before the first epoch."""

    def epoch(self, record: dict[str, Any]) -> None:
        """Called with each epoch's history record, after its checkpoint is written."""

    def finish(self, run: Run) -> None:
        """Called when metrics.json and the weights are written."""

    def close(self, status: str) -> None:
        """Called last, always: ``status`` is ``finished``, ``failed`` or ``killed``."""


Hook = EpochHook | RunHook


def split_hooks(hooks: Iterable[Hook]) -> tuple[list[EpochHook], list[RunHook]]:
    """``(epoch hooks, run hooks)`` of a mixed sequence."""
    runs = [hook for hook in hooks if isinstance(hook, RunHook)]
    epochs = [hook for hook in hooks if not isinstance(hook, RunHook)]
    return epochs, runs


def hook_name(hook: RunHook) -> str:
    return str(getattr(hook, "name", type(hook).__name__))


class HookSession:
    """The run hooks of one training run, driven by :func:`~depthlab.training.run.train`.

    Example:
        >>> session = HookSession.open([], {"data": {"name": "iris"}}, None, False)
        >>> session.epoch_hooks
        []
    """

    def __init__(self, hooks: Sequence[RunHook]) -> None:
        self.hooks = list(hooks)

    @classmethod
    def open(
        cls, hooks: Iterable[RunHook], config: dict[str, Any], folder: Path | None, resume: bool
    ) -> HookSession:
        """Start every hook; one that cannot start is a user error (the others are closed)."""
        session = cls(list(hooks))
        started: list[RunHook] = []
        try:
            for hook in session.hooks:
                hook.start(config, folder, resume)
                started.append(hook)
        except BaseException:
            cls(started).close("failed")
            raise
        return session

    @property
    def epoch_hooks(self) -> list[EpochHook]:
        """One epoch hook per run hook, for the loop."""
        return [self._guarded(hook) for hook in self.hooks]

    def _guarded(self, hook: RunHook) -> EpochHook:
        def on_epoch(record: dict[str, Any]) -> None:
            if hook in self.hooks:
                self._call(hook, "epoch", lambda: hook.epoch(record))

        return on_epoch

    def _call(self, hook: RunHook, what: str, action: Callable[[], None]) -> None:
        # Losing a tracker must not lose the training it records: warn and go on without it.
        try:
            action()
        except (DepthlabError, OSError, RuntimeError, ValueError, ImportError) as exc:
            log.warning("%s tracking stopped (%s): %s", hook_name(hook), what, exc)
            self.hooks.remove(hook)
            self._close_one(hook, "failed")

    def finish(self, run: Run) -> None:
        """Hand every hook the finished run, then close them."""
        for hook in list(self.hooks):
            self._call(hook, "finish", functools.partial(hook.finish, run))
        self.close("finished")

    def close(self, status: str) -> None:
        """Close every hook with *status* (``finished``, ``failed``, ``killed``)."""
        for hook in self.hooks:
            self._close_one(hook, status)
        self.hooks = []

    @staticmethod
    def _close_one(hook: RunHook, status: str) -> None:
        try:
            hook.close(status)
        except Exception as exc:  # closing is best effort: the run's files are already safe
            log.warning("%s tracking did not close cleanly: %s", hook_name(hook), exc)
