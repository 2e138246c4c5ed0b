"""Errors that reach the user as one clear line, each with its own exit code.

Every failure a user can cause or meet (bad input, a refused publish, a failing
test) is a ``DsprodError`` subclass; the CLI prints ``str(error)`` and exits
with ``error.exit_code``. Anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

from typing import Any


class DsprodError(Exception):
    """Base class: a failure with a message meant for the user.

    ``details`` carries machine-readable facts (a test report...) that the
    CLI's ``--json`` output includes beside the message.
    """

    exit_code = 1

    def __init__(self, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.details = details or {}


class TestsFailed(DsprodError):
    """The project's own tests failed against the installed package."""

    exit_code = 1


class InputError(DsprodError):
    """Bad input: a project file, channels.yaml, a command-line value, git state."""

    exit_code = 2


class StoreRefused(DsprodError):
    """The store refused an operation (overwrite with other bytes, promotion policy)."""

    exit_code = 3


class BuildFailed(DsprodError):
    """The build tool failed; the message says where the full log is."""

    exit_code = 4


class VerifyFailed(DsprodError):
    """A built package failed a check and was not published."""

    exit_code = 5


class EnvironmentFailed(DsprodError):
    """A clean environment could not be solved or installed."""

    exit_code = 6
