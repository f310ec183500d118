"""Errors that users see: one clear sentence and a stable exit code.

Services raise these; the CLI prints the message (in Thai) and exits with ``exit_code``.
Nothing else in the program decides exit codes.
"""

from __future__ import annotations

# Stable exit codes, documented in the README.
EXIT_GAP = 1  # status --fail-on-gap found an unmet target; doctor found a problem
EXIT_INPUT = 2  # bad input: wrong value, missing field, bad file (same as click's usage errors)
EXIT_NOT_FOUND = 3  # a named thing (school, standard, entry, file) does not exist
EXIT_DATABASE = 4  # the database is not a nitet database, is corrupt, or is newer than this program
EXIT_OUTPUT = 5  # an output file could not be written


class NitetError(Exception):
    """An error a user can act on. ``message`` says what is wrong and what would be right."""

    exit_code = EXIT_INPUT

    def __init__(self, message: str, *, hint: str | None = None, exit_code: int | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint
        if exit_code is not None:
            self.exit_code = exit_code

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\n{self.hint}"


class InputError(NitetError):
    exit_code = EXIT_INPUT


class NotFoundError(NitetError):
    exit_code = EXIT_NOT_FOUND


class DatabaseError(NitetError):
    exit_code = EXIT_DATABASE


class OutputError(NitetError):
    exit_code = EXIT_OUTPUT
