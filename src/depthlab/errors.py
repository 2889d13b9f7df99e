"""The one place user-facing error types live.

Every error a user can cause is a :class:`DepthlabError`; its message says what was wrong and how
to fix it. The CLI prints it on one line and exits with status 2.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class DepthlabError(Exception):
    """Base class of every user-facing depthlab error."""

    exit_code = 2


class ConfigError(DepthlabError, ValueError):
    """An option, argument or configuration value is invalid."""


class DataError(DepthlabError, ValueError):
    """Data could not be loaded or failed validation."""


class UnknownNameError(DataError, KeyError):
    """A name (dataset, model, ...) is not in its registry."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


class ChecksumError(DataError):
    """A downloaded or mirrored file does not have the SHA-256 it should have."""


class DownloadError(DataError):
    """A file could not be fetched (offline, unreachable, or not in the mirror)."""


class MissingExtraError(DepthlabError, ImportError):
    """An optional dependency is not installed."""


def closest(name: str, choices: Iterable[str]) -> str:
    """Return ``" Did you mean 'x'?"`` for the closest choice, or an empty string."""
    match = difflib.get_close_matches(name, list(choices), n=1, cutoff=0.5)
    return f" Did you mean '{match[0]}'?" if match else ""


def require(module: str, extra: str) -> None:
    """Raise :class:`MissingExtraError` naming the extra to install when *module* is missing."""
    import importlib.util

    if importlib.util.find_spec(module) is None:
        raise MissingExtraError(
            f"this needs the optional dependency '{module}': "
            f"pip install 'depthlab[{extra}]' -c constraints.txt"
        )
