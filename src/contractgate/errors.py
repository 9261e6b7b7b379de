"""Exit codes and the one exception type that means "bad input or usage" (exit 2)."""

from __future__ import annotations

EXIT_OK = 0
EXIT_VIOLATION = 1
EXIT_USAGE = 2


class ContractgateError(Exception):
    """A usage, configuration or input error: reported in one line, exit code 2."""


class InputError(ContractgateError):
    """A file that cannot be read as a payload. Carries the file name so the message can name it."""

    def __init__(self, file: str, cause: str) -> None:
        super().__init__(f"{file}: {cause}")
        self.file = file
        self.cause = cause

