"""User-facing errors: each carries a one-line message and a process exit code."""

from __future__ import annotations

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_BUDGET = 3
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE: what a shell reports for a program stopped by a closed pipe


class GenieError(Exception):
    """An error the CLI prints as one line (``genie: <message>``) and exits with ``exit_code``."""

    exit_code: int = EXIT_FAILED

    def __init__(self, message: str, *, exit_code: int | None = None) -> None:
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code


class UsageError(GenieError):
    """Bad command-line usage or bad configuration."""

    exit_code = EXIT_USAGE


class ConfigError(UsageError):
    """A configuration file that cannot be read (names file and line)."""
